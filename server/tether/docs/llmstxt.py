"""Parser for the llms.txt format (https://llmstxt.org).

An llms.txt file is markdown with a fixed outline::

    # Title                      required, first heading in the file
    > Short summary              optional blockquote right after the title
    Free markdown details        optional, anything but headings of level 2
    ## Section                   zero or more, each a list of links
    - [name](url): notes         notes are optional
    ## Optional                  links that may be skipped when context is short

The parser is strict where the format is unambiguous (no H1 title is an error with a line
number) and lenient where real files deviate: anything it cannot use is skipped and reported
in ``LlmsTxt.warnings`` ("line 12: list item without a [name](url) link skipped"). It never
raises anything but ``LlmsTxtError``.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from pydantic import BaseModel, Field

from ..errors import InputError
from ..lines import split_lines

_WS = "[ \t\u00a0]"
_HEADING = re.compile(rf"^ {{0,3}}(#{{1,6}})({_WS}*)(.*?)(?:{_WS}+#+)?{_WS}*$")
_SETEXT_H1 = re.compile(r"^ {0,3}=+[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_QUOTE = re.compile(rf"^ {{0,3}}>{_WS}?(.*)$")
_ITEM = re.compile(rf"^{_WS}{{0,3}}[-*+]{_WS}+(.*)$")
_LINK = re.compile(r"\[(?P<name>(?:[^\[\]]|\[[^\]]*\])*)\]\(\s*(?P<url><[^>]*>|[^\s)]*)(?:\s+\"[^\"]*\")?\s*\)")
_NOTE_SEP = re.compile(rf"^{_WS}*(?::|-|\u2013|\u2014){_WS}*")


class LlmsTxtError(InputError):
    """A file that cannot be read as llms.txt; the message names the line."""

    def __init__(self, message: str, line: int, source: str = "llms.txt"):
        self.line = line
        self.source = source
        super().__init__(f"{source}, line {line}: {message}")


class Link(BaseModel):
    name: str
    url: str = Field(description="As written in the file; may be relative.")
    notes: str = ""
    line: int = Field(description="1-based line of the list item.")

    def resolve(self, base_url: str) -> str:
        """The link as an absolute URL, relative to the llms.txt's own URL."""
        return urljoin(base_url, self.url)

    @property
    def is_relative(self) -> bool:
        parts = urlsplit(self.url)
        return not parts.scheme and not parts.netloc


class Section(BaseModel):
    name: str
    line: int
    links: list[Link] = Field(default_factory=list)
    text: str = Field("", description="Prose inside the section that is not a link item.")

    @property
    def optional(self) -> bool:
        return self.name.strip().lower() == "optional"


class LlmsTxt(BaseModel):
    title: str
    summary: str | None = None
    details: str = ""
    sections: list[Section] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def links(self, include_optional: bool = True) -> list[tuple[Section, Link]]:
        return [(s, link) for s in self.sections if include_optional or not s.optional for link in s.links]


class _State:
    """Mutable parse state, kept out of the models so they stay plain data."""

    def __init__(self, source: str):
        self.source = source
        self.title: str | None = None
        self.summary: list[str] = []
        self.summary_done = False
        self.details: list[str] = []
        self.sections: list[Section] = []
        self.section_text: list[str] = []
        self.warnings: list[str] = []
        self.fence: str | None = None
        self.fence_line = 0
        self.skipped_before_title: list[int] = []
        self.setext_underline = 0  # line of a setext title's '===' underline, skipped
        self.continues = False  # the previous line was a link item (or its continuation)

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(f"line {line}: {message}")


def parse_llmstxt(text: str, source: str = "llms.txt") -> LlmsTxt:
    """Parse llms.txt text; LlmsTxtError (with a line number) when it has no usable title."""
    lines = split_lines(text.lstrip("\ufeff"))
    state = _State(source)
    for number, line in enumerate(lines, start=1):
        _feed(state, number, line, lines)
    if state.fence is not None:
        state.warn(state.fence_line, "code fence never closed; read to the end of the file")
    if state.title is None:
        first = next((i for i, line in enumerate(lines, 1) if line.strip()), 1)
        found = lines[first - 1].strip()[:60] if lines else ""
        what = f"found {found!r}" if found else "the file is empty"
        raise LlmsTxtError(f"an llms.txt must begin with an H1 title ('# Project name'); {what}.", first, source)
    _close_section(state)
    if state.skipped_before_title:
        a, b = state.skipped_before_title[0], state.skipped_before_title[-1]
        where = f"line {a}" if a == b else f"lines {a}-{b}"
        state.warnings.insert(0, f"{where}: text before the H1 title skipped")
    return LlmsTxt(
        title=state.title,
        summary=" ".join(state.summary).strip() or None,
        details="\n".join(state.details).strip("\n"),
        sections=state.sections,
        warnings=state.warnings,
    )


def _feed(state: _State, number: int, line: str, lines: list[str]) -> None:
    if _in_fence(state, number, line):
        _append_text(state, line)
        return
    heading = _heading(state, number, line)
    if heading is not None:
        level, title = heading
        _on_heading(state, number, level, title)
        return
    if state.title is None:
        if not _setext_title(state, number, line, lines) and line.strip():
            state.skipped_before_title.append(number)
        return
    if number != state.setext_underline:
        _on_text(state, number, line)


def _in_fence(state: _State, number: int, line: str) -> bool:
    match = _FENCE.match(line)
    if state.fence is not None:
        if match and match.group(1)[0] == state.fence[0] and len(match.group(1)) >= len(state.fence):
            state.fence = None
        return True
    if match and state.title is not None:
        state.fence, state.fence_line = match.group(1), number
        return True
    return False


def _heading(state: _State, number: int, line: str) -> tuple[int, str] | None:
    match = _HEADING.match(line)
    if not match:
        return None
    hashes, space, title = match.groups()
    if not title.strip():
        return None
    if not space:
        # "#Title" is not a heading in CommonMark, but real files write it; accept words only.
        if not title[0].isalnum():
            return None
        state.warn(number, f"heading without a space after {hashes!r} read as a heading")
    return len(hashes), title.strip()


def _setext_title(state: _State, number: int, line: str, lines: list[str]) -> bool:
    """'Title' underlined with '===' (the setext H1 form): accepted, with a warning."""
    if not line.strip() or number >= len(lines) or not _SETEXT_H1.match(lines[number]):
        return False
    state.title = line.strip()
    state.setext_underline = number + 1
    state.warn(number, "setext title ('Title' over '===') read as the H1 title")
    return True


def _on_heading(state: _State, number: int, level: int, title: str) -> None:
    if state.title is None:
        if level == 1:
            state.title = title
            return
        if level == 2:
            raise LlmsTxtError(
                f"section '## {title}' comes before the H1 title; an llms.txt must begin with '# Project name'.",
                number,
                state.source,
            )
        state.skipped_before_title.append(number)
        return
    state.summary_done = True
    if level == 2:
        _close_section(state)
        state.sections.append(Section(name=title, line=number))
        return
    if level == 1:
        state.warn(number, "a second H1 title was kept as plain text")
    _append_text(state, "#" * level + " " + title)


def _on_text(state: _State, number: int, line: str) -> None:
    if not state.sections:
        quote = _QUOTE.match(line)
        if quote and not state.summary_done:
            state.summary.append(quote.group(1).strip())
            return
        if line.strip():
            state.summary_done = True
        state.details.append(line)
        return
    _on_section_line(state, number, line)


def _on_section_line(state: _State, number: int, line: str) -> None:
    section = state.sections[-1]
    item = _ITEM.match(line)
    continues, state.continues = state.continues, False
    if item:
        link = _parse_item(item.group(1), number)
        if link is None:
            state.warn(number, f"list item without a [name](url) link skipped: {item.group(1).strip()[:60]!r}")
        elif not link.url:
            state.warn(number, f"link '{link.name}' has an empty URL; skipped")
        else:
            section.links.append(link)
            state.continues = True
        return
    if continues and line[:1] in (" ", "\t") and line.strip():
        # An indented line right after a link item continues its notes (files wrap long notes).
        last = section.links[-1]
        last.notes = f"{last.notes} {line.strip()}".strip()
        state.continues = True
        return
    state.section_text.append(line)


def _parse_item(body: str, number: int) -> Link | None:
    match = _LINK.search(body)
    if not match:
        return None
    name = match.group("name").strip()
    url = match.group("url").strip().strip("<>").strip()
    rest = body[match.end() :]
    notes = _NOTE_SEP.sub("", rest, count=1).strip() if rest.strip() else ""
    return Link(name=name or url, url=url, notes=notes, line=number)


def _append_text(state: _State, line: str) -> None:
    if state.title is None:
        return
    if state.sections:
        state.section_text.append(line)
    else:
        state.summary_done = state.summary_done or bool(line.strip())
        state.details.append(line)


def _close_section(state: _State) -> None:
    if state.sections:
        state.sections[-1].text = "\n".join(state.section_text).strip("\n")
    state.section_text = []
    state.continues = False
