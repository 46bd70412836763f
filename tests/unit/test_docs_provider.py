"""DocsProvider and search_docs: docs chunks enter an edit's context as cited, untrusted text."""

from __future__ import annotations

from pathlib import Path

import pytest

from tether.config import load_settings
from tether.docs import DocsProvider, search_docs
from tether.docs.index import DocsIndex, global_index_path, workspace_index_path
from tether.docs.ingest import Ingester
from tether.docs.provider import build_query
from tether.engine import EditTarget, Engine
from tether.ops.gather import default_providers
from tether.pack import ContextPack
from tether.slider import Level

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "docs"

CODE = """from ferry import Queue, Backoff

queue = Queue("sqlite:///ferry.db")


@queue.job(retries=3)
def call_partner_api(order_id: int) -> None:
    partner.post(order_id)
"""


@pytest.fixture(autouse=True)
def isolated_user_data(tmp_path, monkeypatch):
    # The global index lives in the user data dir: point it at the test's own folder.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


def _engine(root: Path) -> Engine:
    root.mkdir(exist_ok=True)
    return Engine(load_settings(root, env={}), root)


async def _ingest(path: Path) -> None:
    with DocsIndex(path) as index:
        await Ingester(index, SEEDS).add("llms.txt")


def _target(instruction: str, start: int = 5, end: int = 8) -> EditTarget:
    return EditTarget(path="tasks.py", text=CODE, start_line=start, end_line=end, instruction=instruction, level=Level.SELECTION)


def test_query_is_the_instruction_then_identifiers_of_the_selection():
    query = build_query(_target("add exponential backoff"))
    assert query.startswith("add exponential backoff ")
    words = query.split()
    assert {"queue", "job", "retries", "call_partner_api", "order_id", "partner", "post"} <= set(words)
    assert "def" not in words and "None" not in words and "Queue" not in words  # Queue is outside lines 5-8


def test_docs_provider_is_a_default_provider(tmp_path):
    assert any(isinstance(p, DocsProvider) for p in default_providers(_engine(tmp_path / "ws")))


async def test_provider_adds_cited_untrusted_chunks_within_the_budget(tmp_path):
    engine = _engine(tmp_path / "ws")
    await _ingest(workspace_index_path(engine.data_dir))
    pack = ContextPack()
    await DocsProvider(k=3).provide(engine, _target("retry with exponential backoff and jitter"), pack, 1000)
    docs = pack.of_kind("docs")
    assert 1 <= len(docs) <= 3
    first = docs[0].source
    assert first.untrusted is True
    assert first.path == str(SEEDS / "pages" / "retries.md")
    assert first.heading == "Retries and failures > Backoff"
    lines = (SEEDS / "pages" / "retries.md").read_text().split("\n")
    assert docs[0].text == "\n".join(lines[first.start_line - 1 : first.end_line])
    assert first.label() == f"{first.path} — Retries and failures > Backoff"
    assert sum(item.source.tokens for item in docs) <= 1000


async def test_provider_respects_a_small_budget(tmp_path):
    engine = _engine(tmp_path / "ws")
    await _ingest(workspace_index_path(engine.data_dir))
    pack = ContextPack()
    await DocsProvider(k=4).provide(engine, _target("retry with exponential backoff and jitter"), pack, 120)
    assert all(item.source.tokens <= 120 for item in pack.items)
    assert sum(item.source.tokens for item in pack.items) <= 120
    empty = ContextPack()
    await DocsProvider().provide(engine, _target("retry backoff"), empty, 0)
    assert empty.items == []


async def test_optional_pages_are_left_out_when_the_budget_is_short(tmp_path):
    engine = _engine(tmp_path / "ws")
    await _ingest(workspace_index_path(engine.data_dir))
    question = _target("which release added weighted queue selection and enqueue_many bulk inserts")
    roomy, short = ContextPack(), ContextPack()
    await DocsProvider(k=6).provide(engine, question, roomy, 4000)
    await DocsProvider(k=6, optional_min_budget=512).provide(engine, question, short, 500)
    assert any(item.source.path.endswith("changelog.md") for item in roomy.items)
    optional_rank = [i for i, item in enumerate(roomy.items) if item.source.path.endswith("changelog.md")][0]
    non_optional = [i for i, item in enumerate(roomy.items) if not item.source.path.endswith(("changelog.md", "faq.md", "upgrading.md"))]
    assert all(i < optional_rank for i in non_optional)  # optional pages only fill the room left
    assert short.items and not any(item.source.path.endswith("changelog.md") for item in short.items)


async def test_without_an_index_the_provider_does_nothing_and_creates_nothing(tmp_path):
    engine = _engine(tmp_path / "ws")
    pack = ContextPack()
    await DocsProvider().provide(engine, _target("retry backoff"), pack, 1000)
    assert pack.items == []
    assert not workspace_index_path(engine.data_dir).exists()
    assert not global_index_path().exists()
    assert await search_docs(engine, "retry", 5) == []


async def test_search_docs_merges_workspace_and_global_indexes(tmp_path):
    engine = _engine(tmp_path / "ws")
    await _ingest(global_index_path())
    assert str(global_index_path()).startswith(str(tmp_path / "xdg"))
    hits = await search_docs(engine, "cron expression every day at 3am", 3)
    assert hits[0].path.endswith("scheduling.md")
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "notes.md").write_text("# Team notes\n\nOur cron jobs run in the Europe/Paris zone.\n")
    with DocsIndex(workspace_index_path(engine.data_dir)) as index:
        await Ingester(index, tmp_path).add("local/notes.md")
    hits = await search_docs(engine, "cron Europe/Paris zone", 10)
    assert {h.source for h in hits} == {"Ferry", "notes"}
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
