"""Recently viewed and edited code for completion prompts (``tether.context.recent.RecentChunks``).

``textDocument/didOpen`` and ``didChange`` record the chunk around the change, a completion
request records the chunk around its cursor, ``didClose`` forgets the file. Completion gets the
other files' chunks as ``snippets``, each under a comment naming its path, oldest first, so
the prompt starts with the same bytes keystroke after keystroke. A buffer whose real path is
outside the workspace (a file opened from elsewhere, or through a link leading out) is not recorded.
"""

from __future__ import annotations

from lsprotocol import types

from ..context.recent import RecentChunks
from ..errors import InputError
from ..languages import language_for
from ..workspace import MAX_FILE_BYTES, log_refusal
from . import follow, next_edit
from .convert import path_of_uri
from .documents import completable, open_buffer, workspace_rel

SNIPPET_BUDGET_CHARS = 1500
_HASH_COMMENTS = {"python", "bash", "ruby", "toml", "yaml"}


def register(server) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls, params: types.DidOpenTextDocumentParams):
        record(ls, params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls, params: types.DidChangeTextDocumentParams):
        last = params.content_changes[-1] if params.content_changes else None
        line = last.range.start.line if isinstance(last, types.TextDocumentContentChangePartial) else 0
        record(ls, params.text_document.uri, line)
        follow.changed(ls, params.text_document.uri)  # pending hunks on it move with the text

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls, params: types.DidCloseTextDocumentParams):
        ls.session.recent.forget(key(ls, params.text_document.uri))
        ls.session.history.forget(key(ls, params.text_document.uri))


def record(ls, uri: str, line: int) -> None:
    try:
        buffer = open_buffer(ls, uri)
    except InputError:
        return  # a change to a document neither open nor on disk (a client error, logged by documents.py)
    path = path_of_uri(uri)
    if buffer.rel is None and path is not None:
        # A file outside the workspace (or a link leading out of it) never enters completion prompts.
        log_refusal(ls.session.engine.workspace.root, str(path))
        return
    # huge buffers would cost a split per keystroke; binary ones are no use to the model
    if completable(buffer) and len(buffer.text) <= MAX_FILE_BYTES:
        ls.session.recent.record(buffer.rel or uri, buffer.text, line)
        if buffer.rel is not None:
            next_edit.observe(ls, buffer.rel, buffer.text)  # the edit history of next-edit suggestions


def key(ls, uri: str) -> str:
    return workspace_rel(ls, uri) or uri


def snippets_text(recent: RecentChunks, path: str) -> str:
    """The other files' recent chunks as prompt text, commented the way ``path``'s language comments."""
    marker = "#" if language_for(path) in _HASH_COMMENTS else "//"
    parts = []
    for snippet in recent.snippets(exclude_path=path, budget_chars=SNIPPET_BUDGET_CHARS):
        text = snippet.text if snippet.text.endswith("\n") else snippet.text + "\n"
        parts.append(f"{marker} {snippet.path}\n{text}")
    return "".join(parts)
