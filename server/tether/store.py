"""ProposalStore: pending proposals journaled to disk, one JSON file each, so a restart loses nothing."""

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
        self._loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("*.json")):
            try:
                proposal = Proposal.model_validate_json(path.read_text(encoding="utf-8"))
            except (ValidationError, OSError, UnicodeDecodeError) as exc:
                log.warning("skipping unreadable proposal journal %s: %s", path, exc)
                continue
            self._cache[proposal.id] = proposal

    def save(self, proposal: Proposal) -> Proposal:
        self._load()
        self._cache[proposal.id] = proposal
        ensure_data_dir(self.folder.parent)
        write_atomic(self.folder / f"{proposal.id}.json", proposal.model_dump_json(indent=1))
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
        (self.folder / f"{proposal.id}.json").unlink(missing_ok=True)
