"""Elided code, found by structure rather than by wording.

Models shorten long rewrites by leaving code out and putting a comment where it was
(``# ... rest of the code unchanged``, ``// 其余代码不变``, ``<!-- same as before -->``).
Whatever the comment says, the shape is the same: in the line diff of old and new region, a
changed block where code lines are gone and a comment line that was not there before stands
in their place. ``find_elision`` looks for that shape; ``find_fragment`` for its cousin, a
whole-file reply that is only a piece of the file.
"""

from __future__ import annotations

import difflib

from ..errors import GenerationError
from ..lines import split_lines

# Code lines a block must lose, net, for a new comment in it to count as a placeholder.
MIN_LOST_LINES = 2
# A whole-file reply that keeps less than this share of the file's non-blank lines is a fragment.
FRAGMENT_SHARE = 0.5
FRAGMENT_MIN_LINES = 10
FOREIGN_SHARE = 0.2
FOREIGN_MIN_LINES = 3

_COMMENT_PREFIXES = {
    "#": ("#",),
    "//": ("//", "/*", "*", "*/"),
    "--": ("--",),
    ";": (";",),
    "%": ("%",),
    "<!--": ("<!--",),
}
_LANG_COMMENTS = {
    "python": "#",
    "ruby": "#",
    "bash": "#",
    "sh": "#",
    "shell": "#",
    "toml": "#",
    "yaml": "#",
    "make": "#",
    "makefile": "#",
    "r": "#",
    "perl": "#",
    "dockerfile": "#",
    "ini": ";",
    "c": "//",
    "cpp": "//",
    "java": "//",
    "javascript": "//",
    "typescript": "//",
    "tsx": "//",
    "go": "//",
    "rust": "//",
    "kotlin": "//",
    "swift": "//",
    "csharp": "//",
    "scala": "//",
    "php": "//",
    "css": "//",
    "json": "//",
    "jsonc": "//",
    "sql": "--",
    "lua": "--",
    "haskell": "--",
    "lisp": ";",
    "clojure": ";",
    "scheme": ";",
    "elisp": ";",
    "tex": "%",
    "latex": "%",
    "erlang": "%",
    "matlab": "%",
    "markdown": "<!--",
    "html": "<!--",
    "xml": "<!--",
    "svg": "<!--",
}
# Placeholders that are no language's code.
_ELLIPSES = ("...", "…", "[...]", "[…]", "(...)")


def is_placeholder(line: str, lang: str) -> bool:
    """Whether ``line`` is a comment (in ``lang``) or a bare ellipsis (Python's ``...`` too:
    a stub body, but a placeholder where definitions were)."""
    text = line.strip()
    if not text:
        return False
    if text in _ELLIPSES:
        return True
    style = _LANG_COMMENTS.get(lang.lower())
    prefixes = _COMMENT_PREFIXES[style] if style else ("#", "//", "/*", "--", "<!--")
    return text.startswith(prefixes)


def find_elision(old: str, new: str, lang: str) -> str | None:
    """The placeholder line standing where code was, or None.

    ``old``/``new``: the region before and after. A block of the line diff counts when the new
    side adds a comment line that is not in ``old`` (and is not one of the removed lines
    commented out) and the old side loses at least ``MIN_LOST_LINES`` more code lines than the
    new side adds (one, when the comment holds an ellipsis, the mark of elision in any language).
    """
    old_lines = split_lines(old)
    new_lines = split_lines(new)
    present = {line.strip() for line in old_lines}
    matcher = difflib.SequenceMatcher(None, [line.strip() for line in old_lines], [line.strip() for line in new_lines], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag not in ("replace", "insert"):
            continue
        added = new_lines[j1:j2]
        removed = [line.strip() for line in old_lines[i1:i2] if line.strip() and not is_placeholder(line, lang)]
        # Commented-out code is an edit, not an elision: the comment is a removed line behind a marker.
        markers = [
            line for line in added if is_placeholder(line, lang) and line.strip() not in present and _comment_body(line) not in removed
        ]
        if not markers:
            continue
        gained = sum(1 for line in added if line.strip() and not is_placeholder(line, lang))
        net = len(removed) - gained
        # An ellipsis marks elision in any language, except Python's bare `...`, a stub body.
        marked = [m for m in markers if ("..." in m or "…" in m) and not (lang == "python" and m.strip() == "...")]
        if net >= MIN_LOST_LINES or (net >= 1 and marked):
            return markers[0].strip()
    return None


def _comment_body(line: str) -> str:
    """A comment line without its marker(s): ``# return x`` -> ``return x``."""
    return line.strip().lstrip("#/*-;%<!").strip().removesuffix("-->").removesuffix("*/").strip()


def check_elision(old: str, new: str, lang: str) -> None:
    """Raise GenerationError (kind ``elided``) when ``find_elision`` finds a placeholder."""
    marker = find_elision(old, new, lang)
    if marker is not None:
        raise GenerationError(
            f"The reply elides existing code, putting {marker[:60]!r} in its place.",
            ask="Write every line of the code in full, changed or not.",
            kind="elided",
        )


def check_fragment(old: str, new: str) -> None:
    """Raise GenerationError (kind ``fragment``) when a whole-file reply is not the whole file.

    The reply has fewer than ``FRAGMENT_SHARE`` of the file's non-blank lines (a piece of it;
    files of ``FRAGMENT_MIN_LINES`` or more), or keeps fewer than ``FOREIGN_SHARE`` of them
    unchanged (another file, or the file rewritten past recognition; files of
    ``FOREIGN_MIN_LINES`` or more).
    """
    old_lines = [line.strip() for line in split_lines(old) if line.strip()]
    if len(old_lines) < FOREIGN_MIN_LINES:
        return
    new_lines = [line.strip() for line in split_lines(new) if line.strip()]
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    kept = sum(block.size for block in matcher.get_matching_blocks())
    if len(old_lines) >= FRAGMENT_MIN_LINES and len(new_lines) < FRAGMENT_SHARE * len(old_lines):
        raise GenerationError(
            f"The reply has {len(new_lines)} lines for a file of {len(old_lines)}: it looks like a piece of the file, not the whole file.",
            ask="Reply with the complete file.",
            kind="fragment",
        )
    if kept < FOREIGN_SHARE * len(old_lines):
        raise GenerationError(
            f"The reply keeps only {kept} of the file's {len(old_lines)} lines unchanged: it does not look like this file edited.",
            ask="Reply with the complete file, changing only what the instruction asks.",
            kind="wrong file",
        )
