"""One definition of a line for all of tether.

A line ends at ``\\n``, ``\\r\\n`` or ``\\r`` and nowhere else, as LSP 3.17 says ("Text
Documents": the end-of-line sequences are ``\\n``, ``\\r\\n`` and ``\\r``), and as git and
editors count. ``str.splitlines`` also breaks at form feed, vertical tab, ``\\x1c``–``\\x1e``,
U+0085, U+2028 and U+2029; inside tether those are ordinary characters within a line, so
line numbers agree with the editor's and diffs apply with ``git apply``.
"""

from __future__ import annotations

import re

LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_LONE_CR = re.compile(rb"\r(?!\n)")


def split_lines(text: str, keepends: bool = False) -> list[str]:
    """The lines of ``text`` (like ``str.splitlines``, breaking only at \\n, \\r\\n, \\r).

    A final line break does not start an empty last line: ``split_lines("a\\n") == ["a"]``
    and ``split_lines("") == []``. With ``keepends`` each line keeps its own break, so
    ``"".join(split_lines(t, True)) == t`` for every ``t``.
    """
    lines = _LINE.findall(text)
    if keepends:
        return lines
    return [strip_break(line) for line in lines]


def strip_break(line: str) -> str:
    """``line`` without its trailing line break (\\r\\n, \\r or \\n), if it has one."""
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(("\n", "\r")):
        return line[:-1]
    return line


def line_break(line: str) -> str:
    """The break that ends ``line``: ``"\\r\\n"``, ``"\\r"``, ``"\\n"`` or ``""`` (none)."""
    return line[len(strip_break(line)) :]


def line_count(text: str) -> int:
    """How many lines ``split_lines(text)`` gives (0 for empty text)."""
    return len(_LINE.findall(text))


def detect_newline(text: str) -> str:
    """The file's dominant line break (``"\\n"``, ``"\\r\\n"`` or ``"\\r"``); ``"\\n"`` for none."""
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    lf = text.count("\n") - crlf
    best = max((lf, "\n"), (crlf, "\r\n"), (cr, "\r"), key=lambda pair: pair[0])
    return best[1] if best[0] else "\n"


def break_count(text: str) -> int:
    """How many line breaks ``text`` has (a \\r\\n counts once): the 0-based line of its end."""
    return len(LINE_BREAK.findall(text))


def lone_cr_as_lf(source: bytes) -> bytes:
    """UTF-8 ``source`` with each lone \\r turned into \\n, for parsers that break rows only at \\n.

    tree-sitter counts rows at \\n alone; with this, its 0-based rows are tether's lines. The
    length is unchanged, so byte offsets (and columns) still point into the original text.
    """
    return _LONE_CR.sub(b"\n", source) if b"\r" in source else source
