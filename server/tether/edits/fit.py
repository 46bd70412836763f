"""Fitting a model's new text to the file it goes into.

Models write LF, four-space indents, no BOM and whatever they saw last; a file may be CRLF,
tab-indented, two-space-indented, BOM-prefixed or without a final newline. These functions
make the reply follow the file, so the diff shows the edit and nothing else:

- ``trim_echo``: reply lines that repeat the unchanged lines just above or below a selection.
- ``fit_indent``: the file's indent character and width, and the selection's base indent.
- ``keep_line_endings``: every line the edit kept keeps its own line break; new lines get the
  file's dominant one; the final newline (or its absence) stays.
- ``split_bom`` / the BOM goes back on after the edit.

Lines are as ``tether.lines`` defines them; columns here are code points.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter

from ..errors import GenerationError
from ..lines import detect_newline, line_break, split_lines, strip_break

BOM = "\ufeff"
_LEADING = re.compile(r"^[ \t]*")


def split_bom(text: str) -> tuple[str, str]:
    """(``"\\ufeff"`` or ``""``, the text without it)."""
    return (BOM, text[1:]) if text.startswith(BOM) else ("", text)


def trim_echo(new_region: str, above: list[str], below: list[str], old_region: str) -> str:
    """``new_region`` without leading lines that repeat the lines just ``above`` the selection
    and trailing lines that repeat those just ``below`` (compared without surrounding
    whitespace), unless the old selection itself began (ended) with the same lines.

    ``above``/``below``: the file's lines before and after the selection, without breaks.
    """
    new = split_lines(new_region, keepends=True)
    old = [line.strip() for line in split_lines(old_region)]
    lead = _echo_length([line.strip() for line in new], [line.strip() for line in above], old)
    trail = _echo_length([line.strip() for line in new[lead:]][::-1], [line.strip() for line in below][::-1], old[::-1])
    if not lead and not trail:
        return new_region
    kept = new[lead : len(new) - trail]
    return "".join(kept)


def _echo_length(new: list[str], context: list[str], old: list[str]) -> int:
    """The most lines k such that new[:k] equals the last k lines of ``context``, holds some
    non-blank line, and the old region did not start with those lines too."""
    best = 0
    for k in range(1, min(len(new), len(context)) + 1):
        if new[:k] == context[len(context) - k :] and any(new[:k]) and old[:k] != new[:k]:
            best = k
    return best


def keep_line_endings(base: str, new: str) -> str:
    """``new`` (any line breaks) with the line breaks of ``base`` kept.

    Lines of ``new`` matched (by difflib) to an unchanged line of ``base``, or replacing one
    line for line, keep that line's break; other lines take the break of the nearest kept line
    above them, else the file's dominant one. Whether the last line ends with a break is
    ``new``'s choice.
    """
    old_lines = split_lines(base, keepends=True)
    new_lines = split_lines(new, keepends=True)
    new_bare = [strip_break(line) for line in new_lines]
    kept: list[str] = [""] * len(new_lines)
    matcher = difflib.SequenceMatcher(None, [strip_break(line) for line in old_lines], new_bare, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            for offset in range(j2 - j1):
                kept[j1 + offset] = line_break(old_lines[i1 + offset])
    out = []
    nearest = detect_newline(base)
    for index, line in enumerate(new_lines):
        if kept[index]:
            nearest = kept[index]
        out.append(new_bare[index] + (nearest if line_break(line) else ""))
    return "".join(out)


# -- indentation ----------------------------------------------------------------------------


def indent_style(text: str) -> tuple[str, int] | None:
    """The indentation ``text`` uses: (``"\t"``, 1) or (``" "``, width in columns; 0 when no
    step between levels shows it), or None when no line is indented. The width is the most
    common step between consecutive indent levels, counted from the text's own base indent
    (a fragment of a nested block is not taken for a wide indent)."""
    leads = [_LEADING.match(line).group(0) for line in split_lines(text) if line.strip()]  # type: ignore[union-attr]
    tabs = sum(1 for lead in leads if lead.startswith("\t"))
    spaced = [len(lead) for lead in leads if not lead.startswith("\t")]
    if not tabs and not any(spaced):
        return None
    if tabs > sum(1 for width in spaced if width):
        return "\t", 1
    steps: Counter[int] = Counter()
    previous = min(spaced, default=0)
    for width in spaced:
        if width > previous:
            steps[width - previous] += 1
        previous = width
    if not steps:
        return " ", 0
    return " ", max(steps.items(), key=lambda item: (item[1], -item[0]))[0]


def fit_indent(new_region: str, old_region: str, file_text: str, path: str) -> str:
    """``new_region`` re-indented the way the file indents.

    - The file indents with tabs and the reply with spaces: each reply indent level (its own
      width) becomes a tab; the other way round, each tab becomes one file indent level.
    - Both use spaces with different widths (2 vs 4): levels are rescaled to the file's width.
    - The reply lost the selection's base indent (starts left of the old region): the base is
      put back on every line.
    Raises GenerationError where indentation carries meaning and cannot be fitted (a Makefile
    recipe line that would start with spaces).
    """
    file_style = indent_style(file_text) or indent_style(old_region)
    if file_style is None and _is_makefile(path):
        file_style = ("\t", 1)
    reply_style = indent_style(new_region)
    lines = split_lines(new_region, keepends=True)
    if file_style and reply_style and file_style[0] == "\t" and reply_style[0] == " ":
        unit = reply_style[1] or 4
        lines = [_retab(line, unit) for line in lines]
    elif file_style and reply_style and file_style[0] == " " and reply_style[0] == "\t":
        unit = file_style[1] or 4
        lines = [_untab(line, unit) for line in lines]
    elif (
        file_style
        and reply_style
        and file_style[0] == " " == reply_style[0]
        and file_style[1]
        and reply_style[1]
        and file_style[1] != reply_style[1]
        and _consistent(lines, reply_style[1])
    ):
        lines = [_rescale(line, reply_style[1], file_style[1]) for line in lines]
    lines = _rebase(lines, split_lines(old_region))
    fitted = "".join(lines)
    if _is_makefile(path):
        _check_recipes(fitted, path)
    return fitted


def _retab(line: str, unit: int) -> str:
    lead = _LEADING.match(line).group(0)  # type: ignore[union-attr]
    if "\t" in lead or not lead:
        return line
    levels, rest = divmod(len(lead), unit)
    return "\t" * levels + " " * rest + line[len(lead) :]


def _untab(line: str, unit: int) -> str:
    lead = _LEADING.match(line).group(0)  # type: ignore[union-attr]
    return " " * (lead.count("\t") * unit + lead.count(" ")) + line[len(lead) :]


def _consistent(lines: list[str], width: int) -> bool:
    """Every indented line's indent is a multiple of ``width`` spaces."""
    for line in lines:
        lead = _LEADING.match(line).group(0)  # type: ignore[union-attr]
        if line.strip() and ("\t" in lead or len(lead) % width):
            return False
    return True


def _rescale(line: str, old_width: int, new_width: int) -> str:
    lead = _LEADING.match(line).group(0)  # type: ignore[union-attr]
    if not line.strip():
        return line
    return " " * (len(lead) // old_width * new_width) + line[len(lead) :]


def _rebase(lines: list[str], old: list[str]) -> list[str]:
    """Put back the old region's base indent on a reply that lost all of it (starts at column 0)."""
    old_base = _base(old)
    new_base = _base([strip_break(line) for line in lines])
    if not old_base or new_base != "":
        return lines
    return [old_base + line if line.strip() else line for line in lines]


def _base(lines: list[str]) -> str | None:
    """The smallest indent of the non-blank lines, if every one of them starts with it."""
    leads = [_LEADING.match(line).group(0) for line in lines if line.strip()]  # type: ignore[union-attr]
    if not leads:
        return None
    base = min(leads, key=lambda lead: len(lead.expandtabs(4)))
    return base if all(lead.startswith(base) for lead in leads) else None


def _is_makefile(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    return name in ("makefile", "gnumakefile") or name.endswith((".mk", ".mak"))


_RULE = re.compile(r"^[^\s#=:][^=]*?:(?!=)")


def _check_recipes(text: str, path: str) -> None:
    """A Makefile line indented with spaces right after a rule or recipe line would not run."""
    in_rule = False
    for number, line in enumerate(split_lines(text), 1):
        if not line.strip():
            continue
        if line.startswith("\t"):
            continue
        if line.startswith(" ") and in_rule and not line.lstrip().startswith("#"):
            # Not fixable here: tabs in a Makefile recipe are syntax, and this line had no tab.
            raise GenerationError(
                f"Line {number} of the new {path} is a recipe line indented with spaces; Makefile recipes must start with a tab.",
                ask="Indent recipe lines with one tab.",
                kind="indentation",
            )
        in_rule = bool(_RULE.match(line)) and not line.startswith(" ")
