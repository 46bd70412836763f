"""``tether undo``: revert the last applied proposal (or every applied proposal of the last repo run).

The journal keeps each proposal's base text and which hunks were accepted, so undoing means
writing the base text back (journaled like an accept, see ``review.write_plans``) — but only onto exactly the text tether left (base plus accepted
hunks): a file changed since is refused with StaleError and nothing is written. Undone hunks
return to pending, so the proposal can be reviewed (or accepted) again.
"""

from __future__ import annotations

from ..engine import Engine
from ..errors import ProposalError, StaleError
from ..proposals import HunkStatus, Proposal
from ..workspace import content_hash
from .review import FilePlan, write_plans


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
    from .repo import load_run

    run = load_run(engine, run_id)
    proposals = [engine.store.get(pid) for pid in reversed(run.proposals)]
    proposals = [p for p in proposals if applied(p)]
    if not proposals:
        raise ProposalError(f"Run {run.id} has no applied proposals; there is nothing to undo.")
    return revert(engine, proposals)


def revert(engine: Engine, proposals: list[Proposal]) -> list[Proposal]:
    """Write each file's base text back, newest proposal first; checks every file before writing any."""
    overlay: dict[str, str] = {}  # path -> its text once the proposals so far are reverted
    for proposal in proposals:
        for change in proposal.files:
            if not change.ids(HunkStatus.ACCEPTED):
                continue
            current = overlay.get(change.path)
            if current is None:
                current = engine.workspace.read_text(change.path)
            if content_hash(current) != content_hash(change.expected_text()):
                raise StaleError(
                    f"{change.path} changed since proposal {proposal.id} was applied; nothing was undone. "
                    "Revert it by hand (git shows the change) or undo the later edits first."
                )
            overlay[change.path] = change.base_text
    for proposal in proposals:  # newest first: each one's base is the text the next one expects
        plans = [
            FilePlan(path=c.path, hunk_ids=c.ids(HunkStatus.ACCEPTED), old_text=c.expected_text(), new_text=c.base_text)
            for c in proposal.files
            if c.ids(HunkStatus.ACCEPTED)
        ]
        write_plans(engine, proposal, plans, HunkStatus.PENDING)
    return proposals
