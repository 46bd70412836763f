"""A whole-file reply that is one piece of the file, found by the lines that bound it.

Asked for a whole file, models often give back only the part they changed: a function, a
section. ``find_piece`` says which lines of the file such a reply rewrites, so the op can
treat it as a rewrite of those lines (as if they had been selected) instead of a file cut
short. The reply must be bounded: its first and last non-blank lines each occur once in the
file (compared stripped), in that order, and it keeps at least ``PIECE_KEPT_SHARE`` of the
bounded lines; anything else stays a ``fragment`` refusal.
"""

from __future__ import annotations

import difflib

from ..lines import split_lines

PIECE_KEPT_SHARE = 0.5


def find_piece(reply: str, text: str) -> tuple[int, int] | None:
    """Lines [start, end) (0-based) of ``text`` that ``reply`` rewrites, or None when the
    reply is not bounded by two distinct lines that each occur once in ``text``."""
    reply_lines = [line.strip() for line in split_lines(reply) if line.strip()]
    if len(reply_lines) < 2:
        return None
    stripped = [line.strip() for line in split_lines(text)]
    first, last = _only_index(stripped, reply_lines[0]), _only_index(stripped, reply_lines[-1])
    if first is None or last is None or last <= first:
        return None
    bounded = [line for line in stripped[first : last + 1] if line]
    matcher = difflib.SequenceMatcher(None, bounded, reply_lines, autojunk=False)
    kept = sum(block.size for block in matcher.get_matching_blocks())
    if kept < PIECE_KEPT_SHARE * len(bounded):
        return None
    return first, last + 1


def _only_index(lines: list[str], line: str) -> int | None:
    if not any(ch.isalnum() for ch in line):
        return None  # a brace or a fence bounds nothing
    found = [index for index, candidate in enumerate(lines) if candidate == line]
    return found[0] if len(found) == 1 else None
