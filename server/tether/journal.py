"""The proposal journal's files: the index of journals, crash leftovers, corrupt journals, the archive.

Layout of the journal folder (``<data_dir>/proposals``, docs/cli.md "The proposal journal"):

- ``<id>.json``: one proposal, written atomically (``workspace.write_atomic``: a temporary file
  in the same folder, fsync, ``os.replace``), so a reader sees the old journal or the new one,
  never half of one.
- ``index.json``: ``JournalIndex``, a summary of every journal (status, level, instruction,
  files, hunk counts) with the ``(mtime_ns, inode, size)`` stamp it was made from. A cache: a
  journal whose stamp differs (another process wrote it) is read again, a missing or unreadable
  index is rebuilt from the journals.
- ``.<id>.json.*.tether-tmp``: the temporary file of a write that was killed before its
  ``os.replace``; the journal it was replacing is intact. Removed once older than
  ``TMP_GRACE_S`` (a younger one may be another process's write in progress).
- ``<id>.json.corrupt`` (``.corrupt.1``...): a journal that could not be read back (truncated,
  not JSON, not a proposal), kept aside with a warning; never deleted or overwritten.
- ``archive/<id>.json.gz``: decided proposals moved out of the way (gzip of the journal's exact
  bytes, modification time kept), by the ``proposals.archive_after_days`` setting or
  ``tether proposals prune``.
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from .proposals import Proposal
from .slider import Level
from .workspace import write_atomic

log = logging.getLogger(__name__)

INDEX_NAME = "index.json"
ARCHIVE_DIR = "archive"
TMP_SUFFIX = ".tether-tmp"  # workspace.write_atomic's temporary files
CORRUPT_SUFFIX = ".corrupt"
TMP_GRACE_S = 300.0
DECIDED = ("done", "rejected", "empty")

Stamp = tuple[int, int, int]  # (st_mtime_ns, st_ino, st_size) of a journal file


class IndexEntry(BaseModel):
    """One journal summarized: what listing shows, and the stamp of the file it was read from."""

    id: str
    kind: str = "edit"
    status: str = Field(description="Proposal.status: pending, partial, done, rejected or empty.")
    level: Level
    created_at: str = Field(description="ISO 8601, UTC, as in the journal.")
    instruction: str
    files: list[str] = Field(default_factory=list, description="Workspace-relative paths, '/'-separated.")
    hunks: dict[str, int] = Field(default_factory=dict, description="Hunk status -> count.")
    changed_lines: int = 0
    writing: bool = Field(False, description="A WriteIntent was in flight when the journal was read.")
    stamp: Stamp

    @classmethod
    def of(cls, proposal: Proposal, stamp: Stamp) -> IndexEntry:
        return cls(
            id=proposal.id,
            kind=proposal.kind,
            status=proposal.status,
            level=proposal.level,
            created_at=proposal.created_at,
            instruction=proposal.instruction,
            files=[change.path for change in proposal.files],
            hunks=dict(Counter(str(hunk.status.value) for change in proposal.files for hunk in change.hunks)),
            changed_lines=proposal.changed_lines,
            writing=proposal.intent is not None,
            stamp=stamp,
        )

    @property
    def decided(self) -> bool:
        """Done, rejected or empty, with no write in flight: safe to archive or prune."""
        return self.status in DECIDED and not self.writing

    @property
    def age_s(self) -> float:
        """Seconds since the journal was last written (its last decision)."""
        return time.time() - self.stamp[0] / 1e9


class JournalIndex(BaseModel):
    """``index.json``: the entries by id, and when the last automatic archive pass ran."""

    version: int = 1
    archived_at: float = Field(0.0, description="Unix time (s) of the last automatic archive pass.")
    entries: dict[str, IndexEntry] = Field(default_factory=dict)


def read_index(folder: Path) -> JournalIndex:
    """The index of ``folder``; an empty one when it is missing, unreadable or of another version."""
    path = folder / INDEX_NAME
    try:
        index = JournalIndex.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return JournalIndex()
    except (OSError, ValueError) as exc:  # ValidationError is a ValueError; the index is only a cache
        log.info("rebuilding the proposal index %s: %s", path, exc)
        return JournalIndex()
    return index if index.version == JournalIndex().version else JournalIndex()


def write_index(folder: Path, index: JournalIndex) -> None:
    """Write ``index.json`` atomically; a failure is logged, not raised (the journals stay the truth).
    Nothing is written where no journal folder exists yet (a workspace tether never wrote to)."""
    if not folder.is_dir():
        return
    try:
        write_atomic(folder / INDEX_NAME, index.model_dump_json())
    except OSError as exc:
        log.warning("could not write the proposal index in %s: %s", folder, exc)


def is_journal(name: str) -> bool:
    return name.endswith(".json") and not name.startswith(".") and name != INDEX_NAME


def scan(folder: Path) -> dict[str, Stamp]:
    """Journal id -> stamp for every journal in ``folder`` (one directory listing, one stat each),
    removing temporary files of writes killed more than TMP_GRACE_S ago."""
    found: dict[str, Stamp] = {}
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return found
    for entry in entries:
        try:
            if is_journal(entry.name):
                found[entry.name[: -len(".json")]] = stamp_of(entry.stat())
            elif entry.name.endswith(TMP_SUFFIX):
                remove_stale_tmp(Path(entry.path))
        except FileNotFoundError:  # replaced or removed by another process meanwhile
            continue
    return found


def remove_stale_tmp(path: Path) -> None:
    if time.time() - path.stat().st_mtime < TMP_GRACE_S:
        return
    path.unlink(missing_ok=True)
    log.warning("removed %s, left by a write that was interrupted (the journal it was replacing is intact)", path)


def stamp_of(info: os.stat_result) -> Stamp:
    # Atomic writes replace the file, so the inode changes even within one mtime tick.
    return info.st_mtime_ns, info.st_ino, info.st_size


def read_journal(path: Path) -> tuple[Proposal, Stamp] | None:
    """The proposal in ``path`` and the stamp of the very file read; None when it is gone or cannot
    be read (logged). A journal that is not a readable proposal is kept aside (``keep_aside``)."""
    try:
        with open(path, "rb") as fh:
            stamp = stamp_of(os.fstat(fh.fileno()))
            data = fh.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("cannot read proposal journal %s: %s", path, exc)
        return None
    try:
        return Proposal.model_validate_json(data), stamp
    except ValidationError as exc:  # truncated, not JSON, or not a proposal
        kept = keep_aside(path)
        log.warning("proposal journal %s is unreadable (%s); kept aside as %s", path, _first_error(exc), kept or path)
        return None


def keep_aside(path: Path) -> Path | None:
    """Rename ``path`` to ``<name>.corrupt`` (``.corrupt.1``, ... if taken); the new path, or None
    when it could not be renamed (it is left where it is)."""
    for n in range(1000):
        target = path.with_name(path.name + CORRUPT_SUFFIX + (f".{n}" if n else ""))
        if target.exists():
            continue
        try:
            os.rename(path, target)
        except FileNotFoundError:  # another process kept it aside first
            return None
        except OSError as exc:
            log.warning("could not keep %s aside: %s", path, exc)
            return None
        return target
    return None


def archive_path(folder: Path, proposal_id: str) -> Path:
    return folder / ARCHIVE_DIR / f"{proposal_id}.json.gz"


def archive_journal(folder: Path, entry: IndexEntry) -> bool:
    """Move ``<id>.json`` into ``archive/<id>.json.gz`` (gzip of its bytes, mtime kept). False, and
    nothing moved, when the journal changed since ``entry`` was made or is gone."""
    path = folder / f"{entry.id}.json"
    try:
        with open(path, "rb") as fh:
            info = os.fstat(fh.fileno())
            data = fh.read()
    except FileNotFoundError:
        return False
    if stamp_of(info) != entry.stamp:
        return False
    target = archive_path(folder, entry.id)
    write_bytes_atomic(target, gzip.compress(data, mtime=0))
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    # Unlink only what was archived: a journal rewritten meanwhile stays (it is archived next time).
    with contextlib.suppress(FileNotFoundError):
        if stamp_of(path.stat()) == entry.stamp:
            path.unlink()
            fsync_dir(folder)
            return True
    return False


def read_archived(folder: Path, proposal_id: str) -> Proposal | None:
    """The archived proposal ``proposal_id`` (exact id), or None when there is none or it is unreadable."""
    path = archive_path(folder, proposal_id)
    try:
        return Proposal.model_validate_json(gzip.decompress(path.read_bytes()))
    except FileNotFoundError:
        return None
    except (OSError, EOFError, ValidationError) as exc:
        log.warning("cannot read archived proposal %s: %s", path, exc)
        return None


def archived_ids(folder: Path) -> dict[str, float]:
    """Archived proposal id -> Unix time (s) its journal was last written."""
    found: dict[str, float] = {}
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(folder / ARCHIVE_DIR):
            if entry.name.endswith(".json.gz") and not entry.name.startswith("."):
                with contextlib.suppress(FileNotFoundError):
                    found[entry.name[: -len(".json.gz")]] = entry.stat().st_mtime
            elif entry.name.endswith(TMP_SUFFIX):
                with contextlib.suppress(FileNotFoundError):
                    remove_stale_tmp(Path(entry.path))
    return found


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """``workspace.write_atomic`` for bytes: temporary file in the same folder, fsync, replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Make a rename or unlink in ``folder`` durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _first_error(exc: ValidationError) -> str:
    errors = exc.errors()
    return errors[0]["msg"] if errors else str(exc)
