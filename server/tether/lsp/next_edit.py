"""Next-edit suggestions over LSP: ``textDocument/copilotInlineEdit`` and, with ``next_edit.enabled``,
``textDocument/inlineCompletion`` items that carry a replacing ``range``.

Both answer from ``tether.ops.next_edit`` with the person's recent edits (``EditHistory``, fed by
``lsp/recent.py`` on every ``didOpen`` / ``didChange``). Per document and per method the newest
request wins (a newer ``copilotInlineEdit`` cancels the older one, not a pending inline
completion, and the other way round: a client may ask both at once) and automatic requests wait
``next_edit.debounceMs`` (``lsp/latest.Latest``, as completion).

``textDocument/copilotInlineEdit`` (the shape GitHub Copilot's language server uses for Next
Edit Suggestions): params ``{textDocument: {uri, version?}, position}``, result ``{edits: [{range,
text, textDocument, command?}]}``: zero or one edit, anywhere in the region around the cursor.
An inline completion item is only given when the edit lies on the cursor's line: its range then
spans the edit and the cursor, as VS Code's inline completions require. A refused or failed
request (secret file, leash, unusable reply, a ``version`` older than the open document's, a URI
that is neither open nor a workspace file) answers no edit; the reason goes to the log.
"""

from __future__ import annotations

import logging
import time

from lsprotocol import types
from pydantic import Field

from ..errors import TetherError
from ..ops.complete import offset_of
from ..ops.next_edit import Replacement, next_edit
from .convert import lsp_position_at, to_line_col
from .documents import completable, open_buffer
from .errors import handles_errors, parse
from .wire import Wire

log = logging.getLogger(__name__)
METHOD = "textDocument/copilotInlineEdit"
INLINE_METHOD = types.TEXT_DOCUMENT_INLINE_COMPLETION


UINTEGER_MAX = 2**31 - 1  # LSP's uinteger and integer (3.17, "Base Types")


class DocumentIn(Wire):
    uri: str
    version: int | None = Field(None, ge=-(2**31), le=UINTEGER_MAX)


class PositionIn(Wire):
    line: int = Field(ge=0, le=UINTEGER_MAX)
    character: int = Field(ge=0, le=UINTEGER_MAX)


class InlineEditParams(Wire):
    text_document: DocumentIn
    position: PositionIn
    # Copilot's clients also send these; accepted, unused.
    context: dict | None = None
    work_done_token: int | str | None = Field(None, alias="workDoneToken")


def register(server) -> None:
    @server.feature(METHOD)
    @handles_errors(show=False)
    async def copilot_inline_edit(ls, params):
        ref = parse(InlineEditParams, params, METHOD)
        position = types.Position(line=ref.position.line, character=ref.position.character)
        found = await suggest(ls, ref.text_document.uri, position, immediate=True, method=METHOD, version=ref.text_document.version)
        if found is None:
            return {"edits": []}
        text, rep = found
        edit = {
            "range": _range(ls, text, rep),
            "text": rep.text,
            "textDocument": {"uri": ref.text_document.uri, "version": ref.text_document.version},
        }
        return {"edits": [_dump(edit)]}


def observe(ls, path: str, text: str) -> None:
    """Feed the edit history the document's text after a change (``lsp/recent.py``)."""
    ls.session.history.observe(path, text, int(time.time() * 1000))


async def inline_items(ls, params: types.InlineCompletionParams, immediate: bool) -> types.InlineCompletionList:
    """Inline completion as a next edit: one item replacing a range on the cursor's line, or none."""
    found = await suggest(ls, params.text_document.uri, params.position, immediate, method=INLINE_METHOD)
    if found is None:
        return types.InlineCompletionList(items=[])
    text, rep = found
    encoding = _encoding(ls)
    line, col = to_line_col(text, params.position, encoding)
    if not (rep.start_line == rep.end_line == line):
        return types.InlineCompletionList(items=[])  # elsewhere: textDocument/copilotInlineEdit's case
    lines_at = offset_of(text, line, 0)
    lo, hi = min(rep.start_col, col), max(rep.end_col, col)
    insert = text[lines_at + lo : lines_at + rep.start_col] + rep.text + text[lines_at + rep.end_col : lines_at + hi]
    rng = types.Range(start=lsp_position_at(text, lines_at + lo, encoding), end=lsp_position_at(text, lines_at + hi, encoding))
    return types.InlineCompletionList(items=[types.InlineCompletionItem(insert_text=insert, range=rng)])


async def suggest(
    ls, uri: str, position: types.Position, immediate: bool, method: str, version: int | None = None
) -> tuple[str, Replacement] | None:
    """The next edit for the cursor at ``position`` (LSP), with the document text it applies to; None
    when there is none, the request was superseded, or it was refused (logged): among others
    when ``version`` (the client's, if it sent one) is older than the open document's, or the URI
    is neither open nor a workspace file.

    ``method`` (the LSP method asking) keys the cancel slot with ``uri``: a newer request of the
    same method for the same document supersedes this one; one of the other method does not.
    """
    session = ls.session
    delay = 0.0 if immediate else session.settings.next_edit.debounce_ms / 1000

    async def work() -> tuple[str, Replacement] | None:
        try:
            buffer = open_buffer(ls, uri)  # read after the debounce: the newest text
        except TetherError as exc:
            log.info("next edit for %s: none (%s)", uri, exc)
            return None
        if not completable(buffer) or buffer.rel is None:
            return None
        if version is not None and buffer.version is not None and version < buffer.version:
            log.info("next edit for %s: none (version %d is older than the document's %d)", buffer.rel, version, buffer.version)
            return None
        line, col = to_line_col(buffer.text, position, _encoding(ls))
        events = session.history.events_text(max_events=session.settings.next_edit.max_events)
        own = session.history.events(buffer.rel)
        names = own[-1].removed_names() if own else []
        try:
            result = await next_edit(session.engine, buffer.rel, buffer.text, line, col, events=events, names=names)
        except TetherError as exc:
            log.info("next edit for %s: none (%s)", buffer.rel, exc)
            return None
        return None if result.replacement is None else (buffer.text, result.replacement)

    return await session.latest.run(("next_edit", method, uri), delay, work)


def _range(ls, text: str, rep: Replacement) -> dict:
    encoding = _encoding(ls)
    start = offset_of(text, rep.start_line, rep.start_col)
    end = offset_of(text, rep.end_line, rep.end_col)
    rng = types.Range(start=lsp_position_at(text, start, encoding), end=lsp_position_at(text, end, encoding))
    return {
        "start": {"line": rng.start.line, "character": rng.start.character},
        "end": {"line": rng.end.line, "character": rng.end.character},
    }


def _encoding(ls) -> str:
    return ls.workspace.position_encoding or types.PositionEncodingKind.Utf16


def _dump(edit: dict) -> dict:
    if edit["textDocument"]["version"] is None:
        del edit["textDocument"]["version"]
    return edit
