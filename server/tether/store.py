"""ProposalStore: pending proposals journaled to disk, one JSON file each, so a restart loses nothing.

The folder is the source of truth: every read rescans it (cheaply, by modification time), so a
proposal made by the CLI shows up in a running language server and the other way round.

Writes to workspace files are crash-consistent: the proposal's journal records a WriteIntent
(files, hunks, text hashes before and after) before the write and drops it after. A journal read
back with an intent whose writer is gone is reconciled against the files (``reconcile``): a file
at the new text gets its hunks marked, a file still at the old text keeps them as they were, and
a file at neither is left alone with a warning on the proposal.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from .errors import ProposalError, TetherError
from .proposals import Proposal, WriteIntent
from .workspace import ensure_data_dir, write_atomic

log = logging.getLogger(__name__)

# An accept writes a few files in milliseconds; an intent older than this is reconciled even when
# a process with its pid is alive (pids are reused) or it was written on another host.
INTENT_TIMEOUT_S = 60.0


class ProposalStore:
    """Proposals journaled as ``<folder>/<id>.json``.

    ``read``: reads a workspace-relative, '/'-separated path and returns its text, raising
    TetherError or OSError when it cannot; with it, journals left mid-write by a killed process
    are reconciled as they load. Without it (None) they load as they are.
    """

    def __init__(self, folder: Path, read: Callable[[str], str] | None = None):
        self.folder = Path(folder)
        self.read = read
        self._cache: dict[str, Proposal] = {}
        self._stamps: dict[str, tuple[int, int, int]] = {}  # file name -> (mtime, inode, size) when read

    def _load(self) -> None:
        paths = {p.name: p for p in self.folder.glob("*.json")} if self.folder.is_dir() else {}
        for name in set(self._stamps) - set(paths):
            self._stamps.pop(name)
            self._cache.pop(name[: -len(".json")], None)
        for name, path in paths.items():
            try:
                stamp = _stamp(path)
                if self._stamps.get(name) == stamp:
                    continue
                proposal = Proposal.model_validate_json(path.read_text(encoding="utf-8"))
            except (ValidationError, OSError, UnicodeDecodeError) as exc:
                log.warning("skipping unreadable proposal journal %s: %s", path, exc)
                continue
            self._stamps[name] = stamp
            self._cache[proposal.id] = self._settle(proposal)

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
        self._load()
        self._cache[proposal.id] = proposal
        self._write(proposal)
        return proposal

    def _write(self, proposal: Proposal) -> None:
        ensure_data_dir(self.folder.parent)
        path = self.folder / f"{proposal.id}.json"
        write_atomic(path, proposal.model_dump_json(indent=1))
        self._stamps[path.name] = _stamp(path)

    def get(self, proposal_id: str) -> Proposal:
        self._load()
        if proposal_id in self._cache:
            return self._cache[proposal_id]
        matches = [p for key, p in self._cache.items() if key.startswith(proposal_id)] if proposal_id else []
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ProposalError(f"No proposal {proposal_id!r}. `tether proposals list` shows the pending ones.")
        raise ProposalError(f"{proposal_id!r} matches {len(matches)} proposals; give more of the id.")

    def all(self) -> list[Proposal]:
        self._load()
        return sorted(self._cache.values(), key=lambda p: p.created_at)

    def pending(self) -> list[Proposal]:
        return [p for p in self.all() if p.status in ("pending", "partial")]

    def latest(self) -> Proposal | None:
        items = self.all()
        return items[-1] if items else None

    def remove(self, proposal_id: str) -> None:
        proposal = self.get(proposal_id)
        self._cache.pop(proposal.id, None)
        self._stamps.pop(f"{proposal.id}.json", None)
        (self.folder / f"{proposal.id}.json").unlink(missing_ok=True)


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


def _stamp(path: Path) -> tuple[int, int, int]:
    # Atomic writes replace the file, so the inode changes even within one mtime tick.
    info = path.stat()
    return info.st_mtime_ns, info.st_ino, info.st_size
