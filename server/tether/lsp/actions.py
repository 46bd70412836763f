"""``textDocument/codeAction``: the slider's edit operations offered on a range.

"tether: Edit selection…" and "tether: Edit file…" carry the commands ``tether.editSelection``
``[{uri, range}]`` and ``tether.editFile`` ``[{uri}]``; the client asks the user for the
instruction and adds it before executing. Only levels up to the slider's position are offered.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from ..slider import Level
from .documents import workspace_rel


def register(server) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.RefactorRewrite]),
    )
    def code_action(ls, params: types.CodeActionParams):
        if workspace_rel(ls, params.text_document.uri) is None or not wanted(params.context.only):
            return []
        return code_actions(ls.session.settings.level, params.text_document.uri, params.range)


def wanted(only: Sequence[types.CodeActionKind | str] | None) -> bool:
    """Whether the client's ``context.only`` filter lets refactor.rewrite actions through.

    ``only`` holds kinds as lsprotocol types them: enum members or plain strings (custom kinds);
    a member is compared by its value (an f-string of one gives ``CodeActionKind.Refactor``).
    """
    if not only:
        return True
    kind = types.CodeActionKind.RefactorRewrite.value
    names = [k.value if isinstance(k, types.CodeActionKind) else k for k in only]
    return any(kind == name or kind.startswith(f"{name}.") for name in names)


def code_actions(level: Level, uri: str, rng: types.Range) -> list[types.CodeAction]:
    as_dict = {
        "start": {"line": rng.start.line, "character": rng.start.character},
        "end": {"line": rng.end.line, "character": rng.end.character},
    }
    offers = [
        (Level.SELECTION, "tether: Edit selection…", "tether.editSelection", {"uri": uri, "range": as_dict}),
        (Level.FILE, "tether: Edit file…", "tether.editFile", {"uri": uri}),
    ]
    return [
        types.CodeAction(
            title=title,
            kind=types.CodeActionKind.RefactorRewrite,
            command=types.Command(title=title, command=command, arguments=[argument]),
        )
        for needed, title, command, argument in offers
        if needed <= level
    ]
