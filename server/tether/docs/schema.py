"""The docs index schema: named, append-only migrations, run by ``tether.migrations``.

Never edit or reorder a migration that has shipped; add a new one at the end.
"""

from __future__ import annotations

import sqlite3

from .. import migrations
from ..migrations import Migration, now

__all__ = ["MIGRATIONS", "migrate", "now"]

MIGRATIONS: list[Migration] = [
    (
        "0001_sources_documents_chunks",
        """
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            location TEXT NOT NULL,
            kind TEXT NOT NULL,
            title TEXT,
            added_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            url TEXT,
            path TEXT,
            title TEXT,
            section TEXT,
            optional INTEGER NOT NULL DEFAULT 0,
            sha256 TEXT NOT NULL,
            etag TEXT,
            last_modified TEXT,
            bytes INTEGER NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (source_id, key)
        );
        CREATE TABLE chunks (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            heading TEXT NOT NULL,
            start_line INTEGER NOT NULL,
            end_line INTEGER NOT NULL,
            tokens INTEGER NOT NULL,
            text TEXT NOT NULL
        );
        CREATE INDEX chunks_by_document ON chunks (document_id);
        CREATE VIRTUAL TABLE chunks_fts USING fts5(
            heading, text, content='chunks', content_rowid='id',
            tokenize='porter unicode61 remove_diacritics 2'
        );
        INSERT INTO chunks_fts (chunks_fts, rank) VALUES ('rank', 'bm25(3.0, 1.0)');
        CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN
            INSERT INTO chunks_fts (rowid, heading, text) VALUES (new.id, new.heading, new.text);
        END;
        CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN
            INSERT INTO chunks_fts (chunks_fts, rowid, heading, text) VALUES ('delete', old.id, old.heading, old.text);
        END;
        CREATE TRIGGER chunks_au AFTER UPDATE ON chunks BEGIN
            INSERT INTO chunks_fts (chunks_fts, rowid, heading, text) VALUES ('delete', old.id, old.heading, old.text);
            INSERT INTO chunks_fts (rowid, heading, text) VALUES (new.id, new.heading, new.text);
        END;
        """,
    ),
    (
        "0002_embeddings",
        """
        CREATE TABLE embeddings (
            chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL
        );
        CREATE INDEX embeddings_by_model ON embeddings (model);
        """,
    ),
    (
        "0003_term_stats",
        # Document frequency per indexed term, refreshed after each ingest: the query planner
        # reads it to leave very common terms out of a query (see query.py).
        """
        CREATE VIRTUAL TABLE chunks_vocab USING fts5vocab(chunks_fts, row);
        CREATE TABLE term_stats (term TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE index_stats (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO term_stats SELECT term, doc FROM chunks_vocab;
        INSERT INTO index_stats VALUES ('chunks', (SELECT COUNT(*) FROM chunks));
        """,
    ),
]


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply the docs index migrations this database lacks; returns the names applied."""
    return migrations.migrate(conn, MIGRATIONS)
