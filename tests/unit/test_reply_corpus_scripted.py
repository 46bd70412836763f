"""The adversarial reply corpus (tests/fixtures/replies/), through the real edit op, SCRIPTED.

Each folder of the corpus is one model reply (or a script of replies: bad, then good) with the
file it edits and the expected outcome: the exact new file text, or a refusal (GenerationError
naming the kind, nothing written, no proposal stored). Never a damaged file. The replies go
through the real OpenAI-compatible backend and a scripted server over real HTTP, so streaming,
finish reasons and cut streams are those a remote endpoint produces.

The bug cases' expected values are also tests named for their kind (cases 01, 04, 10, 31, 32);
tests/cli/test_reply_cases_cli_scripted.py runs the same entries through `tether edit --apply`.
"""

from __future__ import annotations

import itertools
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import make_git_repo
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

from tether.config import load_settings
from tether.engine import Engine
from tether.errors import GenerationError, TetherError
from tether.ops.edit import edit_file, edit_selection
from tether.ops.gather import default_providers
from tether.ops.review import accept_on_disk

REPLIES = Path(__file__).resolve().parents[1] / "fixtures" / "replies"

# Words one of which a refusal's message must hold, by kind (the message is for the user).
KINDS: dict[str, tuple[str, ...]] = {
    "truncated": ("cut off", "truncat", "incomplete", "never finished", "did not finish", "ended before"),
    "looped": ("loop", "repeat", "repetit"),
    "elided": ("elide", "elision", "placeholder"),
    "empty": ("empty",),
    "parse": ("parse", "syntax", "not valid"),
    "indentation": ("indent", "syntax", "parse"),
    "fragment": ("fragment", "drops", "deletes", "most of the file", "only part", "wrong file"),
    "dropped": ("leaves out", "dropped"),
    "repeated": ("twice",),
}


@dataclass
class Entry:
    """One corpus folder, read (see tests/fixtures/replies/README.md)."""

    name: str
    file: str
    instruction: str
    before: bytes
    after: bytes | None  # None: must be refused
    refused: str
    lines: tuple[int, int] | None  # 1-based, inclusive
    replies: list[Reply]
    settings: dict[str, Any]
    stopped_early: bool


def load(folder: Path) -> Entry:
    spec = tomllib.loads((folder / "entry.toml").read_text(encoding="utf-8"))
    after = folder / "after" / spec["file"]
    assert (spec["expect"] == "file") == after.exists(), f"{folder.name}: expect and after/ disagree"
    assert spec["expect"] == "file" or spec["refused"] in KINDS, f"{folder.name}: unknown refusal kind"
    return Entry(
        name=folder.name,
        file=spec["file"],
        instruction=spec["instruction"],
        before=(folder / "before" / spec["file"]).read_bytes(),
        after=after.read_bytes() if after.exists() else None,
        refused=spec.get("refused", ""),
        lines=tuple(spec["lines"]) if "lines" in spec else None,  # type: ignore[arg-type]
        replies=[_reply(folder, item) for item in spec["reply"]],
        settings=spec.get("settings", {}),
        stopped_early=spec.get("stopped_early", False),
    )


def _reply(folder: Path, item: dict[str, Any]) -> Reply:
    options = dict(item)
    text = (folder / options.pop("text")).read_bytes().decode("utf-8")
    text += options.pop("repeat", "") * options.pop("times", 0)
    if options.pop("chunk_lines", False):
        options["chunks"] = text.splitlines(keepends=True)
    return Reply(text=text, **options)


ENTRIES = sorted(p.name for p in REPLIES.iterdir() if (p / "entry.toml").is_file())


def remote_engine(root: Path, server: ScriptedOpenAIServer, overrides: dict[str, Any]) -> Engine:
    slot = {"backend": "openai", "base_url": server.base_url, "model": "scripted-model", "max_retries": 0}
    settings = load_settings(root, env={}, overrides={**overrides, "models": {"remote": slot}, "roles": {"edit": ["remote"]}})
    engine = Engine(settings, root)
    engine.providers = default_providers(engine)
    return engine


async def run_entry(name: str, tmp_path: Path, server: ScriptedOpenAIServer) -> Entry:
    """Run one corpus entry through the edit op and check its outcome; returns the entry."""
    entry = load(REPLIES / name)
    root = make_git_repo(tmp_path / "ws", {entry.file: entry.before})
    server.script(*entry.replies)
    server.default = entry.replies[-1]  # a model asked again says the last thing again
    engine = remote_engine(root, server, entry.settings)
    if entry.lines:
        op = edit_selection(engine, entry.file, entry.instruction, entry.lines[0] - 1, entry.lines[1])
    else:
        op = edit_file(engine, entry.file, entry.instruction)
    try:
        if entry.after is not None:
            proposal = await op
            before = entry.before.decode("utf-8")
            new_text = proposal.files[0].new_text if proposal.files else before
            assert new_text == entry.after.decode("utf-8"), f"{name}: the proposal's file is not the expected one"
            accept_on_disk(engine, proposal.id)
            assert (root / entry.file).read_bytes() == entry.after, f"{name}: the file on disk is not the expected one"
        else:
            with pytest.raises(TetherError) as refusal:
                await op
            message = str(refusal.value)
            assert isinstance(refusal.value, GenerationError), f"{name}: refused as {type(refusal.value).__name__}: {message}"
            assert any(word in message.lower() for word in KINDS[entry.refused]), (
                f"{name}: the refusal does not say it was {entry.refused}: {message}"
            )
            assert (root / entry.file).read_bytes() == entry.before, f"{name}: a refused edit changed the file"
            assert engine.store.all() == [], f"{name}: a refused edit left a proposal"
    finally:
        await engine.aclose()
    if entry.stopped_early:
        assert _polled(lambda: server.disconnects >= 1), f"{name}: the looping stream was read to its end"
    return entry


def _polled(condition: Any, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_scripted_corpus_is_large_and_covers_both_outcomes() -> None:
    entries = [load(REPLIES / name) for name in ENTRIES]
    assert len(entries) >= 40
    assert sum(e.after is None for e in entries) >= 10 and sum(e.after is not None for e in entries) >= 30
    assert {e.refused for e in entries if e.after is None} == set(KINDS)


@pytest.mark.parametrize("name", ENTRIES)
async def test_scripted_reply_corpus(name: str, tmp_path: Path, openai_server: ScriptedOpenAIServer) -> None:
    await run_entry(name, tmp_path, openai_server)


async def test_scripted_reasks_use_temperature_and_a_new_seed(tmp_path: Path, openai_server: ScriptedOpenAIServer) -> None:
    """After a failed reply the model is asked differently: greedy decoding repeats a loop."""
    await run_entry("elided-always", tmp_path, openai_server)
    bodies = [r.body for r in openai_server.posts("/chat/completions")]
    assert len(bodies) == 3  # edit.max_reasks = 2
    for before, after in itertools.pairwise(bodies):
        assert after.get("temperature", 0) > 0
        assert after.get("seed") is not None and after.get("seed") != before.get("seed")


# -- the bug cases' expected values, named for their kind -------------------------------------


async def test_fence_inside_file_is_not_the_end_of_reply(tmp_path: Path, openai_server: ScriptedOpenAIServer) -> None:
    """Case 01: a markdown file's own ```sh fence does not end the ```markdown reply."""
    await run_entry("md-fence-inside-file-case01", tmp_path, openai_server)


@pytest.mark.parametrize("name", ["crlf-search-replace-case04", "crlf-whole-file-case04"])
async def test_crlf_kept_on_search_replace_path(name: str, tmp_path: Path, openai_server: ScriptedOpenAIServer) -> None:
    """Case 04: LF replies to a CRLF file leave it CRLF everywhere, SEARCH/REPLACE path included."""
    await run_entry(name, tmp_path, openai_server)


@pytest.mark.parametrize(
    "name",
    [
        "think-before-fence-py-case10",
        "think-before-fence-toml-case10",
        "prose-before-fence-case10",
        "fence-bare-no-info-string-case10",
    ],
)
async def test_reasoning_and_prose_around_fence_dropped(name: str, tmp_path: Path, openai_server: ScriptedOpenAIServer) -> None:
    """Case 10: <think> blocks and prose before the fence are dropped; a bare ``` fence is a fence."""
    await run_entry(name, tmp_path, openai_server)


async def test_stream_cut_without_finish_reason_is_not_complete(tmp_path: Path, openai_server: ScriptedOpenAIServer) -> None:
    """Case 31: a stream that ends with no finish_reason and no [DONE] is re-asked, never applied."""
    await run_entry("stream-cut-case31", tmp_path, openai_server)
    assert len(openai_server.posts("/chat/completions")) == 2


async def test_selection_reply_echoing_line_above_is_trimmed(tmp_path: Path, openai_server: ScriptedOpenAIServer) -> None:
    """Case 32: a selection reply that repeats the line above the selection does not duplicate it."""
    entry = await run_entry("echo-line-above-case32", tmp_path, openai_server)
    assert entry.after is not None and entry.after.count(b"total += price") == 1
