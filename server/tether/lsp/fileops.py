"""Accepting created, deleted and renamed files over LSP (``workspace/applyEdit`` resource operations).

A client that declares ``workspace.workspaceEdit.documentChanges``, the resource operations a
proposal needs (``resourceOperations``: "create", "rename", "delete") and a ``failureHandling``
gets them inside ``documentChanges`` (LSP 3.17, "WorkspaceEdit"): ``CreateFile`` (never
overwriting) followed by a ``TextDocumentEdit`` inserting the text, ``DeleteFile``, or
``RenameFile`` (never overwriting) followed by the moved file's edits. The editor applies them,
so its undo stack keeps them. A client without them gets the file operations written on disk by
the server through the crash-consistent path (``ops.review.write_plans``) and a
``window/showMessage`` saying so; see docs/lsp.md, "File operations".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from ..ops.fileops import FilePlan
from .convert import lsp_text_edit
from .documents import Buffer, uri_for

if TYPE_CHECKING:
    from .protocol import TetherServer

_KIND = {
    "create": types.ResourceOperationKind.Create,
    "delete": types.ResourceOperationKind.Delete,
    "rename": types.ResourceOperationKind.Rename,
}


def supports(ls: TetherServer, plans: list[FilePlan]) -> bool:
    """Whether the client can apply every file operation of ``plans`` itself (see the module docstring)."""
    workspace = ls.client_capabilities.workspace
    caps = workspace.workspace_edit if workspace else None
    if caps is None or not caps.document_changes or caps.failure_handling is None:
        return False
    kinds = set(caps.resource_operations or [])
    return all(_KIND[p.op] in kinds for p in plans if p.op in _KIND)


DocumentChange = types.TextDocumentEdit | types.CreateFile | types.RenameFile | types.DeleteFile


def document_changes(ls: TetherServer, plan: FilePlan, buffers: dict[str, Buffer], encoding: str) -> list[DocumentChange]:
    """The ``documentChanges`` entries of one file operation, in the order the client must apply them.

    Text goes in with a TextDocumentEdit whose version is null (the file is new to the editor);
    ranges are LSP positions (0-based lines, ``encoding`` columns) of the text before.
    """
    out: list[DocumentChange] = []
    if plan.op == "create":
        assert plan.to_path is not None
        uri = uri_for(ls, plan.to_path)
        out.append(types.CreateFile(uri=uri, options=types.CreateFileOptions(overwrite=False, ignore_if_exists=False)))
        if plan.new_text:
            out.append(_text_edit(uri, "", plan.new_text, encoding))
    elif plan.op == "delete":
        assert plan.from_path is not None
        source = buffers.get(plan.from_path)
        out.append(
            types.DeleteFile(
                uri=source.uri if source else uri_for(ls, plan.from_path),
                options=types.DeleteFileOptions(recursive=False, ignore_if_not_exists=False),
            )
        )
    elif plan.op == "rename":
        assert plan.from_path is not None and plan.to_path is not None
        source = buffers.get(plan.from_path)
        old_uri = source.uri if source else uri_for(ls, plan.from_path)
        new_uri = uri_for(ls, plan.to_path)
        out.append(
            types.RenameFile(old_uri=old_uri, new_uri=new_uri, options=types.RenameFileOptions(overwrite=False, ignore_if_exists=False))
        )
        if plan.new_text != plan.old_text:
            out.append(_text_edit(new_uri, plan.old_text, plan.new_text, encoding))
    return out


def _text_edit(uri: str, old: str, new: str, encoding: str) -> types.TextDocumentEdit:
    return types.TextDocumentEdit(
        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
        edits=[lsp_text_edit(old, new, encoding)],
    )


def disk_note(plans: list[FilePlan]) -> str:
    """What the server did on disk for a client without resource operations, for ``window/showMessage``."""
    done = []
    for plan in plans:
        if plan.op == "create":
            done.append(f"created {plan.to_path}")
        elif plan.op == "delete":
            done.append(f"deleted {plan.from_path}")
        elif plan.op == "rename":
            done.append(f"renamed {plan.from_path} to {plan.to_path}")
    return (
        f"tether {', '.join(done)} on disk: this editor does not apply file operations in workspace edits "
        "(workspace.workspaceEdit.resourceOperations), so the editor's undo does not cover them; `tether undo` does."
    )
