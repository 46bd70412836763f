"""Accept or reject proposals hunk by hunk.

``plan_accept`` works on any text source (the disk for the CLI, an editor buffer for the
language server): it checks every file still holds the text the proposal expects and computes
the new text, before anything is written. ``accept_on_disk`` then writes atomically.
"""

from __future__ import annotations

from typing import Callable

from pydantic import BaseModel

from ..engine import Engine
from ..errors import ProposalError
from ..proposals import FileChange, HunkStatus, Proposal


class FilePlan(BaseModel):
    path: str
    hunk_ids: list[str]
    old_text: str
    new_text: str


def chosen_ids(change: FileChange, hunk_ids: list[str] | None) -> list[str]:
    """The pending hunks of ``change`` named in ``hunk_ids`` (all pending ones when None)."""
    pending = change.ids(HunkStatus.PENDING)
    if hunk_ids is None:
        return pending
    own = {h.id for h in change.hunks}
    return [i for i in hunk_ids if i in own and i in pending]


def plan_accept(proposal: Proposal, hunk_ids: list[str] | None, read: Callable[[str], str]) -> list[FilePlan]:
    """New text per file; StaleError if any file changed since the proposal, nothing written."""
    _check_known(proposal, hunk_ids)
    plans = []
    for change in proposal.files:
        ids = chosen_ids(change, hunk_ids)
        if not ids:
            continue
        current = read(change.path)
        plans.append(FilePlan(path=change.path, hunk_ids=ids, old_text=current, new_text=change.plan_accept(ids, current)))
    if not plans:
        raise ProposalError(f"Proposal {proposal.id} has no pending hunk to accept among those named.")
    return plans


def mark(engine: Engine, proposal: Proposal, hunk_ids: list[str] | None, status: HunkStatus) -> Proposal:
    _check_known(proposal, hunk_ids)
    for change in proposal.files:
        for hunk_id in chosen_ids(change, hunk_ids):
            change.hunk(hunk_id).status = status
    return engine.store.save(proposal)


def accept_on_disk(engine: Engine, proposal_id: str, hunk_ids: list[str] | None = None) -> tuple[Proposal, list[FilePlan]]:
    proposal = engine.store.get(proposal_id)
    plans = plan_accept(proposal, hunk_ids, engine.workspace.read_text)
    for plan in plans:
        engine.workspace.write_text(plan.path, plan.new_text)
        for hunk_id in plan.hunk_ids:
            proposal.file(plan.path).hunk(hunk_id).status = HunkStatus.ACCEPTED
    engine.store.save(proposal)
    return proposal, plans


def reject(engine: Engine, proposal_id: str, hunk_ids: list[str] | None = None) -> Proposal:
    return mark(engine, engine.store.get(proposal_id), hunk_ids, HunkStatus.REJECTED)


def _check_known(proposal: Proposal, hunk_ids: list[str] | None) -> None:
    for hunk_id in hunk_ids or []:
        proposal.find_hunk(hunk_id)
