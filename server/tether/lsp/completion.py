"""``textDocument/inlineCompletion`` (LSP 3.18) and ``textDocument/completion``: the COMPLETE level.

Both answer from ``tether.ops.complete`` at the cursor. Per document, the newest request wins:
it cancels the older one's generation (the older request gets an empty result), and automatic
requests wait ``complete.debounceMs`` first, so a burst of keystrokes costs one model call.
``textDocument/completion`` is the fallback for clients without inline completion: one item
whose text edit inserts at the cursor. Recently viewed code from other files goes in as
``snippets`` (lsp/recent.py).
"""

from __future__ import annotations

from lsprotocol import types

from ..lines import split_lines
from ..ops.complete import complete
from .convert import lsp_range, to_line_col
from .documents import completable, open_buffer
from .errors import handles_errors
from .next_edit import inline_items
from .recent import snippets_text

LABEL_CHARS = 60


def register(server) -> None:
    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    @handles_errors(show=False)
    async def inline_completion(ls, params: types.InlineCompletionParams):
        invoked = params.context is not None and params.context.trigger_kind == types.InlineCompletionTriggerKind.Invoked
        if ls.session.settings.next_edit.enabled:
            return await inline_items(ls, params, immediate=invoked)  # a next edit: a range replaced (lsp/next_edit.py)
        text = await complete_at(ls, params.text_document.uri, params.position, immediate=invoked)
        if not text:
            return types.InlineCompletionList(items=[])
        item = types.InlineCompletionItem(insert_text=text, range=lsp_range(params.position))
        return types.InlineCompletionList(items=[item])

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(resolve_provider=False))
    @handles_errors(show=False)
    async def completion(ls, params: types.CompletionParams):
        invoked = params.context is None or params.context.trigger_kind == types.CompletionTriggerKind.Invoked
        text = await complete_at(ls, params.text_document.uri, params.position, immediate=invoked)
        if not text:
            return types.CompletionList(is_incomplete=True, items=[])
        return types.CompletionList(is_incomplete=True, items=[completion_item(text, params.position)])


async def complete_at(ls, uri: str, position: types.Position, immediate: bool) -> str | None:
    """The text to insert at ``position``, or None (nothing, or superseded by a newer request)."""
    session = ls.session
    delay = 0.0 if immediate else session.settings.complete.debounce_ms / 1000

    async def work() -> str | None:
        buffer = open_buffer(ls, uri)  # read after the debounce: the newest text
        if not completable(buffer):
            return None
        encoding = ls.workspace.position_encoding or types.PositionEncodingKind.Utf16
        line, col = to_line_col(buffer.text, position, encoding)
        path = buffer.rel or uri
        session.recent.record(path, buffer.text, line)
        snippets = snippets_text(session.recent, path)
        result = await complete(session.engine, path, buffer.text, line, col, snippets=snippets)
        return result.text

    return await session.latest.run(uri, delay, work)


def completion_item(text: str, position: types.Position) -> types.CompletionItem:
    first = split_lines(text.strip())[0] if text.strip() else text
    return types.CompletionItem(
        label=first[:LABEL_CHARS] + ("…" if len(first) > LABEL_CHARS else ""),
        kind=types.CompletionItemKind.Text,
        detail="tether",
        sort_text="0",
        filter_text="",
        insert_text=text,
        insert_text_format=types.InsertTextFormat.PlainText,
        text_edit=types.TextEdit(range=lsp_range(position), new_text=text),
    )
