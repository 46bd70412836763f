"""Text at the boundary: every string a client sends is valid Unicode before tether reads it.

JSON lets a client send half of a UTF-16 surrogate pair (``"\\ud83d"``, what ``JSON.stringify``
writes for a JavaScript string cut inside an emoji); Python keeps it as a lone surrogate, which
no UTF-8 encoder accepts, so one such buffer would fail every request whose prompt included
it. ``repair_json`` replaces each lone surrogate with U+FFFD (REPLACEMENT CHARACTER) and joins
split pairs into their character. Both keep UTF-16 lengths, so positions the client sends later
still point at the same text. Lone surrogates are the only code points a JSON string can hold
that UTF-8 cannot encode. ``documents.editable`` refuses to edit a buffer that was repaired
while a U+FFFD remains, so tether never writes its repaired copy over the client's text.
"""

from __future__ import annotations

import re
from typing import Any

from ..lines import break_count

_SURROGATE = re.compile("[\ud800-\udfff]")


def repair_text(text: str) -> tuple[str, int]:
    """``text`` with lone surrogates replaced by U+FFFD and split pairs joined; and how many were replaced."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text, 0
    fixed = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return fixed, fixed.count("\ufffd") - text.count("\ufffd")


def repair_json(value: Any) -> tuple[Any, int]:
    """A parsed JSON value with every string (keys too) repaired, changed in place; and the count.

    Iterative, so a deeply nested message cannot exhaust the stack.
    """
    value, total = _repair_scalar(value)
    stack = [value] if isinstance(value, (dict, list)) else []
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in list(node):
                item, count = _repair_scalar(node[key])
                fixed_key, key_count = repair_text(key) if isinstance(key, str) else (key, 0)
                if key_count:
                    del node[key]
                node[fixed_key] = item
                total += count + key_count
                if isinstance(item, (dict, list)):
                    stack.append(item)
        else:
            for index, element in enumerate(node):
                item, count = _repair_scalar(element)
                node[index] = item
                total += count
                if isinstance(item, (dict, list)):
                    stack.append(item)
    return value, total


def _repair_scalar(value: Any) -> tuple[Any, int]:
    return repair_text(value) if isinstance(value, str) else (value, 0)


def first_line_with(text: str, char: str) -> int:
    """1-based line of the first ``char`` in ``text`` (lines as LSP counts them), 0 when absent."""
    at = text.find(char)
    return 0 if at < 0 else break_count(text[:at]) + 1
