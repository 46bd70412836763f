"""Prompts for completion at the cursor: FIM parts, or a plain prefix for models without FIM.

The prefix starts at a line that only moves every WINDOW_STEP lines, so consecutive keystrokes
share the same prompt start and llama.cpp reuses the evaluated KV prefix instead of
re-reading the whole window.
"""

from __future__ import annotations

from ..backends.base import FimParts

WINDOW_STEP = 32


def fim_parts(text: str, offset: int, max_prefix_chars: int, max_suffix_chars: int, snippets: str = "") -> FimParts:
    prefix = text[:offset]
    lines = prefix.splitlines(keepends=True)
    cursor_line = max(len(lines) - 1, 0)
    start_line = 0
    # Step the window start forward in fixed strides until the prefix fits.
    while len("".join(lines[start_line:])) > max_prefix_chars and start_line < cursor_line:
        start_line = min(start_line + WINDOW_STEP, cursor_line)
    prefix = snippets + "".join(lines[start_line:])
    suffix = text[offset:]
    if len(suffix) > max_suffix_chars:
        cut = suffix.rfind("\n", 0, max_suffix_chars)
        suffix = suffix[: cut + 1 if cut > 0 else max_suffix_chars]
    return FimParts(prefix=prefix, suffix=suffix)
