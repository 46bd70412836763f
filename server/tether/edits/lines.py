"""Line-region edits: one JSON object that replaces a run of lines, bound by a schema.

    {"after_line": 3, "remove": 2, "insert": "new code\\nmore code\\n"}

removes ``remove`` lines after line ``after_line`` (0: the top of the file) and puts ``insert``
there. The schema lists the valid line numbers as enums and bounds the text, so on llama.cpp
(grammar-constrained) every reply is well-formed and applies; elsewhere the same checks run
after parsing. What the edit *does* is still validated: elided code and new syntax errors are
re-asked like any other edit.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..backends.jsonout import extract_json
from ..errors import GenerationError
from ..lines import detect_newline, line_count, split_lines
from .elision import check_elision

INSERT_MIN_CHARS = 400
INSERT_MAX_CHARS = 4000


class LineEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    after_line: int = Field(ge=0)
    remove: int = Field(ge=0)
    insert: str


def insert_limit(text: str) -> int:
    """The longest ``insert`` allowed: room to rewrite the whole file twice over, within bounds."""
    return max(INSERT_MIN_CHARS, min(INSERT_MAX_CHARS, 2 * len(text) + 200))


def line_edit_schema(text: str) -> dict[str, Any]:
    count = line_count(text)
    lines = list(range(count + 1))
    return {
        "type": "object",
        "properties": {
            "after_line": {"enum": lines},
            "remove": {"enum": lines},
            "insert": {"type": "string", "maxLength": insert_limit(text)},
        },
        "required": ["after_line", "remove", "insert"],
        "additionalProperties": False,
    }


def line_edit_max_tokens(text: str) -> int:
    """Enough tokens for the longest reply the schema allows (at worst a token per character)."""
    return insert_limit(text) + 64


def parse_line_edit(reply: str, text: str) -> LineEdit:
    """The reply as a LineEdit inside ``text``'s bounds, or a GenerationError to re-ask with."""
    try:
        # strict=False: llama.cpp's JSON grammar lets raw newlines into strings; they mean what they say.
        data = json.loads(reply, strict=False)
    except ValueError:
        data = extract_json(reply)
    try:
        edit = LineEdit.model_validate(data)
    except ValidationError as exc:
        raise GenerationError(
            "The reply is not an edit object "
            '{"after_line": N, "remove": N, "insert": "text"}: '
            + "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3])
        ) from exc
    count = line_count(text)
    if edit.after_line > count:
        raise GenerationError(f"after_line {edit.after_line} is past the end of the file ({count} lines).")
    if len(edit.insert) > insert_limit(text):
        raise GenerationError(f"insert is {len(edit.insert)} characters; at most {insert_limit(text)} are allowed.")
    return edit


def apply_line_edit(text: str, edit: LineEdit, truncated: bool = False) -> str:
    """``text`` with the edit applied (``remove`` is clamped to the end of the file)."""
    if truncated:
        raise GenerationError("The reply was cut off at the token limit.", kind="truncated", ask="Reply with one complete, shorter edit.")
    lines = split_lines(text, keepends=True)
    start = edit.after_line
    end = min(len(lines), start + edit.remove)
    removed = "".join(lines[start:end])
    newline = detect_newline(text)
    insert = edit.insert.replace("\r\n", "\n")
    check_elision(removed, insert, "")  # no comment standing where code was
    if insert and not insert.endswith("\n") and (end < len(lines) or removed.endswith(("\n", "\r\n"))):
        insert += "\n"
    if start == len(lines) and lines and not lines[-1].endswith("\n") and insert:
        lines[-1] += newline  # appending after a last line that had no newline
    if newline != "\n":
        insert = insert.replace("\n", newline)
    return "".join(lines[:start]) + insert + "".join(lines[end:])
