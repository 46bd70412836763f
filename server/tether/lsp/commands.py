"""``workspace/executeCommand``: every operation, for clients without custom-method support.

Each command takes a single argument object (docs/lsp.md) and returns the same result as the
matching ``tether/*`` method. Errors also show as a ``window/showMessage``, and so does what an
edit produced, since generic clients often drop command results and errors silently.
``$/cancelRequest`` cancels a running command.
"""

from __future__ import annotations

from lsprotocol import types

from . import proposals, repo
from .errors import parse
from .registry import command
from .wire import (
    CreateProposalParams,
    EditFileParams,
    EditSelectionParams,
    HunksParams,
    LevelParams,
    ListParams,
    ProposalOut,
    ProposalRef,
)


def announce(ls, proposal: ProposalOut) -> ProposalOut:
    """Tell the user what came of an edit: generic clients do not show command results."""
    hunks = sum(len(f.hunks) for f in proposal.files)
    if hunks:
        files = ", ".join(f.path for f in proposal.files)
        message = f"tether: proposal {proposal.id}, {hunks} hunk(s) in {files}. Review it, then run tether.acceptAll or tether.rejectAll."
    else:
        message = "tether: the model proposed no change."
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=message))
    return proposal


def register(server) -> None:
    @command(server, "tether.editSelection")
    async def edit_selection(ls, *args):
        p = parse(EditSelectionParams, args, "tether.editSelection")
        params = CreateProposalParams(uri=p.uri, instruction=p.instruction, range=p.range, work_done_token=p.work_done_token)
        return announce(ls, await proposals.create(ls, params)).dump()

    @command(server, "tether.editFile")
    async def edit_file(ls, *args):
        p = parse(EditFileParams, args, "tether.editFile")
        params = CreateProposalParams(uri=p.uri, instruction=p.instruction, work_done_token=p.work_done_token)
        return announce(ls, await proposals.create(ls, params)).dump()

    @command(server, "tether.accept")
    async def accept(ls, *args):
        return (await repo.accept(ls, parse(HunksParams, args, "tether.accept"))).dump()

    @command(server, "tether.reject")
    async def reject(ls, *args):
        return proposals.reject_hunks(ls, parse(HunksParams, args, "tether.reject")).dump()

    @command(server, "tether.acceptAll")
    async def accept_all(ls, *args):
        ref = parse(ProposalRef, args, "tether.acceptAll")
        proposal = proposals.newest(ls, ref.proposal_id, pending=True)
        return (await repo.accept(ls, HunksParams(proposal_id=proposal.id))).dump()

    @command(server, "tether.rejectAll")
    async def reject_all(ls, *args):
        ref = parse(ProposalRef, args, "tether.rejectAll")
        proposal = proposals.newest(ls, ref.proposal_id, pending=True)
        return proposals.reject_hunks(ls, HunksParams(proposal_id=proposal.id)).dump()

    @command(server, "tether.setAutonomy")
    async def set_autonomy(ls, *args):
        return proposals.set_level(ls, parse(LevelParams, args, "tether.setAutonomy").level).dump()

    @command(server, "tether.showContext")
    async def show_context(ls, *args):
        return proposals.show_context(ls, parse(ProposalRef, args, "tether.showContext").proposal_id).dump()

    @command(server, "tether.listProposals")
    async def list_proposals(ls, *args):
        return proposals.list_proposals(ls, parse(ListParams, args, "tether.listProposals").all).dump()
