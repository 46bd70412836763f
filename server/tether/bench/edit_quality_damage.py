"""What counts as a DAMAGED file in `tether bench edit-quality`: a mechanical definition.

A proposal is judged by the file it yields once applied (the bench applies its diff with
``git apply`` and reads the bytes back). It damages the file when any of these holds:

(a) parse: the file parsed before and no longer does. Python: ``ast.parse``; TOML:
    ``tomllib``; JSON: ``json``; markdown: every code fence (``` or ~~~, CommonMark 0.31
    §4.5) is closed, so a fence the edit opens and never closes swallows the rest of the file.
    A leading byte order mark is ignored for parsing, as Python and most tools do.
(b) region: it changes lines outside the task's allowed region. Selection edits: any line
    before or after the selection changes (text or line break). Whole-file edits: one of the
    task's anchor lines (compared without its line break) is gone. Both: another file changes.
(c) form: it changes the line break of a line whose text it kept, adds or removes the byte
    order mark, adds or drops the file's final newline, or writes a line break the file did
    not use before (LF lines in a CRLF file).

A task that ends in an error (no proposal) never damages anything; "damaged" is about what a
person would get by accepting every hunk.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
import tomllib
import warnings
from pathlib import PurePosixPath

from ..lines import line_break, split_lines

BOM = "\ufeff"
GROWTH_FACTOR = 5
GROWTH_LINES = 20
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_ARTEFACT = re.compile(r"</?think>|</?thinking>|<\|[a-z_]+\|>|^\s*```|\b(?:Here is|Here's) the\b", re.IGNORECASE)


def damage(path: str, before: str, after: str, selection: tuple[int, int] | None, anchors: list[str]) -> list[str]:
    """Reasons the edit from ``before`` to ``after`` damages ``path``; empty when it does not.

    ``selection``: (start, end), 0-based lines, end exclusive, or None for a whole-file edit;
    ``anchors``: lines (no line break) a whole-file edit must keep. Each reason starts with its
    kind: ``parse:``, ``region:`` or ``form:``.
    """
    reasons = parse_damage(path, before, after)
    if selection is not None:
        reasons += outside_selection(before, after, *selection)
    reasons += missing_anchors(after, anchors)
    reasons += form_damage(before, after)
    return reasons


def warnings_for(path: str, before: str, after: str, selection: tuple[int, int] | None, anchors: list[str] | None = None) -> list[str]:
    """Signs of a reply read carelessly that are NOT damage (the file still parses, nothing
    outside the region changed): reply artefacts (reasoning tags, chat-template tokens, fences,
    "Here is") in added lines; a selection edit that copies in lines from outside it (the whole
    file written where a selection was asked for) or grows past ``GROWTH_FACTOR`` times and
    ``GROWTH_LINES`` lines (another file pasted in); anchor lines that now occur more often
    (a whole file written twice)."""
    old = split_lines(before)
    new = split_lines(after)
    added = [line for line in new if line not in set(old)]
    found = []
    markdown = PurePosixPath(path).suffix.lower() in (".md", ".markdown")
    artefacts = sorted(
        {m.group(0).strip() for line in added for m in _ARTEFACT.finditer(line) if not (markdown and m.group(0).strip().startswith("```"))}
    )
    if artefacts:
        found.append(f"artefact: added lines hold {', '.join(artefacts)}")
    if selection is not None:
        start, end = selection
        outside = {line.strip() for line in old[:start] + old[end:] if len(line.strip()) > 3}
        inside = {line.strip() for line in old[start:end]}
        tail = len(old) - end
        region = new[start : len(new) - tail if tail else len(new)]
        echoed = {line.strip() for line in region if line.strip() in outside and line.strip() not in inside}
        if len(echoed) >= 3:
            found.append(f"echo: the selection's new text repeats {len(echoed)} lines from outside it")
        if len(region) > max(GROWTH_FACTOR * (end - start), end - start + GROWTH_LINES):
            found.append(f"growth: the selection went from {end - start} to {len(region)} lines")
    doubled = [a for a in anchors or [] if new.count(a) > max(old.count(a), 1)]
    if doubled:
        found.append(f"echo: anchor lines now occur more than once: {', '.join(repr(a) for a in doubled[:3])}")
    return found


def parse_damage(path: str, before: str, after: str) -> list[str]:
    """(a): ``parse: <language>: <problem>`` when ``after`` stopped parsing."""
    check = _PARSERS.get(PurePosixPath(path).suffix.lower())
    if check is None:
        return []
    kind, parse = check
    if parse(before.removeprefix(BOM)) is not None:
        return []  # it did not parse before: nothing to break
    problem = parse(after.removeprefix(BOM))
    return [f"parse: {kind}: {problem}"] if problem is not None else []


def outside_selection(before: str, after: str, start: int, end: int) -> list[str]:
    """(b) for a selection: ``region: ...`` when a line outside lines [start, end) changed."""
    old = split_lines(before, keepends=True)
    new = split_lines(after, keepends=True)
    head, tail = old[:start], old[end:]
    reasons = []
    if new[:start] != head:
        first = next((i for i, line in enumerate(head) if i >= len(new) or new[i] != line), len(head))
        reasons.append(f"region: line {first + 1} before the selection changed")
    if tail and (len(new) < start + len(tail) or new[len(new) - len(tail) :] != tail):
        reasons.append(f"region: the {len(tail)} lines after the selection (from line {end + 1}) changed")
    return reasons


def missing_anchors(after: str, anchors: list[str]) -> list[str]:
    """(b) for a whole file: ``region: anchor lost: ...`` per anchor line no longer in the file."""
    kept = set(split_lines(after.removeprefix(BOM)))
    return [f"region: anchor lost: {anchor!r}" for anchor in anchors if anchor not in kept]


def form_damage(before: str, after: str) -> list[str]:
    """(c): ``form: ...`` for a changed BOM, final newline or line break of a kept line."""
    reasons = []
    if before.startswith(BOM) != after.startswith(BOM):
        reasons.append("form: byte order mark " + ("removed" if before.startswith(BOM) else "added"))
    old = split_lines(before, keepends=True)
    new = split_lines(after, keepends=True)
    if old and new and bool(line_break(old[-1])) != bool(line_break(new[-1])):
        reasons.append("form: final newline " + ("dropped" if line_break(old[-1]) else "added"))
    matcher = difflib.SequenceMatcher(None, [_text(x) for x in old], [_text(x) for x in new], autojunk=False)
    for tag, i1, i2, j1, _ in matcher.get_opcodes():
        if tag != "equal":
            continue
        for k in range(i2 - i1):
            a, b = old[i1 + k], new[j1 + k]
            # The last line's break is the final-newline check's business.
            if line_break(a) != line_break(b) and line_break(a) and line_break(b):
                reasons.append(f"form: line {i1 + k + 1} kept its text but its line break changed")
                break
    used = {line_break(line) for line in old if line_break(line)}
    added = {line_break(line) for line in new if line_break(line)} - used
    if used and added:
        names = {"\n": "LF", "\r\n": "CRLF", "\r": "CR"}
        reasons.append(f"form: line breaks the file did not use: {', '.join(sorted(names[b] for b in added))}")
    return reasons


def _text(line: str) -> str:
    return line[: len(line) - len(line_break(line))]


def _python(text: str) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings are not errors
            ast.parse(text)
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    except ValueError as exc:  # null bytes
        return str(exc)
    return None


def _toml(text: str) -> str | None:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return str(exc)
    return None


def _json(text: str) -> str | None:
    try:
        json.loads(text)
    except ValueError as exc:
        return str(exc)
    return None


def open_fence(text: str) -> str | None:
    """The markdown code fence left open at the end of ``text`` (its line), or None."""
    opened: tuple[str, str] | None = None
    for line in split_lines(text):
        match = _FENCE.match(line)
        if not match:
            continue
        fence, rest = match.groups()
        if opened is None:
            if fence[0] == "`" and "`" in rest:
                continue  # a backtick fence's info string holds no backtick: not a fence
            opened = (fence, line)
        elif fence[0] == opened[0][0] and len(fence) >= len(opened[0]) and not rest.strip():
            opened = None
    return opened[1] if opened else None


def _markdown(text: str) -> str | None:
    line = open_fence(text)
    return f"code fence {line.strip()!r} is never closed" if line is not None else None


_PARSERS = {
    ".py": ("python", _python),
    ".pyi": ("python", _python),
    ".toml": ("toml", _toml),
    ".json": ("json", _json),
    ".md": ("markdown", _markdown),
    ".markdown": ("markdown", _markdown),
}
