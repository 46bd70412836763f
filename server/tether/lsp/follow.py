"""Hunks that follow the typing: after ``textDocument/didChange``, re-locate the pending hunks on that document.

pygls applies each change to the open document first; ``changed`` then schedules one
re-location per document, ``DEBOUNCE_S`` after the last change (a burst of keystrokes costs
one), of the proposals that change that file only (``anchors.locate``, a line diff trimmed to
the edited stretch). When any hunk's range or status differs from what the client was last
sent for it (a proposal result, a list, or an earlier notification), the server sends
``tether/proposalsChanged`` with those proposals, re-located, in ``relocated``.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import TYPE_CHECKING

from ..anchors import Located, locate
from ..errors import TetherError
from ..ops.review import locate_proposal
from ..proposals import HunkStatus, Proposal
from .convert import to_proposal_out, to_summary
from .documents import buffer_for_path, uri_for, workspace_rel
from .wire import ProposalOut, ProposalsChanged

if TYPE_CHECKING:
    from .protocol import TetherServer

log = logging.getLogger(__name__)

PROPOSALS_CHANGED = "tether/proposalsChanged"
DEBOUNCE_S = 0.05

Signature = tuple[tuple[str, str, int | None, int | None], ...]


class _Follower:
    def __init__(self) -> None:
        self.sent: dict[tuple[str, str], Signature] = {}  # (proposal id, path) -> what the client was last told
        self.timers: dict[str, asyncio.TimerHandle] = {}  # workspace path -> its scheduled re-location


_followers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _follower(ls: TetherServer) -> _Follower:
    follower = _followers.get(ls)
    if follower is None:
        follower = _followers[ls] = _Follower()
    return follower


def signature(places: list[Located]) -> Signature:
    return tuple((loc.hunk_id, loc.status.value, loc.start, loc.end) for loc in places)


def located_out(ls: TetherServer, proposal: Proposal) -> ProposalOut:
    """The wire proposal with each hunk placed in its file's current buffer (open document, else disk); remembered as sent."""
    located = locate_proposal(proposal, lambda rel: buffer_for_path(ls, rel).text)
    follower = _follower(ls)
    for path, places in located.items():
        follower.sent[(proposal.id, path)] = signature(places)
    return to_proposal_out(proposal, lambda rel: uri_for(ls, rel), located)


def changed(ls: TetherServer, uri: str) -> None:
    """Schedule the re-location of the hunks on ``uri`` (called for every didChange; cheap)."""
    rel = workspace_rel(ls, uri)
    if rel is None:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    follower = _follower(ls)
    timer = follower.timers.pop(rel, None)
    if timer is not None:
        timer.cancel()
    follower.timers[rel] = loop.call_later(DEBOUNCE_S, relocate, ls, rel)


def relocate(ls: TetherServer, rel: str) -> bool:
    """Re-locate the pending proposals on ``rel``; notify when any hunk moved or changed state. True when it notified."""
    follower = _follower(ls)
    follower.timers.pop(rel, None)
    try:
        store = ls.session.engine.store
        text = buffer_for_path(ls, rel).text
        pending = store.pending()
        live = {p.id for p in pending}
        for key in [key for key in follower.sent if key[0] not in live]:  # decided proposals move no more
            del follower.sent[key]
        moved = []
        for proposal in pending:
            for change in proposal.files:
                # a rename not yet accepted follows its old file (as ops.review.locate_proposal reads it)
                renaming = change.op == "rename" and change.old_path == rel and change.ids(HunkStatus.PENDING)
                if (change.path == rel or renaming) and follower.sent.get((proposal.id, change.path)) != signature(locate(change, text)):
                    moved.append(proposal)
                    break
        if not moved:
            return False
        relocated = [located_out(ls, p) for p in moved]
        summaries = [to_summary(p) for p in pending]
    except TetherError as exc:  # a journal or file that cannot be read now; the next change tries again
        log.warning("could not re-locate the hunks on %s: %s", rel, exc)
        return False
    ls.protocol.notify(PROPOSALS_CHANGED, ProposalsChanged(proposals=summaries, relocated=relocated).dump())
    return True
