"""ProposalStore: pending proposals journaled to disk, one JSON file each, so a restart loses nothing.

The folder is the source of truth: every call rescans it (one listing, one stat per journal) and
reads only the journals whose stamp changed, so a proposal made by the CLI shows up in a running
language server and the other way round. An index (``journal.py``: ``index.json``) summarizes
every journal, so listing reads none; decided proposals move into ``archive/`` after
``proposals.archive_after_days``; a journal that cannot be read back is kept aside, never
deleted (docs/cli.md, "The proposal journal").

Writes to workspace files are crash-consistent: the proposal's journal records a WriteIntent
(files, hunks, text hashes before and after) before the write and drops it after. A journal read
back with an intent whose writer is gone is reconciled against the files (``reconcile``): a file
at the new text gets its hunks marked, a file still at the old text keeps them as they were, and
a file at neither is left alone with a warning on the proposal.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

from . import journal
from .errors import ProposalError, TetherError
from .journal import IndexEntry, JournalIndex, Stamp
from .proposals import Proposal, WriteIntent
from .workspace import ensure_data_dir, write_atomic

log = logging.getLogger(__name__)

# An accept writes a few files in milliseconds; an intent older than this is reconciled even when
# a process with its pid is alive (pids are reused) or it was written on another host.
INTENT_TIMEOUT_S = 60.0
ARCHIVE_EVERY_S = 3600.0  # automatic archiving runs at most this often, across processes (index.json)
DAY_S = 86400.0
PENDING = ("pending", "partial")


class ProposalStore:
    """Proposals journaled as ``<folder>/<id>.json``, with an index so listing reads no journal.

    ``read``: reads a workspace-relative, '/'-separated path and returns its text, raising
    TetherError or OSError when it cannot; with it, journals left mid-write by a killed process
    are reconciled as they load. Without it (None) they load as they are.
    ``archive_after_days``: decided proposals (done, rejected, empty; no write in flight) whose
    journal was last written longer ago are moved into ``archive/`` when the store refreshes, at
    most once an hour across processes; 0 never (the ``proposals.archive_after_days`` setting).

    Every call first refreshes the index from the folder (``journal.scan``: one listing, one stat
    per journal) and reads only journals whose stamp changed, so journals written by another
    process (the CLI beside a running language server) show up at once.
    """

    def __init__(self, folder: Path, read: Callable[[str], str] | None = None, archive_after_days: float = 0):
        self.folder = Path(folder)
        self.read = read
        self.archive_after_days = archive_after_days
        self._index: JournalIndex | None = None
        self._cache: dict[str, tuple[Stamp, Proposal]] = {}  # id -> the journal read, with its stamp

    def _refresh(self) -> dict[str, IndexEntry]:
        """The index, up to date with the folder; written back when it changed."""
        if self._index is None:
            self._index = journal.read_index(self.folder)
        entries = self._index.entries
        on_disk = journal.scan(self.folder)
        changed = False
        for gone in set(entries) - set(on_disk):
            entries.pop(gone)
            self._cache.pop(gone, None)
            changed = True
        for proposal_id, stamp in on_disk.items():
            entry = entries.get(proposal_id)
            if entry is not None and entry.stamp == stamp and not entry.writing:
                continue
            # New, rewritten by someone else, or holding a write intent that may need settling.
            proposal = self._read(proposal_id)
            if proposal is None:
                changed |= entries.pop(proposal_id, None) is not None
                continue
            new_entry = IndexEntry.of(proposal, self._cache[proposal_id][0])
            changed |= new_entry != entry
            entries[proposal_id] = new_entry
        if changed:
            journal.write_index(self.folder, self._index)
        self._archive_when_due()
        return entries

    def _read(self, proposal_id: str) -> Proposal | None:
        """Read (and settle) one journal into the cache; None when it is gone or unreadable."""
        found = journal.read_journal(self.folder / f"{proposal_id}.json")
        if found is None:
            self._cache.pop(proposal_id, None)
            return None
        proposal, stamp = found
        settled = self._settle(proposal)
        if settled is not proposal:  # journaled again (on a read-only folder: settled in memory only)
            with contextlib.suppress(OSError):
                stamp = journal.stamp_of((self.folder / f"{proposal_id}.json").stat())
        self._cache[proposal_id] = (stamp, settled)
        return settled

    def _settle(self, proposal: Proposal) -> Proposal:
        """The proposal with an interrupted write reconciled (and journaled), when its writer is gone."""
        if proposal.intent is None or self.read is None or writer_may_be_running(proposal.intent):
            return proposal
        try:
            settled = reconcile(proposal.model_copy(deep=True), self.read)
        except TetherError as exc:  # an intent naming hunks the journal lacks: hand-edited
            log.warning("proposal %s: could not settle its interrupted write: %s", proposal.id, exc)
            return proposal
        try:
            self._write(settled)
        except OSError as exc:  # a read-only data folder: settled in memory, settled again next start
            log.warning("proposal %s: could not journal its settled write: %s", proposal.id, exc)
        return settled

    def save(self, proposal: Proposal) -> Proposal:
        """Journal ``proposal`` (atomically; an older journal of it survives a crash mid-write) and index it."""
        entries = self._refresh()
        entries[proposal.id] = IndexEntry.of(proposal, self._write(proposal))
        assert self._index is not None
        journal.write_index(self.folder, self._index)
        archived = journal.archive_path(self.folder, proposal.id)
        if archived.exists():  # saved again after archiving (an undo): the live journal is the one
            archived.unlink(missing_ok=True)
        return proposal

    def _write(self, proposal: Proposal) -> Stamp:
        ensure_data_dir(self.folder.parent)
        path = self.folder / f"{proposal.id}.json"
        write_atomic(path, proposal.model_dump_json(indent=1))
        journal.fsync_dir(self.folder)
        stamp = journal.stamp_of(path.stat())
        self._cache[proposal.id] = (stamp, proposal)
        return stamp

    def get(self, proposal_id: str) -> Proposal:
        """The proposal whose id is or starts with ``proposal_id``: one journal read at most, from
        ``archive/`` when it was archived. Raises ProposalError when none or several match."""
        entries = self._refresh()
        full_id = self._resolve(proposal_id, entries)
        if full_id in entries:
            cached = self._cache.get(full_id)
            if cached is not None and cached[0] == entries[full_id].stamp:
                return cached[1]
            proposal = self._read(full_id)
            if proposal is not None:
                return proposal
        archived = journal.read_archived(self.folder, full_id)
        if archived is None:
            raise ProposalError(f"Proposal {full_id} can no longer be read (see the log).")
        return archived

    def _resolve(self, proposal_id: str, entries: dict[str, IndexEntry]) -> str:
        if proposal_id in entries:
            return proposal_id
        matches = [key for key in entries if key.startswith(proposal_id)] if proposal_id else []
        if not matches and proposal_id:
            archived = journal.archived_ids(self.folder)
            matches = [key for key in archived if key.startswith(proposal_id)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ProposalError(f"No proposal {proposal_id!r}. `tether proposals list` shows the pending ones.")
        raise ProposalError(f"{proposal_id!r} matches {len(matches)} proposals; give more of the id.")

    def summaries(self, pending_only: bool = False) -> list[IndexEntry]:
        """Every journaled proposal summarized from the index (no journal read unless it changed),
        oldest first; ``pending_only``: those with a pending hunk (status pending or partial)."""
        entries = self._refresh().values()
        return sorted((e for e in entries if not pending_only or e.status in PENDING), key=lambda e: e.created_at)

    def all(self) -> list[Proposal]:
        """Every live (not archived) proposal, oldest first; reads the journals not read before."""
        return self._load_each(self.summaries())

    def pending(self) -> list[Proposal]:
        """Proposals with a pending hunk, oldest first; reads only their journals (once per change)."""
        return self._load_each(self.summaries(pending_only=True))

    def _load_each(self, entries: list[IndexEntry]) -> list[Proposal]:
        loaded = []
        for entry in entries:
            cached = self._cache.get(entry.id)
            proposal = cached[1] if cached is not None and cached[0] == entry.stamp else self._read(entry.id)
            if proposal is not None:
                loaded.append(proposal)
        return loaded

    def remove(self, proposal_id: str) -> None:
        proposal = self.get(proposal_id)
        self._cache.pop(proposal.id, None)
        (self.folder / f"{proposal.id}.json").unlink(missing_ok=True)
        self._refresh()

    def decided(self, older_than_days: float | None = None) -> list[IndexEntry]:
        """Decided proposals (done, rejected, empty; no write in flight) whose journal was last
        written more than ``older_than_days`` days ago (None: all of them), oldest first."""
        cutoff = None if older_than_days is None else older_than_days * DAY_S
        return [e for e in self.summaries() if e.decided and (cutoff is None or e.age_s > cutoff)]

    def archive(self, entries: list[IndexEntry]) -> list[IndexEntry]:
        """Move these decided proposals into ``archive/`` (``journal.archive_journal``); the ones
        moved. A proposal written since its entry was made, or not decided, stays."""
        moved = []
        for entry in entries:
            if entry.decided and journal.archive_journal(self.folder, entry):
                self._cache.pop(entry.id, None)
                moved.append(entry)
        if moved:
            self._refresh()
        return moved

    def delete(self, entries: list[IndexEntry]) -> list[IndexEntry]:
        """Delete these decided proposals' journals for good (and any archived copy); the ones deleted."""
        deleted = []
        for entry in entries:
            path = self.folder / f"{entry.id}.json"
            try:
                if not entry.decided or journal.stamp_of(path.stat()) != entry.stamp:
                    continue
            except FileNotFoundError:
                pass
            path.unlink(missing_ok=True)
            journal.archive_path(self.folder, entry.id).unlink(missing_ok=True)
            self._cache.pop(entry.id, None)
            deleted.append(entry)
        if deleted:
            journal.fsync_dir(self.folder)
            self._refresh()
        return deleted

    def archived(self, older_than_days: float | None = None) -> list[str]:
        """Ids of archived proposals whose journal was last written more than ``older_than_days`` ago."""
        cutoff = None if older_than_days is None else time.time() - older_than_days * DAY_S
        return sorted(pid for pid, mtime in journal.archived_ids(self.folder).items() if cutoff is None or mtime < cutoff)

    def delete_archived(self, proposal_ids: list[str]) -> None:
        for proposal_id in proposal_ids:
            journal.archive_path(self.folder, proposal_id).unlink(missing_ok=True)

    def _archive_when_due(self) -> None:
        index = self._index
        if index is None or not index.entries or self.archive_after_days <= 0 or time.time() - index.archived_at < ARCHIVE_EVERY_S:
            return
        index.archived_at = time.time()  # before archiving: archive() refreshes, which calls back here
        due = [e for e in index.entries.values() if e.decided and e.age_s > self.archive_after_days * DAY_S]
        moved = self.archive(due)
        if moved:
            log.info("archived %d decided proposals older than %g days", len(moved), self.archive_after_days)
        journal.write_index(self.folder, index)


def writer_may_be_running(intent: WriteIntent) -> bool:
    """Whether the process that journaled ``intent`` may still be writing (then leave it alone)."""
    if intent.mine():
        return True
    if time.time() - intent.started_at > INTENT_TIMEOUT_S:
        return False
    if intent.host != socket.gethostname() or os.name == "nt":  # on Windows os.kill(pid, 0) would end it
        return True
    try:
        os.kill(intent.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def reconcile(proposal: Proposal, read: Callable[[str], str]) -> Proposal:
    """Settle an interrupted write from the files themselves; clears ``proposal.intent``.

    Per file of the intent (``FileIntent.outcome``): text hash equal to ``new_hash`` → its hunks take the intent's status
    (the write happened); equal to ``old_hash`` → nothing changes (it never happened); anything
    else, or unreadable → nothing changes and a warning saying so is added to the proposal (the
    file is never written here). Returns ``proposal``, changed in place.
    """
    intent = proposal.intent
    if intent is None:
        return proposal
    for item in intent.files:
        outcome = item.outcome(read)  # file operations (create, delete, rename) look at both paths
        if outcome == "new":
            change = proposal.file(item.path)
            for hunk_id in item.hunk_ids:
                change.hunk(hunk_id).status = item.status
            log.warning("proposal %s: interrupted %s of %s completed (the file holds the new text)", proposal.id, intent.action, item.path)
        elif outcome == "old":
            log.warning("proposal %s: interrupted %s of %s rolled back (the file was not written)", proposal.id, intent.action, item.path)
        else:
            proposal.warnings.append(
                f"An {intent.action} of {item.path} was interrupted and the file now holds neither its text "
                f"before nor after; tether left it as it is. Check {item.path}, then reject this proposal "
                "and ask again on the current text."
            )
            log.warning("proposal %s: interrupted %s of %s left a file tether does not recognise", proposal.id, intent.action, item.path)
    proposal.intent = None
    return proposal
