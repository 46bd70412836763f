"""The docs index: sources, documents and chunks in SQLite, searched with FTS5 (bm25).

One file, ``docs.sqlite``: in the workspace's data dir (``<workspace>/.tether``) or in the
user data dir (platformdirs) for docs shared by every workspace. The schema comes from named,
append-only migrations (``schema.py``). Chunk text lives once, in ``chunks``; ``chunks_fts``
is an external-content FTS5 table kept in step by triggers; results are ranked by bm25 with
headings weighing 3x body text. Queries are planned by ``query.py`` (stemmed terms, very
common ones left out on big indexes).

An llms.txt file itself is stored (its hash and cache validators decide re-ingests) but is not
citable: its text is a list of links to the pages that are the sources, and its link
descriptions would otherwise outrank those pages. Search never returns its chunks.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path

import platformdirs
from pydantic import BaseModel

from ..errors import InputError
from ..pack import Source
from .chunking import Chunk
from .query import QueryPlanner, coverage
from .schema import migrate, now

INDEX_FILE = "docs.sqlite"
BM25 = "bm25(chunks_fts, 3.0, 1.0)"  # weights per column: heading, text
# bm25's best k * POOL chunks (at least POOL_MIN) are reordered by bm25 x the share of query terms
# each holds. On npm's own docs (seeds/docs-npm) it took recall@5 0.711 -> 0.763 and MRR 0.632 ->
# 0.685 alone, MRR 0.73 -> 0.75 with front matter descriptions in headings; seeds MRR 0.872 ->
# 0.915 (docs/benchmarks.md). Pools of 4 and 10 gave the same figures.
POOL, POOL_MIN = 4, 20
# The document that is a source's llms.txt (its key is the source's location): an index of
# links, not a source to cite (see the module docstring). ``d`` is documents, ``s`` sources.
NOT_CITABLE = "(s.kind = 'llmstxt' AND d.key = s.location)"


def workspace_index_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / INDEX_FILE


def global_index_path() -> Path:
    return platformdirs.user_data_path("tether", appauthor=False) / INDEX_FILE


class SourceInfo(BaseModel):
    id: int
    name: str
    location: str
    kind: str
    title: str | None
    added_at: str
    updated_at: str
    documents: int = 0
    chunks: int = 0
    bytes: int = 0


class DocumentRow(BaseModel):
    id: int
    key: str
    url: str | None
    path: str | None
    title: str | None
    sha256: str
    etag: str | None
    last_modified: str | None


class DocumentIn(BaseModel):
    """A document's metadata as ingest found it."""

    key: str
    url: str | None = None
    path: str | None = None
    title: str | None = None
    section: str | None = None
    optional: bool = False
    sha256: str
    etag: str | None = None
    last_modified: str | None = None
    bytes: int


class Hit(BaseModel):
    chunk_id: int
    source: str
    title: str | None
    url: str | None
    path: str | None
    heading: str
    start_line: int
    end_line: int
    tokens: int
    text: str
    score: float
    optional: bool = False

    def citation(self) -> str:
        """Where the text comes from: ``url-or-path:L12-L30 (H1 > H2)``."""
        where = self.url or self.path or "?"
        lines = f"L{self.start_line}-L{self.end_line}"
        return f"{where}:{lines} ({self.heading})" if self.heading else f"{where}:{lines}"

    def as_source(self) -> Source:
        """The hit as a context ``Source`` of kind "docs": untrusted text, lines 1-based, ``tokens`` as indexed."""
        return Source(
            kind="docs",
            url=self.url,
            path=self.path,
            heading=self.heading or None,
            start_line=self.start_line,
            end_line=self.end_line,
            tokens=self.tokens,
            untrusted=True,
        )


class DocsIndex:
    """One docs index file. Use as a context manager, or call ``close()``."""

    def __init__(self, path: Path | str, readonly: bool = False):
        self.path = Path(path)
        if readonly:
            if not self.path.is_file():
                raise InputError(f"No docs index at {self.path}; add docs with `tether docs add SOURCE`.")
            self.conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, timeout=10)
            self.conn.execute("PRAGMA journal_mode=WAL")
            migrate(self.conn)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.planner = QueryPlanner(self.conn)

    def __enter__(self) -> DocsIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.planner.close()
        self.conn.close()

    # -- sources ---------------------------------------------------------------------------

    def source(self, name: str) -> SourceInfo | None:
        return next((s for s in self.list_sources() if s.name == name), None)

    def source_at(self, location: str) -> SourceInfo | None:
        return next((s for s in self.list_sources() if s.location == location), None)

    def list_sources(self) -> list[SourceInfo]:
        rows = self.conn.execute(
            """SELECT s.*, COUNT(DISTINCT d.id) AS documents, COALESCE(SUM(d.bytes), 0) AS bytes,
                      (SELECT COUNT(*) FROM chunks c JOIN documents d2 ON d2.id = c.document_id
                        WHERE d2.source_id = s.id) AS chunks
               FROM sources s LEFT JOIN documents d ON d.source_id = s.id
               GROUP BY s.id ORDER BY s.name"""
        )
        return [SourceInfo(**dict(r)) for r in rows]

    def add_source(self, name: str, location: str, kind: str, title: str | None) -> SourceInfo:
        stamp = now()
        with self.conn:
            self.conn.execute(
                "INSERT INTO sources (name, location, kind, title, added_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (name, location, kind, title, stamp, stamp),
            )
        return self.source(name)  # type: ignore[return-value]

    def touch_source(self, source_id: int, title: str | None, kind: str | None = None) -> None:
        """Mark a source updated now; ``title`` and ``kind`` replace the stored ones unless None (a
        file can turn from a markdown page into an llms.txt between two ingests)."""
        with self.conn:
            self.conn.execute(
                "UPDATE sources SET updated_at = ?, title = COALESCE(?, title), kind = COALESCE(?, kind) WHERE id = ?",
                (now(), title, kind, source_id),
            )

    def remove_source(self, name: str) -> bool:
        with self.conn:
            removed = self.conn.execute("DELETE FROM sources WHERE name = ?", (name,)).rowcount > 0
        if removed:
            self.refresh_stats()
        return removed

    def refresh_stats(self) -> None:
        """Recount document frequencies for the query planner (a vocabulary scan: ~0.3 s at 100k chunks)."""
        with self.conn:
            self.conn.execute("DELETE FROM term_stats")
            self.conn.execute("INSERT INTO term_stats SELECT term, doc FROM chunks_vocab")
            self.conn.execute("INSERT OR REPLACE INTO index_stats VALUES ('chunks', (SELECT COUNT(*) FROM chunks))")

    # -- documents -------------------------------------------------------------------------

    def documents(self, source_id: int) -> dict[str, DocumentRow]:
        rows = self.conn.execute(
            "SELECT id, key, url, path, title, sha256, etag, last_modified FROM documents WHERE source_id = ?",
            (source_id,),
        )
        return {r["key"]: DocumentRow(**dict(r)) for r in rows}

    def put_document(self, source_id: int, doc: DocumentIn, chunks: list[Chunk]) -> int:
        """Insert or replace a document and all its chunks, in one transaction."""
        with self.conn:
            self.conn.execute("DELETE FROM documents WHERE source_id = ? AND key = ?", (source_id, doc.key))
            cur = self.conn.execute(
                """INSERT INTO documents (source_id, key, url, path, title, section, optional, sha256, etag,
                                          last_modified, bytes, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    source_id,
                    doc.key,
                    doc.url,
                    doc.path,
                    doc.title,
                    doc.section,
                    int(doc.optional),
                    doc.sha256,
                    doc.etag,
                    doc.last_modified,
                    doc.bytes,
                    now(),
                ),
            )
            doc_id = cur.lastrowid
            assert doc_id is not None  # set by every one-row INSERT; Optional in the DB-API
            self.conn.executemany(
                """INSERT INTO chunks (document_id, ordinal, heading, start_line, end_line, tokens, text)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                [(doc_id, i, c.heading_path, c.start_line, c.end_line, c.tokens, c.text) for i, c in enumerate(chunks)],
            )
        return doc_id

    def touch_document(
        self,
        doc_id: int,
        etag: str | None,
        last_modified: str | None,
        title: str | None,
        section: str | None,
        optional: bool,
    ) -> None:
        """Fresh cache validators and labels for a document whose text did not change (chunks kept)."""
        with self.conn:
            self.conn.execute(
                """UPDATE documents SET etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified),
                          title = ?, section = ?, optional = ? WHERE id = ?""",
                (etag, last_modified, title, section, int(optional), doc_id),
            )

    def remove_documents(self, source_id: int, keys: Iterable[str]) -> int:
        with self.conn:
            return sum(self.conn.execute("DELETE FROM documents WHERE source_id = ? AND key = ?", (source_id, k)).rowcount for k in keys)

    # -- search ----------------------------------------------------------------------------

    def chunk_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def search(self, query: str, k: int = 5, source: str | None = None, include_optional: bool = True) -> list[Hit]:
        """The k best chunks for free text, best first.

        ``score``: bm25 (FTS5's, negated: higher is better) times the share of the query's
        terms the chunk holds (``query.coverage``); the best ``k * POOL`` by bm25 are reordered by it.
        """
        match, stems = self.planner.plan_terms(query)
        if match is None or k <= 0:
            return []
        want, k = k, max(k * POOL, POOL_MIN)
        filters = f" AND NOT {NOT_CITABLE}"
        params: list[str | int] = [match]
        if source is not None:
            filters += " AND s.name = ?"
            params.append(source)
        if not include_optional:
            filters += " AND d.optional = 0"
        # Without a source or optional filter: take the top k from FTS5 alone first (plus as many
        # as there are uncitable chunks, which the join then drops), and join only those rows.
        # (An explicit bm25() call sorts faster than the configured `rank` column.)
        narrow = source is None and include_optional
        inner = f"SELECT rowid, {BM25} AS bm FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm"
        inner += " LIMIT ?" if narrow else ""
        sql = f"""SELECT c.id AS chunk_id, s.name AS source, d.title, d.url, d.path, c.heading, c.start_line,
                         c.end_line, c.tokens, c.text, -f.bm AS score, d.optional
                  FROM ({inner}) f JOIN chunks c ON c.id = f.rowid
                  JOIN documents d ON d.id = c.document_id JOIN sources s ON s.id = d.source_id
                  WHERE 1 {filters} ORDER BY f.bm LIMIT ?"""
        if narrow:
            params.append(k + self.uncitable_chunks())
        params.append(k)
        hits = [Hit(**dict(r)) for r in self.conn.execute(sql, params)]
        for hit in hits:
            hit.score *= coverage(stems, f"{hit.heading}\n{hit.text}")
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:want]

    def uncitable_chunks(self) -> int:
        """How many chunks search never returns (those of llms.txt files)."""
        row = self.conn.execute(
            f"""SELECT COUNT(*) FROM chunks c JOIN documents d ON d.id = c.document_id
                JOIN sources s ON s.id = d.source_id WHERE {NOT_CITABLE}"""
        ).fetchone()
        return int(row[0])

    def hits(self, chunk_ids: list[int]) -> dict[int, Hit]:
        """Hits (score 0) for given citable chunk ids, for rankings computed outside FTS5."""
        marks = ",".join("?" * len(chunk_ids))
        rows = self.conn.execute(
            f"""SELECT c.id AS chunk_id, s.name AS source, d.title, d.url, d.path, c.heading, c.start_line,
                       c.end_line, c.tokens, c.text, 0.0 AS score, d.optional
                FROM chunks c JOIN documents d ON d.id = c.document_id JOIN sources s ON s.id = d.source_id
                WHERE c.id IN ({marks}) AND NOT {NOT_CITABLE}""",
            chunk_ids,
        )
        return {r["chunk_id"]: Hit(**dict(r)) for r in rows}

    # -- embeddings ------------------------------------------------------------------------

    def chunks_without_embedding(self, model: str) -> list[tuple[int, str, str]]:
        rows = self.conn.execute(
            """SELECT c.id, c.heading, c.text FROM chunks c
               LEFT JOIN embeddings e ON e.chunk_id = c.id AND e.model = ?
               WHERE e.chunk_id IS NULL ORDER BY c.id""",
            (model,),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def store_embeddings(self, model: str, items: Iterable[tuple[int, list[float]]]) -> None:
        with self.conn:
            self.conn.executemany(
                "INSERT OR REPLACE INTO embeddings (chunk_id, model, dim, vector) VALUES (?, ?, ?, ?)",
                [(cid, model, len(vec), array("f", vec).tobytes()) for cid, vec in items],
            )

    def iter_embeddings(self, model: str) -> Iterator[tuple[int, bytes]]:
        for row in self.conn.execute("SELECT chunk_id, vector FROM embeddings WHERE model = ?", (model,)):
            yield row[0], row[1]
