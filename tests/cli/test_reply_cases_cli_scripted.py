"""The bug cases' replies through `tether edit --apply`, the command each case names, SCRIPTED.

The installed entry point talks to a scripted OpenAI-compatible server over real HTTP (the
server runs in the test process). The entries are the corpus folders of the bug cases
(tests/fixtures/replies/*-caseNN) plus refusals: exit 0 and the expected file on disk, or
exit 5 (GenerationError) with the file untouched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.conftest import make_git_repo
from tests.fixtures.openai_server import ScriptedOpenAIServer
from tests.unit.test_reply_corpus_scripted import KINDS, REPLIES, load

CASES = sorted(p.name for p in REPLIES.glob("*-case[0-9][0-9]"))
REFUSALS = ["stream-cut-always", "empty-always"]


def scripted_env(server: ScriptedOpenAIServer, settings: dict[str, Any]) -> dict[str, str]:
    """Point the CLI's edit role at the scripted server, as the cases' common.sh does."""
    env = {
        "TETHER_MODELS__SCRIPTED__BACKEND": "openai",
        "TETHER_MODELS__SCRIPTED__BASE_URL": server.base_url,
        "TETHER_MODELS__SCRIPTED__MODEL": "scripted-model",
        "TETHER_MODELS__SCRIPTED__MAX_RETRIES": "0",
        "TETHER_MODELS__SCRIPTED__TIMEOUT_S": "20",
        "TETHER_ROLES__EDIT": '["scripted"]',
    }
    for section, values in settings.items():
        for key, value in values.items():
            env[f"TETHER_{section.upper()}__{key.upper()}"] = str(value)
    return env


def test_scripted_every_bug_case_has_an_entry() -> None:
    assert {name.rsplit("-", 1)[1] for name in CASES} == {"case01", "case04", "case10", "case31", "case32"}


@pytest.mark.parametrize("name", CASES + REFUSALS)
def test_scripted_case_reply_through_the_cli(name: str, tether, tmp_path: Path, openai_server: ScriptedOpenAIServer) -> None:
    entry = load(REPLIES / name)
    root = make_git_repo(tmp_path / "ws", {entry.file: entry.before})
    openai_server.script(*entry.replies)
    openai_server.default = entry.replies[-1]
    lines = ["--lines", f"{entry.lines[0]}-{entry.lines[1]}"] if entry.lines else []
    result = tether(
        "-C",
        str(root),
        "edit",
        entry.file,
        *lines,
        "-m",
        entry.instruction,
        "--apply",
        env=scripted_env(openai_server, entry.settings),
        timeout=120,
    )
    assert "Traceback" not in result.stderr
    if entry.after is not None:
        assert result.returncode == 0, result.stderr
        assert (root / entry.file).read_bytes() == entry.after
    else:
        assert result.returncode == 5, result.stderr
        assert result.stderr.startswith("Error: ")
        assert any(word in result.stderr.lower() for word in KINDS[entry.refused]), result.stderr
        assert (root / entry.file).read_bytes() == entry.before
