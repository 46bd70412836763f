"""Buffers: the text the editor has open, which is what proposals are made from and applied to.

pygls keeps open documents in sync (incremental ``textDocument/didChange``), on LSP's lines:
``LspWorkspace`` makes its documents split at \\n, \\r\\n and \\r only (``tether.lines``), where
pygls' own split with ``str.splitlines`` and would apply an edit below a form feed or U+2028 to
the wrong line. A file that is not open is read from disk, confined to the workspace. Edits
refuse huge and binary text; so does completion, quietly. Edits also refuse a buffer whose
lone UTF-16 surrogates were replaced by U+FFFD at the boundary (``text.py``) while one remains,
so tether's repaired copy never overwrites the client's text.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path
from pygls.workspace import TextDocument, Workspace

from ..errors import InputError
from ..lines import split_lines
from ..workspace import BINARY_SNIFF_BYTES, MAX_FILE_BYTES
from .convert import path_of_uri
from .text import first_line_with

if TYPE_CHECKING:
    from .protocol import TetherServer

log = logging.getLogger(__name__)


class LspTextDocument(TextDocument):
    """pygls' open document, its lines ending at \\n, \\r\\n or \\r only (LSP 3.17, Text Documents).

    pygls reads positions (0-based lines, client columns) and applies incremental changes
    through ``lines``; form feed, U+2028 and the like stay characters inside a line.
    """

    @property
    def lines(self) -> Sequence[str]:
        return tuple(split_lines(self.source, keepends=True))


class LspWorkspace(Workspace):
    """pygls' workspace, whose text documents are ``LspTextDocument``.

    ``repaired``: the documents (unquoted URIs) whose text had lone surrogates replaced since
    they were opened; the protocol notes them, closing a document forgets it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.repaired: set[str] = set()

    def note_repaired(self, uri: str) -> bool:
        """Remember that ``uri``'s text was repaired; True when it was not already remembered."""
        new = _key(uri) not in self.repaired
        self.repaired.add(_key(uri))
        return new

    def forget_repaired(self, uri: str) -> None:
        self.repaired.discard(_key(uri))

    def remove_text_document(self, doc_uri: str) -> None:
        super().remove_text_document(doc_uri)
        self.forget_repaired(doc_uri)

    def update_text_document(self, text_doc: types.VersionedTextDocumentIdentifier, change: types.TextDocumentContentChangeEvent) -> None:
        """Apply ``change``; a change to a document that is not open is a client error, ignored with a warning.

        pygls raises KeyError there, which would stop tether's own didChange handler too.
        """
        if _key(text_doc.uri) not in self._text_documents:
            log.warning("textDocument/didChange for %r, which is not open; ignored.", text_doc.uri[:200])
            return
        super().update_text_document(text_doc, change)

    @classmethod
    def like(cls, workspace: Workspace) -> LspWorkspace:
        """A new, empty workspace with ``workspace``'s root, folders, sync kind and position encoding."""
        return cls(
            workspace.root_uri,
            workspace._sync_kind,
            list(workspace.folders.values()),
            workspace.position_encoding,
        )

    def _create_text_document(
        self, doc_uri: str, source: str | None = None, version: int | None = None, language_id: str | None = None
    ) -> TextDocument:
        return LspTextDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self._position_codec,
        )


@dataclass
class Buffer:
    uri: str
    rel: str | None  # workspace-relative path; None for non-file URIs and files outside the workspace
    text: str
    version: int | None  # None: read from disk, not open in the editor
    repaired: bool = False  # lone surrogates in the editor's text were replaced by U+FFFD


def open_buffer(ls: TetherServer, uri: str) -> Buffer:
    """The editor's text for ``uri``, else the file on disk, else InputError."""
    rel = workspace_rel(ls, uri)
    doc = ls.workspace.text_documents.get(_key(uri))
    if doc is not None:
        repaired = _key(uri) in getattr(ls.workspace, "repaired", ())
        return Buffer(uri=doc.uri, rel=rel, text=doc.source, version=doc.version, repaired=repaired)
    if rel is None:
        raise InputError(f"{uri} is not open in the editor and is not a file in the workspace.")
    return Buffer(uri=uri, rel=rel, text=ls.session.engine.workspace.read_text(rel), version=None)


def buffer_for_path(ls: TetherServer, rel: str) -> Buffer:
    """The buffer of a workspace-relative path: the open document if any, else the disk."""
    return open_buffer(ls, uri_for(ls, rel))


def uri_for(ls: TetherServer, rel: str) -> str:
    """The URI the editor uses for a workspace path (its own spelling when the file is open)."""
    full = ls.session.engine.workspace.resolve(rel)
    for doc in ls.workspace.text_documents.values():
        path = path_of_uri(doc.uri)
        if path is not None and path.resolve() == full:
            return doc.uri
    return from_fs_path(str(full)) or full.as_uri()


def editable(buffer: Buffer) -> Buffer:
    """The buffer, if it is text tether may edit (not huge, not binary)."""
    name = buffer.rel or buffer.uri
    size = len(buffer.text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise InputError(f"{name} is {size:,} bytes; tether edits files up to {MAX_FILE_BYTES:,} bytes.")
    if "\x00" in buffer.text[:BINARY_SNIFF_BYTES]:
        raise InputError(f"{name} looks like a binary file; tether only edits text.")
    if buffer.rel is None:
        raise InputError(f"{buffer.uri} is not a file inside the workspace; tether only edits files there.")
    if buffer.repaired and "\ufffd" in buffer.text:
        line = first_line_with(buffer.text, "\ufffd")
        raise InputError(
            f"{name} holds text that is not valid Unicode (a lone UTF-16 surrogate, line {line}); tether does not "
            "edit it, so that character is not lost. Remove or fix it, then try again."
        )
    return buffer


def completable(buffer: Buffer) -> bool:
    return "\x00" not in buffer.text[:BINARY_SNIFF_BYTES]


def workspace_rel(ls: TetherServer, uri: str) -> str | None:
    path = path_of_uri(uri)
    if path is None:
        return None
    try:
        return ls.session.engine.workspace.rel(path)
    except InputError:
        return None


def _key(uri: str) -> str:
    from urllib.parse import unquote

    return unquote(uri)
