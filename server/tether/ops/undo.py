"""``tether undo``: revert the last applied proposal (or every applied proposal of the last repo run).

The journal keeps each proposal's base text and which hunks were accepted, so undoing means
writing the base text back (journaled like an accept, see ``review.write_plans``) — but only onto exactly the text tether left (base plus accepted
hunks): a file changed since is refused with StaleError and nothing is written. File operations
are undone by their inverse: a created file is deleted (while it still holds the created text),
a deleted file recreated, a renamed file renamed back. Undone hunks
return to pending, so the proposal can be reviewed (or accepted) again.
"""

from __future__ import annotations

import os

from ..engine import Engine
from ..errors import ProposalError, StaleError
from ..proposals import HunkStatus, Proposal
from ..workspace import content_hash
from .fileops import FilePlan, undo_file_op
from .repo import load_run
from .review import write_plans


def applied(proposal: Proposal) -> bool:
    return any(h.status == HunkStatus.ACCEPTED for f in proposal.files for h in f.hunks)


def undo_proposal(engine: Engine, proposal_id: str | None = None) -> Proposal:
    """Revert ``proposal_id``, or the newest proposal that has accepted hunks."""
    if proposal_id:
        proposal = engine.store.get(proposal_id)
        if not applied(proposal):
            raise ProposalError(f"Proposal {proposal.id} has no applied hunks; there is nothing to undo.")
    else:
        done = [p for p in engine.store.all() if applied(p)]
        if not done:
            raise ProposalError("No applied proposal to undo.")
        proposal = done[-1]
    return revert(engine, [proposal])[0]


def undo_run(engine: Engine, run_id: str | None = None) -> list[Proposal]:
    """Revert every applied proposal of a repo run (the newest run by default), newest first."""
    run = load_run(engine, run_id)
    proposals = [engine.store.get(pid) for pid in reversed(run.proposals)]
    proposals = [p for p in proposals if applied(p)]
    if not proposals:
        raise ProposalError(f"Run {run.id} has no applied proposals; there is nothing to undo.")
    return revert(engine, proposals)


def revert(engine: Engine, proposals: list[Proposal]) -> list[Proposal]:
    """Undo each accepted file change, newest proposal first; checks every file before writing any.

    A modified file gets its base text back; a created file is deleted, a deleted file recreated
    and a renamed file renamed back (``fileops.undo_file_op``). Raises StaleError when a file is
    no longer as tether left it (nothing is written then).
    """
    overlay: dict[str, str | None] = {}  # path -> its text once the proposals so far are reverted (None: absent)

    def current(rel: str) -> str | None:
        if rel in overlay:
            return overlay[rel]
        full = engine.workspace.root / rel
        return engine.workspace.read_text(rel) if os.path.lexists(full) else None

    staged: list[tuple[Proposal, list[FilePlan]]] = []
    for proposal in proposals:
        plans = []
        for change in proposal.files:
            if not change.ids(HunkStatus.ACCEPTED):
                continue
            if change.op != "modify":
                plan = undo_file_op(change, current)
                if plan.from_path is not None:
                    overlay[plan.from_path] = None
                if plan.to_path is not None:
                    overlay[plan.to_path] = plan.new_text
                plans.append(plan)
                continue
            text = current(change.path)
            if text is None or content_hash(text) != content_hash(change.expected_text()):
                raise StaleError(
                    f"{change.path} changed since proposal {proposal.id} was applied; nothing was undone. "
                    "Revert it by hand (git shows the change) or undo the later edits first."
                )
            overlay[change.path] = change.base_text
            plans.append(FilePlan(path=change.path, hunk_ids=change.ids(HunkStatus.ACCEPTED), old_text=text, new_text=change.base_text))
        staged.append((proposal, plans))
    for proposal, plans in staged:  # newest first: each one's base is the text the next one expects
        write_plans(engine, proposal, plans, HunkStatus.PENDING)
    return proposals
