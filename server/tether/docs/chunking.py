"""Split markdown into chunks by heading, keeping the heading path and the line range.

Each chunk is a run of the document's own lines (not re-rendered markdown) under one heading
path (``H1 > H2 > H3``), at most ``max_tokens`` long as ``count_tokens`` counts it. Rules:

- A heading starts a new chunk. A heading with no text of its own before the next heading
  is carried into the next chunk, so no chunk is a bare title.
- A section longer than the bound is split between blocks (paragraphs, lists, tables); a
  block longer than the bound is split between lines.
- Code blocks are never split: a code block longer than the bound becomes a chunk of its own
  that exceeds it. This is the one way a chunk can be longer than ``max_tokens`` (the other is
  a single line longer than the bound).
- YAML front matter is skipped (its ``title:`` is used when the document has no H1). Its
  ``description:`` (the page's own one-line summary, as Jekyll, Hugo, Docusaurus and npm's docs
  write it) joins the top of the heading path, ``Title — description``, so every chunk of the
  page is found by what the page is about; searches weigh headings 3x (``index.BM25``).

``count_tokens`` defaults to ``estimate_tokens`` (characters / 4, the usual rule of thumb for
English and code); pass the model's tokenizer to bound chunks exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

TokenCounter = Callable[[str], int]
DEFAULT_MAX_TOKENS = 384
_ATOMIC = ("fence", "code_block")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"(?<!\w)[*_]{1,3}|[*_]{1,3}(?!\w)|`")
_FRONT_TITLE = re.compile(r"^title:\s*['\"]?(.*?)['\"]?\s*$")
_FRONT_DESCRIPTION = re.compile(r"^description:\s*['\"]?(.*?)['\"]?\s*$")
MAX_DESCRIPTION_CHARS = 160


def estimate_tokens(text: str) -> int:
    """A cheap token estimate: about four characters a token."""
    return max(1, (len(text) + 3) // 4) if text else 0


@dataclass
class Chunk:
    heading: list[str]
    start_line: int  # 1-based, inclusive
    end_line: int  # 1-based, inclusive
    text: str
    tokens: int

    @property
    def heading_path(self) -> str:
        return " > ".join(self.heading)


@dataclass
class _Unit:
    start: int  # 0-based line, inclusive
    end: int  # 0-based line, exclusive
    tokens: int
    heading: list[str]
    is_heading: bool = False


@dataclass
class _Draft:
    units: list[_Unit] = field(default_factory=list)
    tokens: int = 0

    @property
    def has_content(self) -> bool:
        return any(not u.is_heading for u in self.units)


def chunk_markdown(
    text: str,
    title: str | None = None,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    count_tokens: TokenCounter = estimate_tokens,
) -> list[Chunk]:
    """Chunks of a markdown document; ``title`` heads the path when the document has no H1."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    front_title, description = _blank_front_matter(lines)
    tokens = _parser().parse("\n".join(lines))
    root = [] if _has_h1(tokens) else [t for t in (front_title or title,) if t]
    if description and root:
        root[0] = f"{root[0]} — {description}"
    units = _units(tokens, lines, root, max_tokens, count_tokens, description if not root else None)
    return _pack(units, lines, max_tokens, count_tokens)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # Block structure only: inline parsing (emphasis, links) is most of markdown-it's time and
    # chunking needs none of it; heading text is cleaned up by hand.
    return MarkdownIt("commonmark").enable("table").disable("inline")


def _blank_front_matter(lines: list[str]) -> tuple[str | None, str | None]:
    """Blank out a leading YAML front matter block in place (line numbers stay right); its (title, description)."""
    if not lines or lines[0].strip() != "---":
        return None, None
    for end in range(1, min(len(lines), 200)):
        if lines[end].strip() in ("---", "..."):
            title = next((m.group(1) for line in lines[1:end] if (m := _FRONT_TITLE.match(line))), None)
            description = next((m.group(1) for line in lines[1:end] if (m := _FRONT_DESCRIPTION.match(line))), None)
            for i in range(end + 1):
                lines[i] = ""
            return title or None, (description or "")[:MAX_DESCRIPTION_CHARS].strip() or None
    return None, None


def _has_h1(tokens: list[Token]) -> bool:
    return any(t.type == "heading_open" and t.tag == "h1" for t in tokens)


def _heading_text(inline: Token) -> str:
    text = _MD_LINK.sub(r"\1", inline.content)
    return _MD_MARKS.sub("", text).strip() or inline.content.strip()


def _units(
    tokens: list[Token], lines: list[str], root: list[str], max_tokens: int, count: TokenCounter, h1_note: str | None = None
) -> list[_Unit]:
    """Blocks as units with their heading paths; ``h1_note`` (a front matter description) follows each H1's title."""
    atomic = [(t.map[0], t.map[1]) for t in tokens if t.type in _ATOMIC and t.map]
    stack: list[tuple[int, str]] = []
    units: list[_Unit] = []
    for i, tok in enumerate(tokens):
        if tok.level != 0 or tok.map is None or tok.nesting < 0:
            continue
        start, end = tok.map
        path = root + [title for _, title in stack]
        if tok.type == "heading_open":
            level = int(tok.tag[1:])
            while stack and stack[-1][0] >= level:
                stack.pop()
            heading = _heading_text(tokens[i + 1])
            stack.append((level, f"{heading} — {h1_note}" if h1_note and level == 1 else heading))
            path = root + [title for _, title in stack]
            units.append(_Unit(start, end, count(_text(lines, start, end)), path, is_heading=True))
            continue
        size = count(_text(lines, start, end))
        if size <= max_tokens or tok.type in _ATOMIC:
            units.append(_Unit(start, end, size, path))
        else:
            units.extend(_split_block(start, end, lines, atomic, path, max_tokens, count))
    return units


def _split_block(
    start: int, end: int, lines: list[str], atomic: list[tuple[int, int]], path: list[str], max_tokens: int, count: TokenCounter
) -> list[_Unit]:
    """Pieces of one long block, cut between lines and never inside a nested code block."""
    pieces: list[_Unit] = []
    line = start
    while line < end:
        span_end = next((b for a, b in atomic if a == line and b <= end), line + 1)
        size = count(_text(lines, line, span_end))
        last = pieces[-1] if pieces else None
        if last and last.end == line and last.tokens + size <= max_tokens:
            last.end, last.tokens = span_end, last.tokens + size
        else:
            pieces.append(_Unit(line, span_end, size, path))
        line = span_end
    return pieces


def _pack(units: list[_Unit], lines: list[str], max_tokens: int, count: TokenCounter) -> list[Chunk]:
    chunks: list[Chunk] = []
    draft = _Draft()
    for unit in units:
        full = draft.has_content and draft.tokens + unit.tokens > max_tokens
        if draft.has_content and (unit.is_heading or full):
            chunks.append(_finish(draft, lines, count))
            draft = _Draft()
        draft.units.append(unit)
        draft.tokens += unit.tokens
    if draft.units and (draft.has_content or not chunks):
        chunks.append(_finish(draft, lines, count))
    return chunks


def _finish(draft: _Draft, lines: list[str], count: TokenCounter) -> Chunk:
    start = draft.units[0].start
    end = draft.units[-1].end
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    text = _text(lines, start, end)
    return Chunk(heading=list(draft.units[-1].heading), start_line=start + 1, end_line=end, text=text, tokens=count(text))


def _text(lines: list[str], start: int, end: int) -> str:
    return "\n".join(lines[start:end])
