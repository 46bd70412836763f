"""``tether undo``: revert the last applied proposal (or every applied proposal of the last repo run).

The journal keeps each proposal's base text and which hunks were accepted, so undoing means
writing the base text back (journaled like an accept, see ``review.write_plans``) when the file
holds exactly the text tether left (base plus accepted hunks). A file changed elsewhere since
(another proposal accepted after it, the person's typing) gets only the accepted hunks' lines
reverted where they are now, three-way like an accept (``anchors.plan_accept`` of the inverse
change); a file whose accepted lines were themselves edited is refused with StaleError and
nothing is written. File operations
are undone by their inverse: a created file is deleted (while it still holds the created text),
a deleted file recreated, a renamed file renamed back. Undone hunks
return to pending, so the proposal can be reviewed (or accepted) again.

A file the person already put back by hand (``git checkout``, ``git revert``, their editor's
undo) counts as undone: a modified file holding its base text again (or, in a run undone as a
whole, the base text of an older proposal of the run), a created file gone, a deleted file back
with its text, a renamed file back at its old path. Its hunks return to pending and nothing is
written to it. ``forget`` drops an entry outright: its accepted hunks are marked rejected and
no file is read or written.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ..anchors import plan_accept as anchored_accept
from ..engine import Engine
from ..errors import ProposalError, StaleError
from ..proposals import FileChange, HunkStatus, Proposal, build_file_change
from ..workspace import content_hash
from .fileops import FilePlan, undo_file_op
from .repo import load_run
from .review import write_plans


def applied(proposal: Proposal) -> bool:
    return any(h.status == HunkStatus.ACCEPTED for f in proposal.files for h in f.hunks)


Already = dict[str, list[str]]  # proposal id -> paths (FileChange.path) found already undone by hand


def undo_proposal(engine: Engine, proposal_id: str | None = None, already: Already | None = None) -> Proposal:
    """Revert ``proposal_id``, or the proposal with accepted hunks whose journal was written last
    (the newest accept; a later decision on its other hunks counts too).

    ``already``, when given, receives the paths found already back at their base (see ``revert``).
    Raises ProposalError when there is nothing to undo, StaleError as ``revert`` does.
    """
    if proposal_id:
        proposal = engine.store.get(proposal_id)
        if not applied(proposal):
            raise ProposalError(f"Proposal {proposal.id} has no applied hunks; there is nothing to undo.")
    else:
        done = [e for e in engine.store.summaries() if e.hunks.get(HunkStatus.ACCEPTED.value)]
        if not done:
            raise ProposalError("No applied proposal to undo.")
        # the journal written last is the newest accept (not the newest-made proposal: `edit --apply`
        # of one, then `accept` of an older one, must undo the older one first)
        _, newest = max(enumerate(done), key=lambda pair: (pair[1].stamp[0], pair[0]))
        proposal = engine.store.get(newest.id)
    return revert(engine, [proposal], already)[0]


def forget(engine: Engine, proposal_id: str) -> Proposal:
    """Drop an applied proposal from undo's reach without touching any file: for a change the
    person already reverted by hand (or means to keep), its accepted hunks become rejected.

    Pending hunks stay pending. Raises ProposalError for an unknown id or a proposal with no
    applied hunk.
    """
    proposal = engine.store.get(proposal_id)
    if not applied(proposal):
        raise ProposalError(f"Proposal {proposal.id} has no applied hunks; there is nothing to forget.")
    for change in proposal.files:
        for hunk_id in change.ids(HunkStatus.ACCEPTED):
            change.hunk(hunk_id).status = HunkStatus.REJECTED
    return engine.store.save(proposal)


def undo_run(engine: Engine, run_id: str | None = None, already: Already | None = None) -> list[Proposal]:
    """Revert every applied proposal of a repo run (the newest run by default), newest first."""
    run = load_run(engine, run_id)
    proposals = [engine.store.get(pid) for pid in reversed(run.proposals)]
    proposals = [p for p in proposals if applied(p)]
    if not proposals:
        raise ProposalError(f"Run {run.id} has no applied proposals; there is nothing to undo.")
    return revert(engine, proposals, already)


def revert(engine: Engine, proposals: list[Proposal], already: Already | None = None) -> list[Proposal]:
    """Undo each accepted file change, newest proposal first; checks every file before writing any.

    A modified file gets its base text back; a created file is deleted, a deleted file recreated
    and a renamed file renamed back (``fileops.undo_file_op``). A file already back as it was
    (module docstring) is left as it is and its hunks return to pending; its path goes into
    ``already[proposal.id]``. Raises StaleError when a file is neither as tether left it nor
    back at its base (nothing is written then).
    """
    overlay: dict[str, str | None] = {}  # path -> its text once the proposals so far are reverted (None: absent)

    def current(rel: str) -> str | None:
        if rel in overlay:
            return overlay[rel]
        full = engine.workspace.root / rel
        return engine.workspace.read_text(rel) if os.path.lexists(full) else None

    staged: list[tuple[Proposal, list[FilePlan], list[FileChange]]] = []
    for index, proposal in enumerate(proposals):
        plans = []
        done_by_hand: list[FileChange] = []
        for change in proposal.files:
            if not change.ids(HunkStatus.ACCEPTED):
                continue
            if _back_by_hand(change, current, proposals[index:]):
                done_by_hand.append(change)
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
            new_text = _unapplied(change, proposal.id, text)
            overlay[change.path] = new_text
            plans.append(FilePlan(path=change.path, hunk_ids=change.ids(HunkStatus.ACCEPTED), old_text=text or "", new_text=new_text))
        staged.append((proposal, plans, done_by_hand))
    for proposal, plans, done_by_hand in staged:  # newest first: each one's base is the text the next one expects
        for change in done_by_hand:
            for hunk_id in change.ids(HunkStatus.ACCEPTED):
                change.hunk(hunk_id).status = HunkStatus.PENDING
        if already is not None and done_by_hand:
            already[proposal.id] = [change.path for change in done_by_hand]
        if plans:
            write_plans(engine, proposal, plans, HunkStatus.PENDING)
        else:
            engine.store.save(proposal)
    return proposals


def _unapplied(change: FileChange, proposal_id: str, text: str | None) -> str:
    """``text`` with ``change``'s accepted hunks taken out: the base text when the file is exactly
    as tether left it, else the accepted lines reverted where they are now (``anchors.plan_accept``
    of the inverse change), so edits elsewhere in the file (another proposal accepted since, your
    typing) stay. Raises StaleError when the file is gone or an accepted hunk's own lines were
    edited since (a conflict: nothing is undone)."""
    stale = (
        f"{change.path} changed since proposal {proposal_id} was applied; nothing was undone. "
        "Undo the later edits first, or revert it by hand (git shows the change: undo then sees the file "
        f"back at its base text), or drop the entry with `tether undo --forget {proposal_id}`."
    )
    if text is None:
        raise StaleError(stale)
    expected = change.expected_text()
    if _same(text, expected):
        return change.base_text
    inverse = build_file_change(change.path, expected, change.base_text)
    try:
        return anchored_accept(inverse, [h.id for h in inverse.hunks], text)
    except (StaleError, ProposalError) as exc:  # a conflict (its lines edited) or hunks now overlapping
        raise StaleError(f"{stale} ({exc})") from exc


def _back_by_hand(change: FileChange, current: Callable[[str], str | None], batch: list[Proposal]) -> bool:
    """Whether the files already show ``change`` undone (module docstring). ``batch``: this
    change's proposal, then the older proposals being undone with it (their bases count too)."""
    if change.op == "create":
        return current(change.path) is None
    if change.op == "delete":
        return _same(current(change.path), change.base_text)
    if change.op == "rename":
        return change.old_path is not None and current(change.path) is None and _same(current(change.old_path), change.base_text)
    text = current(change.path)
    if text is None or _same(text, change.expected_text()):
        return False
    bases = [c.base_text for p in batch for c in p.files if c.path == change.path and c.op == "modify"]
    return any(_same(text, base) for base in bases)


def _same(text: str | None, expected: str) -> bool:
    return text is not None and content_hash(text) == content_hash(expected)
