"""The one SQLite migration runner (tether.migrations), on real SQLite files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tether.context.repomap import MIGRATIONS as REPOMAP_MIGRATIONS
from tether.context.repomap import RepoMap
from tether.migrations import migrate

STEPS = [
    ("0001_a", "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);"),
    ("0002_b", "CREATE TABLE b (y TEXT);"),
]


def test_applies_what_is_missing_in_order_and_records_it(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "db.sqlite")
    assert migrate(conn, STEPS[:1]) == ["0001_a"]
    assert migrate(conn, STEPS) == ["0002_b"]
    assert migrate(conn, STEPS) == []
    rows = conn.execute("SELECT name, applied_at FROM migrations ORDER BY name").fetchall()
    assert [name for name, _ in rows] == ["0001_a", "0002_b"]
    assert all(at.endswith("+00:00") for _, at in rows)
    assert conn.execute("SELECT x FROM a").fetchall() == [(1,)]


def test_a_failing_migration_leaves_neither_its_changes_nor_its_record(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    conn = sqlite3.connect(path)
    broken = [*STEPS, ("0003_broken", "CREATE TABLE c (z INTEGER); INSERT INTO nowhere VALUES (1);")]
    with pytest.raises(sqlite3.OperationalError, match="nowhere"):
        migrate(conn, broken)
    conn.close()
    again = sqlite3.connect(path)
    tables = {row[0] for row in again.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"a", "b"} <= tables and "c" not in tables
    assert [row[0] for row in again.execute("SELECT name FROM migrations ORDER BY name")] == ["0001_a", "0002_b"]


def test_a_repo_map_cache_from_before_the_shared_runner_opens(tmp_path: Path) -> None:
    # The repo map's own runner kept names only (no applied_at); such a cache keeps working.
    cache = tmp_path / "repomap.sqlite"
    old = sqlite3.connect(cache)
    old.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY)")
    for name, sql in REPOMAP_MIGRATIONS:
        old.executescript(sql)
        old.execute("INSERT INTO migrations (name) VALUES (?)", (name,))
    old.commit()
    old.close()
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "a.py").write_text("def f():\n    return 1\n")
    repo_map = RepoMap(tmp_path / "ws", db_path=cache)
    repo_map.refresh()
    repo_map.close()
    check = sqlite3.connect(cache)
    assert [row[0] for row in check.execute("SELECT path FROM files")] == ["a.py"]
    assert check.execute("SELECT name, applied_at FROM migrations").fetchall() == [("0001_files", None)]
