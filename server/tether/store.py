"""ProposalStore: pending proposals journaled to disk, one JSON file each, so a restart loses nothing.

The folder is the source of truth: every read rescans it (cheaply, by modification time), so a
proposal made by the CLI shows up in a running language server and the other way round.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import ValidationError

from .errors import ProposalError
from .proposals import Proposal
from .workspace import ensure_data_dir, write_atomic

log = logging.getLogger(__name__)


class ProposalStore:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
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
            self._cache[proposal.id] = proposal

    def save(self, proposal: Proposal) -> Proposal:
        self._load()
        self._cache[proposal.id] = proposal
        ensure_data_dir(self.folder.parent)
        path = self.folder / f"{proposal.id}.json"
        write_atomic(path, proposal.model_dump_json(indent=1))
        self._stamps[path.name] = _stamp(path)
        return proposal

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


def _stamp(path: Path) -> tuple[int, int, int]:
    # Atomic writes replace the file, so the inode changes even within one mtime tick.
    info = path.stat()
    return info.st_mtime_ns, info.st_ino, info.st_size
