"""The repo map index: definitions and references of every source file, cached in SQLite.

A file's tags are keyed by path + size + mtime; when those differ, or the mtime is too recent
to trust (a write within the same clock tick as the last scan), the content hash decides
whether it is parsed again. A refresh stats every eligible file and re-parses only the changed
ones, in worker processes when there are many (tree-sitter holds the GIL; see indexworker.py). Ranking and
rendering live in ``ranking.py``; the context provider in ``code_providers.py``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..code.syntax import lang_of
from ..code.tags import Definition, FileTags
from ..migrations import Migration, migrate
from ..workspace import ensure_data_dir
from .files import list_files
from .indexworker import index_file, run_batches

# Bump when tag extraction changes: cached tags from an older version are dropped.
TAGS_VERSION = "3"  # 3: rows are tether lines (a lone \r ends a row)
PARALLEL_MIN_FILES = 64
# A file modified within this long of the scan that recorded it may change again without its
# mtime moving (coarse file system clocks): it is checked by content hash next time.
RACY_NS = 2_000_000_000

MIGRATIONS: list[Migration] = [
    (
        "0001_files",
        """
        CREATE TABLE files (
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            checked_ns INTEGER NOT NULL,
            hash TEXT NOT NULL,
            lang TEXT NOT NULL,
            tags TEXT NOT NULL
        );
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    ),
]


@dataclass
class Entry:
    size: int
    mtime_ns: int
    checked_ns: int
    hash: str
    lang: str
    tags: FileTags


@dataclass
class RefreshStats:
    files: int = 0
    checked: int = 0  # read and hashed again
    parsed: int = 0
    removed: int = 0
    seconds: float = 0.0
    workers: int = 1

    def changed(self) -> bool:
        return bool(self.parsed or self.removed)


@dataclass
class RepoMap:
    """Index of one workspace. Thread-safe; ``refresh`` before reading ``entries``."""

    root: Path
    db_path: Path | None = None
    max_workers: int | None = None
    entries: dict[str, Entry] = field(default_factory=dict)
    generation: int = 0  # bumps whenever any file's tags change
    _db: sqlite3.Connection | None = field(default=None, repr=False)
    _loaded: bool = field(default=False, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()

    # ---- cache -----------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection | None:
        if self.db_path is None:
            return None
        if self._db is None:
            ensure_data_dir(self.db_path.parent)
            db = sqlite3.connect(self.db_path, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            migrate(db, MIGRATIONS)
            row = db.execute("SELECT value FROM meta WHERE key = 'tags_version'").fetchone()
            if row is None or row[0] != TAGS_VERSION:
                db.execute("DELETE FROM files")
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('tags_version', ?)", (TAGS_VERSION,))
            db.commit()
            self._db = db
        return self._db

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        db = self._connect()
        if db is None:
            return
        for path, size, mtime_ns, checked_ns, digest, lang, tags in db.execute(
            "SELECT path, size, mtime_ns, checked_ns, hash, lang, tags FROM files"
        ):
            self.entries[path] = Entry(size, mtime_ns, checked_ns, digest, lang, _decode_tags(tags))
        self.generation += 1

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # ---- refresh ---------------------------------------------------------------------------

    def source_files(self) -> list[str]:
        """Eligible files (git, ignore rules, secrets) that have a tree-sitter grammar."""
        return [p for p in list_files(self.root).files if lang_of(p) is not None]

    def refresh(self, paths: list[str] | None = None) -> RefreshStats:
        """Bring the index up to date with the disk.

        ``paths=None`` rescans the whole workspace (new, changed and deleted files). Given
        paths (relative, posix) only those are checked: the cheap path after an editor save.
        """
        started = time.perf_counter()
        with self._lock:
            self._load()
            full = paths is None
            wanted = self.source_files() if paths is None else [p for p in paths if lang_of(p) is not None]
            stats = RefreshStats(files=len(wanted) if full else len(self.entries))
            now = time.time_ns()
            todo = self._changed(wanted, stats)
            wanted_set = set(wanted)
            removed = [p for p in self.entries if p not in wanted_set] if full else []
            results = self._parse(todo, stats)
            self._apply(results, removed, now, stats)
        stats.seconds = time.perf_counter() - started
        return stats

    def _changed(self, wanted: list[str], stats: RefreshStats) -> list[tuple[str, str, str]]:
        """Files to read again: (path, lang, known hash); the hash decides whether they are parsed."""
        todo: list[tuple[str, str, str]] = []
        gone: list[str] = []
        for rel in wanted:
            try:
                st = os.stat(self.root / rel)
            except OSError:
                gone.append(rel)
                continue
            entry = self.entries.get(rel)
            if entry is None:
                todo.append((rel, lang_of(rel) or "", ""))
                continue
            same_stat = entry.size == st.st_size and entry.mtime_ns == st.st_mtime_ns
            racy = entry.mtime_ns + RACY_NS > entry.checked_ns
            if not same_stat or racy:
                todo.append((rel, entry.lang, entry.hash))
        for rel in gone:
            if rel in self.entries:
                todo.append((rel, "", "gone"))
        stats.checked = len(todo)
        return todo

    def _parse(self, todo: list[tuple[str, str, str]], stats: RefreshStats) -> list[tuple]:
        workers = self.max_workers or min(8, os.cpu_count() or 1)
        if len(todo) < PARALLEL_MIN_FILES or workers <= 1:
            return [index_file(str(self.root), item) for item in todo]
        stats.workers = workers
        sizes = [_size(self.root / rel) for rel, _, _ in todo]
        return run_batches(str(self.root), todo, sizes, workers)

    def _apply(self, results: list[tuple], removed: list[str], now: int, stats: RefreshStats) -> None:
        db = self._connect()
        rows, deleted = [], list(removed)
        for rel, lang, size, mtime_ns, digest, tags in results:
            if size < 0:
                deleted.append(rel)
                continue
            old = self.entries.get(rel)
            if tags is None and old is not None:  # same content: only the stat moved
                old.size, old.mtime_ns, old.checked_ns = size, mtime_ns, now
                rows.append((rel, old))
                continue
            entry = Entry(size, mtime_ns, now, digest, lang, tags or FileTags([], {}))
            self.entries[rel] = entry
            rows.append((rel, entry))
            stats.parsed += 1
        for rel in deleted:
            if self.entries.pop(rel, None) is not None:
                stats.removed += 1
        if stats.changed():
            self.generation += 1
        if db is not None and (rows or deleted):
            with db:
                db.executemany(
                    "INSERT OR REPLACE INTO files (path, size, mtime_ns, checked_ns, hash, lang, tags) VALUES (?,?,?,?,?,?,?)",
                    [(r, e.size, e.mtime_ns, e.checked_ns, e.hash, e.lang, _encode_tags(e.tags)) for r, e in rows],
                )
                db.executemany("DELETE FROM files WHERE path = ?", [(r,) for r in deleted])

    def definitions(self, path: str) -> list[Definition]:
        entry = self.entries.get(path)
        return entry.tags.defs if entry else []


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _encode_tags(tags: FileTags) -> str:
    return json.dumps({"d": [list(d) for d in tags.defs], "r": tags.refs}, separators=(",", ":"))


def _decode_tags(raw: str) -> FileTags:
    data = json.loads(raw)
    return FileTags([Definition(*d) for d in data["d"]], data["r"])
