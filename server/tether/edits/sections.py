"""Sections a whole-file reply dropped: structure lost without a placeholder.

A model asked for a whole file sometimes gives it back without parts the instruction never
mentioned: a TOML table, a markdown section, a function. The reply is still valid TOML,
markdown or Python and keeps most lines, so neither the parse check nor ``check_fragment``
sees it. The structure does: every section of the old file (a TOML/INI table header, a
markdown heading, a definition tree-sitter's tag queries find) whose name is gone from the
reply, with its body gone too (so not merely renamed), is dropped. A dropped section the
instruction names, or any when it asks for removal in general words, is an asked-for
deletion; any other refuses the reply (kind ``dropped``). The same count catches the reply
that writes the file out twice (kind ``repeated``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import NamedTuple

from ..code.syntax import GRAMMARS
from ..code.tags import DEF_QUERIES, extract_tags
from ..errors import GenerationError
from ..languages import language_for
from ..lines import split_lines
from .reply import code_blocks

# Instructions that ask for parts to go, in general terms ("remove every function except add",
# "merge the two sections", "simplify the README"): sections they drop are not held against
# the reply. English only; in another language, name the sections to drop.
_REMOVAL = re.compile(
    r"\b(remove|removing|delete|deleting|drop|dropping|strip|eliminate|prune|get rid of|clean ?up|"
    r"trim|only keep|keep only|except|merge|combine|consolidate|inline|move|split|replace|"
    r"rewrite|restructure|reorgani[sz]e|refactor|convert|migrate|collapse|flatten|unify|simplify|"
    r"shorten|condense|deduplicate|dedupe)\b",
    re.IGNORECASE,
)

# A section whose body lines are at least this share still in the reply was renamed or
# re-headed, not dropped.
KEPT_BODY_SHARE = 0.5

_TABLE = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(?:[#;].*)?$")
_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_TABLE_LANGS = {"toml", "ini"}
_TABLE_SUFFIXES = (".toml", ".ini", ".cfg", ".conf")


class Section(NamedTuple):
    """One section of a file. ``header``: its header line, stripped (as shown in an error);
    ``name``: what an instruction calls it (table name, heading text, definition name);
    ``body``: its other non-blank lines, stripped."""

    header: str
    name: str
    body: tuple[str, ...]


def sections(path: str, text: str) -> list[Section]:
    """The sections of ``text`` read as the language of ``path``; [] where there is no rule.

    Tables for TOML/INI (``[name]``, ``[[name]]``: body up to the next header), ATX headings
    for markdown outside code fences (body up to the next heading), and definitions found by
    ``code.tags`` (classes, functions, methods...; body = the definition's other lines)
    for languages with a tree-sitter grammar.
    """
    lines = split_lines(text)
    lang = language_for(path)
    if lang in _TABLE_LANGS or path.lower().endswith(_TABLE_SUFFIXES):
        return _headed(lines, _table_header, skip=set())
    if lang == "markdown":
        return _headed(lines, _heading, skip=_in_code_blocks(lines))
    return _definitions(lang, text, lines)


def _in_code_blocks(lines: list[str]) -> set[int]:
    """Indexes of lines inside fenced code blocks, fences included (``reply.code_blocks``)."""
    blocks, unclosed = code_blocks(lines)
    inside = {index for opening, closing in blocks for index in range(opening.index, closing.index + 1)}
    if unclosed is not None:
        inside.update(range(unclosed.index, len(lines)))
    return inside


def _table_header(line: str) -> str | None:
    match = _TABLE.match(line)
    return match.group(1).strip() if match else None


def _heading(line: str) -> str | None:
    match = _ATX.match(line)
    return match.group(2).strip() if match else None


def _headed(lines: list[str], header_of: Callable[[str], str | None], skip: set[int]) -> list[Section]:
    found: list[Section] = []
    current: tuple[str, str] | None = None
    body: list[str] = []
    for index, line in enumerate(lines):
        name = None if index in skip else header_of(line)
        if name is not None:
            if current is not None:
                found.append(Section(current[0], current[1], tuple(body)))
            current, body = (line.strip(), name), []
        elif current is not None and line.strip():
            body.append(line.strip())
    if current is not None:
        found.append(Section(current[0], current[1], tuple(body)))
    return found


def _definitions(lang: str, text: str, lines: list[str]) -> list[Section]:
    if lang not in GRAMMARS or lang not in DEF_QUERIES:
        return []
    found = []
    for definition in extract_tags(lang, text.encode("utf-8")).defs:
        span = lines[definition.line : definition.end_line + 1]
        if not span:
            continue
        body = tuple(line.strip() for line in span[1:] if line.strip())
        found.append(Section(span[0].strip(), definition.name, body))
    return found


def dropped_sections(path: str, old: str, new: str, instruction: str) -> list[Section]:
    """Sections of ``old`` that ``new`` lost and ``instruction`` does not name.

    A section is lost when ``new`` has fewer sections of its name than ``old`` (so a changed
    value or signature is not a loss) and fewer than ``KEPT_BODY_SHARE`` of its body lines
    are still in ``new`` (so a rename is not either). It is named when its name occurs in the
    instruction as a whole word, case-insensitively. An instruction that asks for parts to go
    in general terms (``_REMOVAL``: remove, merge, simplify...) loses nothing to this check.
    """
    before = sections(path, old)
    if not before or _REMOVAL.search(instruction):
        return []
    return _lost(before, sections(path, new), new, instruction)


def _lost(before: list[Section], after: list[Section], new: str, instruction: str) -> list[Section]:
    names_before = Counter(section.name for section in before)
    names_after = Counter(section.name for section in after)
    new_lines = {line.strip() for line in split_lines(new) if line.strip()}
    lost = []
    for section in before:
        if names_after[section.name] >= names_before[section.name]:
            continue
        kept = sum(1 for line in section.body if line in new_lines)
        if section.body and kept >= KEPT_BODY_SHARE * len(section.body):
            continue
        if _named(section.name, instruction):
            continue
        lost.append(section)
    return lost


def _doubled(before_sections: list[Section], after_sections: list[Section]) -> list[str]:
    before = Counter(section.name for section in before_sections)
    if len(before) < 2:
        return []
    after = Counter(section.name for section in after_sections)
    doubled = [name for name, count in before.items() if after[name] >= 2 * count]
    return doubled if len(doubled) >= max(2, len(before) / 2) else []


def _named(name: str, instruction: str) -> bool:
    words = " ".join(name.split())
    return bool(words) and re.search(rf"(?<!\w){re.escape(words)}(?!\w)", " ".join(instruction.split()), re.IGNORECASE) is not None


def check_sections(path: str, old: str, new: str, instruction: str) -> None:
    """Raise GenerationError when a whole-file reply lost sections the instruction does not
    name (kind ``dropped``, ``dropped_sections``) or holds the file twice (kind
    ``repeated``: at least half of its distinct section names, and at least two, appear twice
    as often as before: the file written out twice, which parses and keeps every line)."""
    before = sections(path, old)
    if not before:
        return
    after = sections(path, new)  # each text parsed once for both checks
    doubled = _doubled(before, after)
    if doubled:
        raise GenerationError(
            f"The reply writes the file twice ({', '.join(repr(name) for name in doubled[:4])} appear twice as often).",
            ask="Reply with the file once.",
            kind="repeated",
        )
    lost = [] if _REMOVAL.search(instruction) else _lost(before, after, new, instruction)
    if lost:
        shown = ", ".join(repr(section.header[:60]) for section in lost[:4])
        more = f" and {len(lost) - 4} more" if len(lost) > 4 else ""
        raise GenerationError(
            f"The reply leaves out {shown}{more}, which the instruction does not mention.",
            ask="Reply with the complete file, keeping every part the instruction does not ask to change.",
            kind="dropped",
        )
