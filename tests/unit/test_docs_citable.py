"""An llms.txt is an index of links, not a source: search never cites its chunks, only the pages it links."""

from __future__ import annotations

from pathlib import Path

import pytest

from tether.docs.index import DocsIndex
from tether.docs.ingest import Ingester

LLMS = """# Queue

> Docs for the job queue.

## Docs

- [Retries](retries.md): retry failing jobs with exponential backoff and jitter; dead letters
- [Scheduling](scheduling.md): cron schedules for periodic jobs, evaluated in UTC

## Optional

- [Changelog](changelog.md): what changed in each release, retries and backoff included
"""
PAGES = {
    "retries.md": "# Retries\n\n## Backoff\n\nThe delay grows with exponential backoff plus jitter.\n\n"
    "## Dead letters\n\nJobs that fail every attempt move to the dead-letter queue.\n",
    "scheduling.md": "# Scheduling\n\n## Cron\n\nPeriodic jobs use cron schedules evaluated in UTC.\n",
    "changelog.md": "# Changelog\n\n## 2.0\n\nRetries now use backoff.\n",
}
QUERY = "exponential backoff jitter for failing jobs"


@pytest.fixture
def index(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "llms.txt").write_text(LLMS, encoding="utf-8")
    for name, text in PAGES.items():
        (site / name).write_text(text, encoding="utf-8")
    with DocsIndex(tmp_path / "docs.sqlite") as ix:
        yield ix, site


async def _ingest(ix: DocsIndex, site: Path) -> None:
    report = await Ingester(ix, site).add("llms.txt", name="queue")
    assert (report.added, report.failed) == (4, 0)  # the llms.txt is stored too: re-ingests compare its hash


def _llms_chunk_ids(ix: DocsIndex, site: Path) -> list[int]:
    rows = ix.conn.execute(
        "SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.path = ?", (str(site / "llms.txt"),)
    ).fetchall()
    return [r[0] for r in rows]


async def test_search_cites_the_linked_pages_never_the_llms_txt(index) -> None:
    ix, site = index
    await _ingest(ix, site)
    llms_ids = _llms_chunk_ids(ix, site)
    # Its link list is indexed and matches the query better than any page (so it is the filter that drops it) ...
    fts = ix.conn.execute(
        "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH 'exponential AND jitter AND fail' ORDER BY bm25(chunks_fts, 3.0, 1.0)"
    ).fetchall()
    assert fts and fts[0][0] in llms_ids
    # ... and no search returns it, with or without filters, whatever k.
    for kwargs in ({}, {"source": "queue"}, {"include_optional": False}):
        hits = ix.search(QUERY, k=10, **kwargs)
        assert hits, kwargs
        assert all(h.chunk_id not in llms_ids and not (h.path or "").endswith("llms.txt") for h in hits), kwargs
        assert hits[0].path == str(site / "retries.md") and hits[0].heading == "Retries > Backoff"
    top1 = ix.search(QUERY, k=1)  # the uncitable chunk ranks first in FTS5, yet k=1 still returns one page
    assert [h.path for h in top1] == [str(site / "retries.md")]
    assert ix.uncitable_chunks() == len(llms_ids) > 0
    assert ix.hits(llms_ids) == {}  # the hybrid (embeddings) path looks chunks up by id: it drops them too
