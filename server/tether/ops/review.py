"""Accept or reject proposals hunk by hunk.

``plan_accept`` works on any text source (the disk for the CLI, an editor buffer for the
language server): it places each chosen hunk in the file's current text (``tether.anchors``:
edits elsewhere are kept, a hunk whose own lines were edited is a conflict that needs
``overwrite_conflicts``) and computes the new text, before anything is written. ``accept_on_disk`` then writes through
``write_plans``: the intent is journaled first, each file is written atomically, and the result
is journaled last, so a kill at any point leaves a journal the store can reconcile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from ..anchors import Located, locate
from ..anchors import plan_accept as plan_change
from ..engine import Engine
from ..errors import ProposalError, TetherError
from ..proposals import FileChange, HunkStatus, Proposal, WriteIntent
from ..store import reconcile
from .fileops import FilePlan, check_allowed, intent_for, perform, plan_file_op


def chosen_ids(change: FileChange, hunk_ids: list[str] | None) -> list[str]:
    """The pending hunks of ``change`` named in ``hunk_ids`` (all pending ones when None)."""
    pending = change.ids(HunkStatus.PENDING)
    if hunk_ids is None:
        return pending
    own = {h.id for h in change.hunks}
    picked = [i for i in hunk_ids if i in own and i in pending]
    return pending if picked and change.op != "modify" else picked  # a file operation is decided whole


def plan_accept(
    proposal: Proposal, hunk_ids: list[str] | None, read: Callable[[str], str], overwrite_conflicts: bool = False
) -> list[FilePlan]:
    """New text per file, each chosen hunk applied where it is now in ``read(path)``'s text; nothing written.

    Raises ConflictError (a StaleError) when a chosen hunk's own lines were edited since the
    proposal was made, unless ``overwrite_conflicts`` (then the person's version of those lines
    gives way to the proposal's); ProposalError for unknown ids or nothing to accept.
    """
    _check_known(proposal, hunk_ids)
    plans = []
    for change in proposal.files:
        ids = chosen_ids(change, hunk_ids)
        if not ids:
            continue
        if change.op != "modify":
            plans.append(plan_file_op(change, ids, read))
            continue
        current = read(change.path)
        new_text = plan_change(change, ids, current, overwrite_conflicts)
        plans.append(FilePlan(path=change.path, hunk_ids=ids, old_text=current, new_text=new_text))
    if not plans:
        raise ProposalError(f"Proposal {proposal.id} has no pending hunk to accept among those named.")
    return plans


def locate_proposal(proposal: Proposal, read: Callable[[str], str]) -> dict[str, list[Located]]:
    """Each file's hunks placed in its current text (``anchors.locate``), by path.

    ``read`` gives a workspace-relative path's current text (buffer or disk); a file it cannot
    read (TetherError, OSError: deleted, not created yet) is left out, so its hunks have no place.
    """
    out: dict[str, list[Located]] = {}
    for change in proposal.files:
        # a rename not yet accepted has its base text at its old path
        rel = change.old_path if change.op == "rename" and change.old_path and change.ids(HunkStatus.PENDING) else change.path
        try:
            current = read(rel)
        except (TetherError, OSError):
            continue
        try:
            out[change.path] = locate(change, current)
        except TetherError:  # a hand-edited journal whose accepted hunks do not fit its base
            continue
    return out


def mark(engine: Engine, proposal: Proposal, hunk_ids: list[str] | None, status: HunkStatus) -> Proposal:
    _check_known(proposal, hunk_ids)
    for change in proposal.files:
        for hunk_id in chosen_ids(change, hunk_ids):
            change.hunk(hunk_id).status = status
    return engine.store.save(proposal)


def write_plans(engine: Engine, proposal: Proposal, plans: list[FilePlan], status: HunkStatus = HunkStatus.ACCEPTED) -> Proposal:
    """Write each plan's ``new_text`` to disk and give its hunks ``status``, crash-consistently.

    Order: the proposal's journal gets a WriteIntent (paths, hunk ids, hashes of ``old_text`` and
    ``new_text``), the files are written atomically one by one, then the journal gets the new
    statuses and loses the intent. A process killed in between leaves the intent, which the store
    reconciles from the files when it next loads the journal. When a write raises (OSError,
    TetherError), the intent is reconciled at once and the error propagates.
    """
    action: Literal["accept", "undo"] = "accept" if status == HunkStatus.ACCEPTED else "undo"
    check_allowed(engine.workspace, plans)
    proposal.intent = WriteIntent(action=action, files=[intent_for(p, status) for p in plans])
    engine.store.save(proposal)
    try:
        for plan in plans:
            perform(engine.workspace, plan)  # file operations (create, delete, rename) too: ops.fileops
    except BaseException:
        engine.store.save(reconcile(proposal, engine.workspace.read_text))
        raise
    for plan in plans:
        for hunk_id in plan.hunk_ids:
            proposal.file(plan.path).hunk(hunk_id).status = status
    proposal.intent = None
    return engine.store.save(proposal)


def accept_on_disk(
    engine: Engine, proposal_id: str, hunk_ids: list[str] | None = None, overwrite_conflicts: bool = False
) -> tuple[Proposal, list[FilePlan]]:
    """Accept ``hunk_ids`` of a proposal (every pending hunk when None) by writing the files.

    Each hunk lands where its lines are in the file now. Returns the saved proposal and the
    plans written. Raises ProposalError for unknown ids or nothing to accept, ConflictError when
    a chosen hunk's own lines were edited and ``overwrite_conflicts`` is false (nothing is
    written then), InputError when a file cannot be read.
    """
    proposal = engine.store.get(proposal_id)
    plans = plan_accept(proposal, hunk_ids, engine.workspace.read_text, overwrite_conflicts)
    return write_plans(engine, proposal, plans), plans


def reject(engine: Engine, proposal_id: str, hunk_ids: list[str] | None = None) -> Proposal:
    return mark(engine, engine.store.get(proposal_id), hunk_ids, HunkStatus.REJECTED)


def _check_known(proposal: Proposal, hunk_ids: list[str] | None) -> None:
    for hunk_id in hunk_ids or []:
        proposal.find_hunk(hunk_id)
