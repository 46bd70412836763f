"""The slider's operations as the server runs them, shared by ``tether.*`` commands and ``tether/*`` methods.

Edits start from the open buffer's text. Accepting sends ``workspace/applyEdit`` with a
versioned ``TextDocumentEdit`` (the version the server last saw), each hunk placed where its
lines are in the buffer now (``tether.anchors``: typing elsewhere keeps hunks acceptable; a hunk
whose own lines were edited is a conflict, accepted only with ``overwriteConflicts``); hunks are
marked accepted only when the client says it applied them. Every change sends
``tether/proposalsChanged``; so does typing that moves a hunk (``follow``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from .. import slider
from ..errors import InputError, ProposalError
from ..ops.edit import edit_file, edit_selection
from ..ops.fileops import FilePlan, check_allowed
from ..ops.review import mark, plan_accept, reject, write_plans
from ..proposals import HunkStatus, Proposal
from ..slider import Level
from . import fileops
from .convert import context_text, lsp_text_edit, to_line_range, to_sources, to_summary
from .documents import Buffer, buffer_for_path, editable, open_buffer
from .follow import located_out
from .progress import work_done
from .wire import (
    AcceptResult,
    ContextResult,
    CreateProposalParams,
    HunksParams,
    LevelResult,
    ListResult,
    ProposalOut,
    ProposalsChanged,
    RejectResult,
)

if TYPE_CHECKING:
    from .protocol import TetherServer

PROPOSALS_CHANGED = "tether/proposalsChanged"


async def create(ls: TetherServer, params: CreateProposalParams) -> ProposalOut:
    """A selection edit when ``params.range`` is set, else a file edit."""
    level = Level.SELECTION if params.range is not None else Level.FILE
    check_slider(ls, level)
    instruction = params.instruction or ""
    if not instruction.strip():
        raise InputError("Say what to change: the instruction is empty (the client asks the user for one).")
    buffer = editable(open_buffer(ls, params.uri))
    rel = buffer.rel
    assert rel is not None  # editable() refuses buffers outside the workspace
    engine = ls.session.engine
    async with work_done(ls, params.work_done_token, f"tether: editing {rel}"):
        if params.range is not None:
            start, end = to_line_range(buffer.text, params.range)
            proposal = await edit_selection(engine, rel, instruction, start, end, text=buffer.text)
        else:
            proposal = await edit_file(engine, rel, instruction, text=buffer.text)
    notify_changed(ls)
    return proposal_out(ls, proposal)


async def accept(ls: TetherServer, params: HunksParams) -> AcceptResult:
    engine = ls.session.engine
    async with ls.session.accept_lock:  # one applyEdit at a time: each plan reads the last one's result
        proposal = engine.store.get(params.proposal_id)
        buffers: dict[str, Buffer] = {}

        def read(rel: str) -> str:
            buffers[rel] = editable(buffer_for_path(ls, rel))
            return buffers[rel].text

        plans = plan_accept(proposal, params.hunk_ids, read, params.overwrite_conflicts)
        on_disk = [p for p in plans if p.op != "write" and not fileops.supports(ls, [p])]
        check_allowed(engine.workspace, [p for p in plans if p.op != "write"])
        if on_disk:  # file operations this client cannot apply: written by the server, crash-consistently
            proposal = write_plans(engine, proposal, on_disk)
            ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=fileops.disk_note(on_disk)))
            notify_changed(ls)
            plans = [p for p in plans if p not in on_disk]
            if not plans:
                return AcceptResult(applied=True, proposal=proposal_out(ls, proposal))
        edit = workspace_edit(ls, plans, buffers)
        label = f"tether: accept {sum(len(p.hunk_ids) for p in plans)} hunk(s) of {proposal.id}"
        try:
            result = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label=label))
        except JsonRpcException as exc:
            result = types.ApplyWorkspaceEditResult(applied=False, failure_reason=f"The editor refused the edit: {exc}")
        if result.applied:
            proposal = mark(engine, proposal, [i for plan in plans for i in plan.hunk_ids], HunkStatus.ACCEPTED)
            notify_changed(ls)
    return AcceptResult(applied=result.applied, proposal=proposal_out(ls, proposal), failure_reason=result.failure_reason)


def reject_hunks(ls: TetherServer, params: HunksParams) -> RejectResult:
    proposal = reject(ls.session.engine, params.proposal_id, params.hunk_ids)
    notify_changed(ls)
    return RejectResult(proposal=proposal_out(ls, proposal))


def workspace_edit(ls: TetherServer, plans: list[FilePlan], buffers: dict[str, Buffer]) -> types.WorkspaceEdit:
    """Versioned document changes; a plain ``changes`` map for clients that lack them. File
    operations (create, delete, rename) become resource operations in ``documentChanges``
    (``lsp.fileops``; the caller checked ``fileops.supports``)."""
    encoding = ls.workspace.position_encoding or types.PositionEncodingKind.Utf16
    if any(p.op != "write" for p in plans):
        changes: list = []
        for plan in plans:
            if plan.op == "write":
                buffer = buffers[plan.path]
                changes.append(
                    types.TextDocumentEdit(
                        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=buffer.uri, version=buffer.version),
                        edits=[lsp_text_edit(plan.old_text, plan.new_text, encoding)],
                    )
                )
            else:
                changes += fileops.document_changes(ls, plan, buffers, encoding)
        return types.WorkspaceEdit(document_changes=changes)
    edits = {buffers[p.path].uri: lsp_text_edit(p.old_text, p.new_text, encoding) for p in plans}
    workspace = ls.client_capabilities.workspace
    versioned = bool(workspace and workspace.workspace_edit and workspace.workspace_edit.document_changes)
    if not versioned:
        return types.WorkspaceEdit(changes={uri: [edit] for uri, edit in edits.items()})
    versions = {buffers[p.path].uri: buffers[p.path].version for p in plans}
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=versions[uri]),
                edits=[edit],
            )
            for uri, edit in edits.items()
        ]
    )


def newest(ls: TetherServer, proposal_id: str | None, pending: bool) -> Proposal:
    """The named proposal, else the newest (pending one, with ``pending``)."""
    store = ls.session.engine.store
    if proposal_id:
        return store.get(proposal_id)
    items = store.pending() if pending else store.all()
    if not items:
        raise ProposalError("There is no pending proposal." if pending else "There is no proposal yet.")
    return items[-1]


def list_proposals(ls: TetherServer, everything: bool) -> ListResult:
    store = ls.session.engine.store
    items = store.all() if everything else store.pending()
    return ListResult(proposals=[proposal_out(ls, p) for p in items])


def show_context(ls: TetherServer, proposal_id: str | None) -> ContextResult:
    proposal = newest(ls, proposal_id, pending=False)
    return ContextResult(proposal_id=proposal.id, sources=to_sources(proposal.sources), text=context_text(proposal))


def set_level(ls: TetherServer, level: Level) -> LevelResult:
    settings = ls.session.set_level(level)
    return LevelResult(level=settings.level, max_level=settings.max_level)


def check_slider(ls: TetherServer, level: Level) -> None:
    """Refuse an operation the slider does not allow, before any work starts (``slider.check_slider``,
    which the ops also call)."""
    settings = ls.session.settings
    slider.check_slider(level, settings.level, settings.max_level)


def proposal_out(ls: TetherServer, proposal: Proposal) -> ProposalOut:
    """The wire proposal, each hunk with its current ``range`` and status (``conflict``) in the buffer (``follow.located_out``)."""
    return located_out(ls, proposal)


def notify_changed(ls: TetherServer) -> None:
    pending = ls.session.engine.store.pending()
    ls.protocol.notify(PROPOSALS_CHANGED, ProposalsChanged(proposals=[to_summary(p) for p in pending]).dump())
