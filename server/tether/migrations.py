"""Named, append-only SQLite migrations: the one runner for every tether database.

A database records the migrations it has had in a ``migrations`` table (``name`` primary key,
``applied_at`` as ISO 8601 UTC, seconds). ``migrate`` applies the ones it lacks, in list order,
each with its record inside one transaction, so a failed migration leaves neither its changes nor
its record. Never edit or reorder a migration that has shipped; add a new one at the end. Used
by the docs index (``docs/schema.py``) and the repo map cache (``context/repomap.py``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

# (name, SQL script): the name is recorded; the script may hold several statements.
Migration = tuple[str, str]


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration]) -> list[str]:
    """Apply the ``migrations`` this database lacks, in order; returns the names applied.

    Raises ``sqlite3.Error`` from a failing script, after rolling that migration back (the
    ones before it stay applied). ``conn`` must use the default (legacy) transaction control.
    """
    conn.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    columns = {row[1] for row in conn.execute("PRAGMA table_info(migrations)")}
    if "applied_at" not in columns:  # repo map caches written before this runner recorded names only
        conn.execute("ALTER TABLE migrations ADD COLUMN applied_at TEXT")
    conn.commit()
    done = {row[0] for row in conn.execute("SELECT name FROM migrations")}
    applied = []
    for name, sql in migrations:
        if name in done:
            continue
        try:
            # executescript commits what is pending first and runs the script as written: the
            # BEGIN opens the transaction that the record joins and commit() closes.
            conn.executescript(f"BEGIN;\n{sql}")
            conn.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, now()))
            conn.commit()
        except sqlite3.Error:
            if conn.in_transaction:
                conn.rollback()
            raise
        applied.append(name)
    return applied


def now() -> str:
    """The current time as ISO 8601 UTC, to the second ("2026-12-01T05:53:53+00:00")."""
    return datetime.now(UTC).isoformat(timespec="seconds")
