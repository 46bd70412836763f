"""Prompts for completion at the cursor: FIM parts, or a plain prefix for models without FIM.

The prefix starts at a line that only moves every WINDOW_STEP lines, so consecutive keystrokes
share the same prompt start and llama.cpp reuses the evaluated KV prefix instead of
re-reading the whole window.
"""

from __future__ import annotations

from ..backends.base import FimParts
from ..lines import split_lines

WINDOW_STEP = 32


def fim_parts(text: str, offset: int, max_prefix_chars: int, max_suffix_chars: int, snippets: str = "") -> FimParts:
    """Prefix and suffix around code-point ``offset`` in ``text``, cut at line starts/ends.

    ``max_prefix_chars`` / ``max_suffix_chars`` are in characters (code points); lines are those
    of ``tether.lines`` (\\n, \\r\\n, \\r). ``snippets`` goes before the prefix, uncounted.
    """
    prefix = text[:offset]
    lines = split_lines(prefix, keepends=True)
    cursor_line = max(len(lines) - 1, 0)
    start_line = 0
    # Step the window start forward in fixed strides until the prefix fits.
    while len("".join(lines[start_line:])) > max_prefix_chars and start_line < cursor_line:
        start_line = min(start_line + WINDOW_STEP, cursor_line)
    prefix = snippets + "".join(lines[start_line:])
    suffix = text[offset:]
    if len(suffix) > max_suffix_chars:
        # Whole lines, breaks included, that fit; else (nothing but a break fits) a plain cut.
        end = 0
        for line in split_lines(suffix, keepends=True):
            if end + len(line) > max_suffix_chars:
                break
            end += len(line)
        suffix = suffix[:end] if end > 1 else suffix[:max_suffix_chars]
    return FimParts(prefix=prefix, suffix=suffix)
