"""Whole-region rewrites: the model's reply becomes the new text of the region.

The region is shown in a fence longer than any backtick run in it, and the reply is primed
with that fence where the backend can prime. ``rewrite_region`` reads the code out of the reply
(``edits.reply``), drops lines that echo the code around a selection, fits indentation and
line endings to the file (``edits.fit``), and refuses a reply that is empty, elides code or,
for a whole file, is only a piece of it (``edits.elision``). Each refusal is a GenerationError
with a kind, re-asked by the loop.
"""

from __future__ import annotations

from ..errors import GenerationError
from ..lines import split_lines
from .elision import check_elision, check_fragment
from .fit import fit_indent, trim_echo
from .piece import find_piece
from .reply import check_form, extract_code
from .sections import check_sections


def fit_region(new_region: str, old_region: str) -> str:
    """Give back the blank tail the model never saw.

    The prompt shows the region without its trailing blank lines (``rstrip``), so they are
    re-attached as they were; a region at the end of a file without a final newline stays so.
    """
    if not old_region.strip():
        return new_region
    tail = old_region[len(old_region.rstrip()) :]
    return new_region.rstrip() + tail


def check_rewrite(new_region: str, old_region: str, lang: str) -> None:
    """Refuse a rewrite that would lose code: empty, or code elided behind a placeholder."""
    if old_region.strip() and not new_region.strip():
        raise GenerationError("The reply was empty.", kind="empty", ask="Write the complete rewritten code.")
    check_elision(old_region, new_region, lang)


def rewrite_region(reply: str, text: str, start: int, end: int, path: str, lang: str, instruction: str = "") -> str:
    """The file ``text`` with lines [start, end) (0-based) replaced by the code in ``reply``.

    ``reply``: the whole reply, primed fence included. Line breaks are still the model's (the
    caller restores the file's with ``fit.keep_line_endings``). For a whole file, a reply
    that is one bounded piece of it rewrites just those lines (``edits.piece``), and a reply
    that leaves out sections ``instruction`` does not name is refused (``edits.sections``).
    Raises GenerationError.
    """
    lines = split_lines(text, keepends=True)
    old_region = "".join(lines[start:end])
    whole = start == 0 and end >= len(lines)
    code = extract_code(reply, old_region)
    check_form(code, old_region)
    code = code.replace("\r\n", "\n").replace("\r", "\n")
    if whole:
        new_text = _rewrite_whole(reply, code, text, path, lang)
        check_sections(path, text, new_text, instruction)
        return new_text
    code = trim_echo(code, split_lines("".join(lines[:start])), split_lines("".join(lines[end:])), old_region)
    check_rewrite(code, old_region, lang)
    code = fit_indent(code, old_region, text, path)
    new_region = fit_region(code, old_region)
    if new_region and not new_region.endswith(("\n", "\r")) and end < len(lines):
        new_region += "\n"
    return "".join(lines[:start]) + new_region + "".join(lines[end:])


def _rewrite_whole(reply: str, code: str, text: str, path: str, lang: str) -> str:
    """A whole-file reply fitted to ``text``; a too-short one that is a bounded piece of it
    (``edits.piece``) rewrites just that piece. Raises GenerationError: empty and elided
    before ``fragment``/``wrong file``, the better-named refusals."""
    try:
        # Lines are compared stripped, so the check holds for the fitted text too.
        check_fragment(text, code)
    except GenerationError as exc:
        piece = find_piece(code, text) if exc.kind == "fragment" else None
        if piece is not None:
            return rewrite_region(reply, text, piece[0], piece[1], path, lang)
        check_rewrite(code, text, lang)
        raise
    check_rewrite(code, text, lang)
    return fit_region(fit_indent(code, text, text, path), text)
