"""Converters between LSP shapes and tether's, named for what they return.

LSP columns count UTF-16 code units unless the client negotiated another position encoding
(UTF-8 or UTF-32, LSP 3.17 ``positionEncoding``); tether counts code points. Lines are those of
``tether.lines``: they end at \\n, \\r\\n or \\r only, as LSP 3.17 says ("Text Documents"), so form
feed, U+2028 and the like are characters inside a line for the editor, the engine and the hunks
alike, and a range the server sends matches the hunks it was built from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lsprotocol import types

from ..anchors import Located
from ..lines import line_break, split_lines, strip_break
from ..proposals import Hunk, Proposal, line_replacement
from .wire import FileOut, HunkOut, PositionIn, PositionOut, ProposalOut, ProposalSummary, RangeIn, RangeOut, SourceOut

# Dict keys that are names chosen by the user (model slots, roles), not settings fields.
_FREE_KEYS_UNDER = {"models", "roles", "limits"}
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


# -- settings ----------------------------------------------------------------------------


def snake_keys(data: Any, free: bool = False) -> Any:
    """Client settings with camelCase field names turned snake_case (slot and role names kept)."""
    if isinstance(data, Mapping):
        out = {}
        for key, value in data.items():
            name = key if free else _CAMEL.sub(r"_\1", str(key)).lower()
            out[name] = snake_keys(value, free=not free and name in _FREE_KEYS_UNDER)
        return out
    if isinstance(data, list):
        return [snake_keys(item) for item in data]
    return data


def to_settings_layer(raw: Any) -> dict[str, Any]:
    """The settings dict a client sent: ``{"tether": {...}}`` or the object itself, snake_cased."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValueError(f"client settings must be an object, not {type(raw).__name__}")
    if isinstance(raw.get("tether"), Mapping):
        raw = raw["tether"]
    return snake_keys(raw)


# -- positions ---------------------------------------------------------------------------


def _units(char: str, encoding: str) -> int:
    if encoding == types.PositionEncodingKind.Utf8:
        return len(char.encode("utf-8"))
    if encoding == types.PositionEncodingKind.Utf16:
        return 2 if ord(char) > 0xFFFF else 1
    return 1


def code_points(line: str, units: int, encoding: str) -> int:
    """Column in code points of a client column ``units`` (in ``encoding``'s units) on ``line``.

    ``line`` may keep its break; the result is clamped to the line's end (before the break), and
    a column inside a surrogate pair or a UTF-8 sequence moves to the end of that character.
    """
    line = strip_break(line)
    if encoding == types.PositionEncodingKind.Utf32:
        return min(units, len(line))
    seen = 0
    for index, char in enumerate(line):
        if seen >= units:
            return index
        seen += _units(char, encoding)
    return len(line)


def client_units(line: str, column: int, encoding: str) -> int:
    """Client column (``encoding``'s units: UTF-16 code units by default) of code-point ``column``."""
    return sum(_units(char, encoding) for char in line[:column])


def to_line_col(text: str, position: types.Position | PositionIn, encoding: str) -> tuple[int, int]:
    """0-based (line, column in code points) of an LSP position (0-based line, ``encoding`` column).

    Lines end at \\n, \\r\\n or \\r only. A line past the last one comes back as is, column 0 (the
    empty last line after a final break, or past the end: the op says so).
    """
    lines = split_lines(text, keepends=True)
    if position.line >= len(lines):
        return position.line, 0
    return position.line, code_points(lines[position.line], position.character, encoding)


def lsp_position_at(text: str, offset: int, encoding: str) -> types.Position:
    """The LSP position (0-based line, ``encoding`` column) of code-point ``offset`` in ``text``.

    An offset between the \\r and \\n of a \\r\\n is the end of that line.
    """
    lines = split_lines(text[:offset], keepends=True)
    if lines and lines[-1].endswith("\r") and text[offset : offset + 1] == "\n":
        last = strip_break(lines[-1])
        return types.Position(line=len(lines) - 1, character=client_units(last, len(last), encoding))
    if not lines or line_break(lines[-1]):
        return types.Position(line=len(lines), character=0)  # the offset starts a line
    return types.Position(line=len(lines) - 1, character=client_units(lines[-1], len(lines[-1]), encoding))


def to_line_range(text: str, rng: RangeIn | types.Range) -> tuple[int, int]:
    """Whole lines a selection covers: (first, end exclusive), 0-based.

    A selection that ends at column 0 of a later line does not include that line; an empty
    selection means the cursor's line.
    """
    start, end = rng.start.line, rng.end.line
    if end < start:
        start, end = end, start
    if rng.end.character == 0 and end > start:
        return start, end
    return start, end + 1


def lsp_text_edit(old: str, new: str, encoding: str) -> types.TextEdit:
    """The smallest whole-line TextEdit turning ``old`` into ``new``.

    Its range is in LSP positions of ``old`` (0-based lines, ``encoding`` columns: UTF-16 code
    units unless negotiated otherwise); whole lines, so it starts and ends at column 0 except at
    the end of a last line without a break.
    """
    first, last, text = line_replacement(old, new)
    lines = split_lines(old, keepends=True)
    start = sum(len(line) for line in lines[:first])
    end = sum(len(line) for line in lines[:last])
    return types.TextEdit(
        range=types.Range(start=lsp_position_at(old, start, encoding), end=lsp_position_at(old, end, encoding)),
        new_text=text,
    )


def lsp_range(start: types.Position, end: types.Position | None = None) -> types.Range:
    return types.Range(start=start, end=end or start)


# -- proposals ---------------------------------------------------------------------------


def to_sources(sources: list) -> list[SourceOut]:
    return [SourceOut.model_validate(source.model_dump()) for source in sources]


def to_hunk_out(hunk: Hunk, located: Located | None) -> HunkOut:
    """The wire hunk; with ``located``, its current status (``conflict``) and ``range``: whole lines, 0-based, end exclusive."""
    out = HunkOut.model_validate(hunk.model_dump(mode="json"))
    if located is not None:
        out.status = located.status.value
        if located.start is not None and located.end is not None:
            out.range = RangeOut(start=PositionOut(line=located.start, character=0), end=PositionOut(line=located.end, character=0))
    return out


def to_proposal_out(proposal: Proposal, uri_of: Callable[[str], str], located: dict[str, list[Located]] | None = None) -> ProposalOut:
    """The wire proposal. ``located``: each file's hunks placed in its current buffer (``ops.review.locate_proposal``);
    files missing there get no ``range`` and their stored statuses."""
    files = []
    for change in proposal.files:
        places = {loc.hunk_id: loc for loc in (located or {}).get(change.path, [])}
        files.append(
            FileOut(
                path=change.path,
                uri=uri_of(change.path),
                base_hash=change.base_hash,
                new_text=change.new_text,
                hunks=[to_hunk_out(hunk, places.get(hunk.id)) for hunk in change.hunks],
                op=change.op,
                old_path=change.old_path,
                old_uri=uri_of(change.old_path) if change.old_path else None,
            )
        )
    return ProposalOut(
        id=proposal.id,
        kind=proposal.kind,
        level=proposal.level,
        instruction=proposal.instruction,
        rationale=proposal.rationale,
        model=proposal.model,
        created_at=proposal.created_at,
        status=proposal.status,  # type: ignore[arg-type]
        warnings=list(proposal.warnings),
        sources=to_sources(proposal.sources),
        files=files,
    )


def to_summary(proposal: Proposal) -> ProposalSummary:
    return ProposalSummary(
        id=proposal.id,
        level=proposal.level,
        instruction=proposal.instruction,
        status=proposal.status,
        files=[change.path for change in proposal.files],
        hunks=sum(len(change.hunks) for change in proposal.files),
    )


def context_text(proposal: Proposal) -> str:
    """What the model saw, for a person: one line per source."""
    lines = [
        f"Proposal {proposal.id} ({proposal.level.value}) by {proposal.model or 'unknown model'}",
        f"Instruction: {proposal.instruction}",
        "What the model saw:",
    ]
    for source in proposal.sources:
        tokens = f" ({source.tokens} tokens)" if source.tokens else ""
        flag = " [untrusted reference]" if source.untrusted else ""
        lines.append(f"  - {source.label()}{tokens}{flag}")
    if not proposal.sources:
        lines.append("  (nothing recorded)")
    return "\n".join(lines) + "\n"


def path_of_uri(uri: str) -> Path | None:
    from pygls.uris import to_fs_path

    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    return Path(path) if path else None
