"""The docs index on real SQLite: migrations, FTS5 search, citations, filters, query planning."""

from __future__ import annotations

import sqlite3

import pytest

from tether.docs.chunking import chunk_markdown
from tether.docs.index import BM25, DocsIndex, DocumentIn
from tether.docs.query import MAX_POSTINGS, coverage, query_words
from tether.docs.schema import MIGRATIONS
from tether.errors import InputError

RETRIES = """# Retries

## Backoff

The delay grows exponentially with jitter so failing jobs do not retry in lockstep.

## Dead letters

Jobs that fail every attempt move to the dead-letter queue.
"""

SCHEDULING = """# Scheduling

## Cron

Periodic jobs use cron expressions evaluated in UTC.
"""


def _doc(key: str, **kw) -> DocumentIn:
    return DocumentIn(key=key, path=f"/docs/{key}", sha256=key, bytes=10, **kw)


@pytest.fixture
def index(tmp_path):
    with DocsIndex(tmp_path / "docs.sqlite") as ix:
        src = ix.add_source("ferry", "/docs/llms.txt", "llmstxt", "Ferry")
        ix.put_document(src.id, _doc("retries.md", title="Retries"), chunk_markdown(RETRIES))
        ix.put_document(src.id, _doc("scheduling.md", optional=True), chunk_markdown(SCHEDULING))
        other = ix.add_source("other", "/other", "folder", None)
        ix.put_document(other.id, _doc("o.md"), chunk_markdown("# Other\n\nBackoff for other things.\n"))
        ix.refresh_stats()
        yield ix


def test_migrations_are_recorded_once(tmp_path):
    path = tmp_path / "docs.sqlite"
    DocsIndex(path).close()
    DocsIndex(path).close()
    names = [r[0] for r in sqlite3.connect(path).execute("SELECT name FROM migrations ORDER BY name")]
    assert names == [name for name, _ in MIGRATIONS]


def test_search_ranks_the_matching_section_first_with_a_citation(index):
    hits = index.search("exponential backoff with jitter", k=3)
    assert hits[0].heading == "Retries > Backoff"
    assert hits[0].path == "/docs/retries.md"
    # The title has no text of its own, so it opens the first section's chunk.
    assert (hits[0].start_line, hits[0].end_line) == (1, 5)
    assert hits[0].citation() == "/docs/retries.md:L1-L5 (Retries > Backoff)"
    assert hits[0].text.startswith("# Retries\n\n## Backoff")
    assert hits[0].score > 0
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_headings_are_searchable_and_stemmed(index):
    hits = index.search("dead letter", k=1)  # "letters" in the heading, stemmed
    assert hits[0].heading == "Retries > Dead letters"


def test_source_and_optional_filters(index):
    assert {h.source for h in index.search("backoff", k=5)} == {"ferry", "other"}
    assert {h.source for h in index.search("backoff", k=5, source="other")} == {"other"}
    assert index.search("cron periodic", k=5)[0].heading == "Scheduling > Cron"
    assert all(h.heading != "Scheduling > Cron" for h in index.search("cron periodic", k=5, include_optional=False))


def test_queries_with_nothing_searchable(index):
    assert index.search("the of and", k=5) == []
    assert index.search('"); DROP TABLE chunks; --', k=5) == []  # quoted terms: no FTS syntax injection
    assert index.search("backoff", k=0) == []
    assert index.chunk_count() == 4  # 3 from ferry, 1 from other


def test_replacing_a_document_replaces_its_chunks_in_the_fts_index(index):
    src = index.source("ferry")
    index.put_document(src.id, _doc("retries.md"), chunk_markdown("# Retries\n\nNow about circuit breakers.\n"))
    assert index.search("jitter lockstep", k=5) == []
    assert index.search("circuit breakers", k=1)[0].path == "/docs/retries.md"


def test_removing_a_source_removes_its_documents_and_chunks(index):
    assert index.remove_source("ferry") is True
    assert index.remove_source("ferry") is False
    assert [s.name for s in index.list_sources()] == ["other"]
    assert index.chunk_count() == 1
    assert index.search("jitter", k=5) == []


def test_list_sources_counts(index):
    ferry = index.source("ferry")
    assert (ferry.documents, ferry.chunks, ferry.title) == (2, 3, "Ferry")


def test_readonly_open_of_a_missing_index_says_what_to_do(tmp_path):
    with pytest.raises(InputError, match="tether docs add"):
        DocsIndex(tmp_path / "nope.sqlite", readonly=True)
    assert not (tmp_path / "nope.sqlite").exists()


def test_query_words_split_identifiers_and_drop_stop_words():
    assert query_words("How do I use retryPolicy with max_delay?") == ["retry", "policy", "max", "delay"]


def test_planner_leaves_out_terms_in_most_chunks_and_keeps_rare_ones(tmp_path):
    with DocsIndex(tmp_path / "big.sqlite") as ix:
        src = ix.add_source("s", "/s", "folder", None)
        chunks = [chunk_markdown(f"# Page {i}\n\nA job runs here, number w{i}.\n")[0] for i in range(MAX_POSTINGS // 20)]
        chunks.append(chunk_markdown("# Special\n\nA job with a zeppelin.\n")[0])
        ix.put_document(src.id, _doc("a.md"), chunks)
        ix.refresh_stats()
        assert ix.planner.plan("job zeppelin") == '"zeppelin"'  # "job" is in every chunk: no weight
        assert ix.planner.plan("jobs") == '"job"'  # the rarest term is always kept
        assert ix.search("job zeppelin", k=1)[0].heading == "Special"


def test_planner_caps_the_postings_it_scores(tmp_path):
    with DocsIndex(tmp_path / "big.sqlite") as ix:
        src = ix.add_source("s", "/s", "folder", None)
        n = MAX_POSTINGS * 3
        text = "".join(f"# P{i}\n\n{'common' if i < n // 3 else 'filler'} w{i} {'medium' if i % 4 == 0 else ''}\n\n" for i in range(n))
        ix.put_document(src.id, _doc("a.md"), chunk_markdown(text, max_tokens=8))
        ix.refresh_stats()
        plan = ix.planner.plan("unheard medium common w7")
        # Rarest first: the unknown term (counted as rare), w7 (1 chunk), medium (a quarter);
        # common (a third) would take the scored postings past the cap.
        assert plan == '"unheard" OR "w7" OR "medium"'


def test_chunks_holding_more_of_the_query_are_reordered_first(index):
    source = index.add_source("s", "/docs", "folder", None)
    # One rare word alone (short chunk: bm25's favourite) against a chunk with every query word.
    index.put_document(source.id, _doc("rare.md"), chunk_markdown("# Zeppelin\n\nzeppelin\n"))
    index.put_document(
        source.id, _doc("all.md"), chunk_markdown("# Flights\n\nA zeppelin flight plan lists each mooring mast and the crew roster.\n")
    )
    for i in range(6):  # filler, so that the query's other words are not rare
        index.put_document(source.id, _doc(f"f{i}.md"), chunk_markdown(f"# F{i}\n\nA flight plan and a crew roster, mooring mast {i}.\n"))
    index.refresh_stats()
    query = "zeppelin flight plan crew roster mooring mast"
    raw = index.conn.execute(
        f"SELECT c.text FROM chunks_fts f JOIN chunks c ON c.id = f.rowid WHERE chunks_fts MATCH ? ORDER BY {BM25}",
        [index.planner.plan(query)],
    ).fetchall()
    assert raw[0][0] == "# Zeppelin\n\nzeppelin"  # bm25 alone puts the one-word chunk first
    hits = index.search(query, k=2)
    assert hits[0].path == "/docs/all.md" and hits[0].score > hits[1].score > 0
    assert coverage(["zeppelin", "flight"], "Zeppelins in flight_plans") == 1.0
    assert coverage(["zeppelin", "flight"], "the zeppelin") == 0.5 and coverage(["ab"], "cab") == 0.0
