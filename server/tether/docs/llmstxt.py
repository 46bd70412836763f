"""Parser for the llms.txt format (https://llmstxt.org).

An llms.txt file is markdown with a fixed outline::

    # Title                      required, first heading in the file
    > Short summary              optional blockquote right after the title
    Free markdown details        optional, anything but headings of level 2
    ## Section                   zero or more, each a list of links
    - [name](url): notes         notes are optional
    ## Optional                  links that may be skipped when context is short

The markdown is read by markdown-it-py (CommonMark): headings inside code fences, links whose
URL holds parentheses, code spans and nested lists are what CommonMark says they are. The
outline is then read from its block tokens and their source lines: the first ATX or setext H1
is the title, a blockquote right after it the summary, the source lines up to the first ``##``
heading the details, and each ``##`` section's list items (at any depth) its links; a list item
reads the first link of its first paragraph, and what follows that link (after ``:``, ``-`` or a
dash) is its notes. Other lines of a section are its ``text``.

The parser is strict where the format is unambiguous (no H1 title is an error with a line
number) and lenient where real files deviate: anything it cannot use is skipped and reported
in ``LlmsTxt.warnings`` ("line 12: list item without a [name](url) link skipped"). It never
raises anything but ``LlmsTxtError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin

from markdown_it import MarkdownIt
from markdown_it.token import Token
from pydantic import BaseModel, Field

from ..errors import InputError
from ..lines import split_lines

# "#Title": not a heading in CommonMark, but real files write it (a word right after the hashes).
_NO_SPACE_HEADING = re.compile(r"^( {0,3})(#{1,6})(?=[^\W_])")
_NOTE_SEP = re.compile("^[ \t\u00a0]*(?::|-|\u2013|\u2014)[ \t\u00a0]*")
_CODE_BLOCKS = frozenset({"fence", "code_block", "html_block"})


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


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark")
    # Keep link destinations as written (no percent-encoding): relative paths are looked up as files.
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    # Every scheme is a link here; which ones may be fetched is decided by the ingest (docs/sources.py).
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


@lru_cache(maxsize=1)
def _block_parser() -> MarkdownIt:
    # Block structure only, to find code blocks: inline parsing is most of markdown-it's time.
    return MarkdownIt("commonmark").disable("inline")


@dataclass
class _Parse:
    """The source lines, the block tokens and the warnings of one parse."""

    lines: list[str]
    tokens: list[Token]
    source: str
    warnings: list[tuple[int, str]] = field(default_factory=list)

    def warn(self, line: int, message: str) -> None:
        self.warnings.append((line, message))


def parse_llmstxt(text: str, source: str = "llms.txt") -> LlmsTxt:
    """Parse llms.txt text (format: https://llmstxt.org) into its outline.

    ``text`` may use any line break (``\\n``, ``\\r\\n``, ``\\r``) and begin with a BOM. Line
    numbers in the result and in warnings are 1-based. Raises ``LlmsTxtError`` (an
    ``InputError``, naming the line) when the file has no H1 title or a ``##`` section before it.
    """
    lines = split_lines(text.lstrip("\ufeff"))
    parse = _Parse(lines, [], source)
    lines = _space_headings(parse, lines)
    parse.lines, parse.tokens = lines, _parser().parse("\n".join(lines))
    tokens = parse.tokens
    # Indices of the top-level block tokens that open or are a block (closings carry no lines).
    top = [i for i, t in enumerate(tokens) if t.level == 0 and t.map is not None]
    title_at = _title_index(parse, top)
    _fence_warnings(parse)
    rest = top[top.index(title_at) + 1 :]
    sections = [i for i in rest if _is_section(tokens[i])]
    front = [i for i in rest if not sections or i < sections[0]]
    summary, details_from = _summary(parse, front, _span(tokens[title_at])[1])
    details_to = _span(tokens[sections[0]])[0] if sections else len(lines)
    for i in front:
        if tokens[i].type == "heading_open" and tokens[i].tag == "h1":
            parse.warn(_span(tokens[i])[0] + 1, "a second H1 title was kept as plain text")
    bounds = sections + [len(tokens)]
    read = [_section(parse, bounds[n], bounds[n + 1]) for n in range(len(sections))]
    skipped = [n + 1 for n in range(_span(tokens[title_at])[0]) if lines[n].strip()]
    if skipped:
        where = f"line {skipped[0]}" if len(skipped) == 1 else f"lines {skipped[0]}-{skipped[-1]}"
        parse.warn(0, f"{where}: text before the H1 title skipped")
    parse.warnings.sort(key=lambda w: w[0])
    return LlmsTxt(
        title=tokens[title_at + 1].content.strip(),
        summary=summary,
        details="\n".join(lines[details_from:details_to]).strip("\n"),
        sections=read,
        warnings=[message if line == 0 else f"line {line}: {message}" for line, message in parse.warnings],
    )


def sniff_llmstxt(text: str, source: str = "llms.txt") -> LlmsTxt | None:
    """The llms.txt outline of ``text`` when its content is one, whatever the file is called; else None.

    The shape https://llmstxt.org specifies: an H1 title first (nothing before it), then
    optionally a blockquote and details without headings, then at least one ``##`` section, each
    a list of ``[name](url)`` links with nothing else in it (a ``###`` heading, a paragraph or a
    list item without a link makes it a markdown page). Read with the same markdown-it tokens as
    ``parse_llmstxt``; never raises."""
    try:
        parsed = parse_llmstxt(text, source)
    except LlmsTxtError:
        return None
    if not parsed.sections or any(not s.links or s.text.strip() for s in parsed.sections):
        return None
    if any(marker in warning for warning in parsed.warnings for marker in _NOT_AN_OUTLINE):
        return None
    if any(t.type == "heading_open" for t in _block_parser().parse(parsed.details)):
        return None
    return parsed


# Warnings that say the text is not the llms.txt outline (see parse_llmstxt and _section).
_NOT_AN_OUTLINE = ("text before the H1 title", "second H1 title", "list item without a [name](url) link")


def _span(token: Token) -> tuple[int, int]:
    """A block token's source lines: [first, last + 1), 0-based."""
    assert token.map is not None, token.type
    return token.map[0], token.map[1]


def _space_headings(parse: _Parse, lines: list[str]) -> list[str]:
    """Lines with "#Title" read as "# Title" (outside code), each with a warning."""
    if not any(_NO_SPACE_HEADING.match(line) for line in lines):
        return lines  # the usual case: no second parse
    in_code: set[int] = set()
    for token in _block_parser().parse("\n".join(lines)):
        if token.type in _CODE_BLOCKS and token.map is not None:
            in_code.update(range(*token.map))
    out = list(lines)
    for i, line in enumerate(lines):
        match = _NO_SPACE_HEADING.match(line)
        if match and i not in in_code:
            out[i] = f"{match.group(1)}{match.group(2)} {line[match.end() :]}"
            parse.warn(i + 1, f"heading without a space after {match.group(2)!r} read as a heading")
    return out


def _title_index(parse: _Parse, top: list[int]) -> int:
    """Token index of the H1 title's heading_open; LlmsTxtError when there is none (or a section comes first)."""
    for i in top:
        token = parse.tokens[i]
        if token.type == "heading_open" and token.tag == "h1":
            if token.markup != "#":
                parse.warn(_span(token)[0] + 1, "setext title ('Title' over '===') read as the H1 title")
            return i
        if _is_section(token):
            raise LlmsTxtError(
                f"section '## {parse.tokens[i + 1].content.strip()}' comes before the H1 title; "
                "an llms.txt must begin with '# Project name'.",
                _span(token)[0] + 1,
                parse.source,
            )
    first = next((i for i, line in enumerate(parse.lines, 1) if line.strip()), 1)
    found = parse.lines[first - 1].strip()[:60] if parse.lines else ""
    what = f"found {found!r}" if found else "the file is empty"
    raise LlmsTxtError(f"an llms.txt must begin with an H1 title ('# Project name'); {what}.", first, parse.source)


def _fence_warnings(parse: _Parse) -> None:
    """Warn about a code fence never closed (CommonMark reads it to the end of its container)."""
    for token in parse.tokens:
        if token.type != "fence" or token.map is None:
            continue
        start, end = token.map
        closing = parse.lines[end - 1].lstrip(" \t>").strip() if end - 1 > start else ""
        if not (closing.startswith(token.markup) and set(closing) == {token.markup[0]}):
            parse.warn(start + 1, "code fence never closed; read to the end of the file")


def _is_section(token: Token) -> bool:
    # Only "## Name": a setext H2 ("text" over "---") is too easily written by accident in prose.
    return token.type == "heading_open" and token.tag == "h2" and token.markup == "##"


def _summary(parse: _Parse, front: list[int], details_from: int) -> tuple[str | None, int]:
    """The summary (the blockquotes right after the title, their lines joined) and the line the details start at."""
    parts: list[str] = []
    for at in front:
        opening = parse.tokens[at]
        if opening.type != "blockquote_open":
            break
        end = next((i for i in range(at + 1, len(parse.tokens)) if parse.tokens[i].level == 0), len(parse.tokens))
        parts += [t.content.replace("\n", " ").strip() for t in parse.tokens[at:end] if t.type == "inline"]
        details_from = _span(opening)[1]
    return " ".join(parts).strip() or None, details_from


def _section(parse: _Parse, begin: int, end: int) -> Section:
    """The section whose ``##`` heading_open is token ``begin`` (up to token ``end``): its links (list
    items at any depth) and its other lines."""
    tokens = parse.tokens
    first_line, _ = _span(tokens[begin])
    last_line = _span(tokens[end])[0] if end < len(tokens) else len(parse.lines)
    section = Section(name=tokens[begin + 1].content.strip(), line=first_line + 1)
    used = {first_line}
    for i in range(begin, end):
        if tokens[i].type != "list_item_open" or i + 2 >= end or tokens[i + 1].type != "paragraph_open":
            continue
        used.update(range(*_span(tokens[i + 1])))
        line = _span(tokens[i])[0] + 1
        link = _item_link(tokens[i + 2], line)
        if link is None:
            parse.warn(line, f"list item without a [name](url) link skipped: {tokens[i + 2].content.strip()[:60]!r}")
        elif not link.url:
            parse.warn(line, f"link '{link.name}' has an empty URL; skipped")
        else:
            section.links.append(link)
    section.text = "\n".join(parse.lines[n] for n in range(first_line, last_line) if n not in used).strip("\n")
    return section


def _item_link(inline: Token, line: int) -> Link | None:
    """The first link of a list item's first paragraph, with the text after it as notes; None without one."""
    children = inline.children or []
    opening = next((i for i, t in enumerate(children) if t.type == "link_open"), None)
    if opening is None:
        return None
    closing = next(i for i in range(opening, len(children)) if children[i].type == "link_close")
    url = str(children[opening].attrs.get("href", "")).strip()
    name = _plain(children[opening + 1 : closing]).strip()
    notes = _NOTE_SEP.sub("", _plain(children[closing + 1 :]), count=1).strip()
    return Link(name=name or url, url=url, notes=notes, line=line)


def _plain(children: list[Token]) -> str:
    """Inline tokens back as markdown-like text: code spans keep their backticks, links their URL."""
    out: list[str] = []
    href = ""
    for token in children:
        if token.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif token.type == "code_inline":
            out.append(f"{token.markup}{token.content}{token.markup}")
        elif token.type in ("link_open", "link_close"):
            href = str(token.attrs.get("href", "")) if token.type == "link_open" else href
            if token.markup != "autolink":
                out.append("[" if token.type == "link_open" else f"]({href})")
        elif token.type == "image":
            out.append(f"![{token.content}]({token.attrs.get('src', '')})")
        elif token.type in ("em_open", "em_close", "strong_open", "strong_close"):
            out.append(token.markup)
        else:
            out.append(token.content)
    return "".join(out)
