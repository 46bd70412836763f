"""Extension methods under ``tether/`` for rich clients (the VS Code extension), documented in docs/lsp.md.

Same operations as the ``tether.*`` commands, addressed by id; errors come back as JSON-RPC
errors only (the client decides how to show them). ``tether/proposalsChanged`` is sent by
``proposals.notify_changed``.
"""

from __future__ import annotations

from . import proposals, repo
from .errors import handles_errors, parse
from .wire import CreateProposalParams, HunksParams, LevelParams, ListParams, NoParams, ProposalIdParams


def register(server) -> None:
    @server.feature("tether/createProposal")
    @handles_errors(show=False)
    async def create_proposal(ls, params):
        return (await proposals.create(ls, parse(CreateProposalParams, params, "tether/createProposal"))).dump()

    @server.feature("tether/listProposals")
    @handles_errors(show=False)
    async def list_proposals(ls, params):
        return proposals.list_proposals(ls, parse(ListParams, params, "tether/listProposals").all).dump()

    @server.feature("tether/getProposal")
    @handles_errors(show=False)
    async def get_proposal(ls, params):
        ref = parse(ProposalIdParams, params, "tether/getProposal")
        return proposals.proposal_out(ls, ls.session.engine.store.get(ref.proposal_id)).dump()

    @server.feature("tether/acceptHunks")
    @handles_errors(show=False)
    async def accept_hunks(ls, params):
        return (await repo.accept(ls, parse(HunksParams, params, "tether/acceptHunks"))).dump()

    @server.feature("tether/rejectHunks")
    @handles_errors(show=False)
    async def reject_hunks(ls, params):
        return proposals.reject_hunks(ls, parse(HunksParams, params, "tether/rejectHunks")).dump()

    @server.feature("tether/setLevel")
    @handles_errors(show=False)
    async def set_level(ls, params):
        return proposals.set_level(ls, parse(LevelParams, params, "tether/setLevel").level).dump()

    @server.feature("tether/status")
    @handles_errors(show=False)
    async def status(ls, params):
        parse(NoParams, params, "tether/status")
        return ls.session.status().dump()
