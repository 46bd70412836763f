"""SEARCH/REPLACE blocks: the edit format for files too long to rewrite whole.

    <<<<<<< SEARCH
    exact lines from the file
    =======
    the lines that replace them
    >>>>>>> REPLACE

Each SEARCH part must match the file exactly once (a match that differs only in trailing
whitespace is accepted); otherwise the error says which block failed, so the model can be
re-asked with it.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from ..errors import GenerationError
from ..lines import split_lines
from .elision import check_elision

_BLOCK = re.compile(
    r"<{5,9} ?SEARCH[^\n]*\n(?P<search>.*?)(?:^|\n)={5,9}[^\n]*\n(?P<replace>.*?)(?:^|\n)>{5,9} ?REPLACE",
    re.DOTALL | re.MULTILINE,
)


class Block(BaseModel):
    search: str
    replace: str


def parse_blocks(text: str) -> list[Block]:
    blocks = [Block(search=m["search"], replace=m["replace"]) for m in _BLOCK.finditer(text)]
    if not blocks:
        raise GenerationError(
            "The reply held no SEARCH/REPLACE block.",
            ask="Write each change as <<<<<<< SEARCH, the exact old lines, =======, the new lines, >>>>>>> REPLACE.",
        )
    return blocks


def apply_blocks(text: str, blocks: list[Block], lang: str = "") -> str:
    """``text`` with each block's SEARCH lines replaced by its REPLACE lines, in order.

    Line breaks in the result are the reply's where it replaced lines; the caller restores the
    file's (``fit.keep_line_endings``). Raises GenerationError for a block that matches no
    place or several, or that replaces code with a placeholder comment (``lang``: fence name).
    """
    for number, block in enumerate(blocks, 1):
        check_elision(block.search, block.replace, lang)
        text = _apply_one(text, block, number)
    return text


def _apply_one(text: str, block: Block, number: int) -> str:
    search, replace = block.search, block.replace
    if not search.strip():
        raise GenerationError(f"Block {number} has an empty SEARCH part.", ask="Copy the exact lines to change.")
    count = text.count(search)
    if count == 1:
        return text.replace(search, replace, 1)
    if count > 1:
        raise GenerationError(
            f"Block {number}'s SEARCH part matches {count} places.", ask="Include more surrounding lines so it is unique."
        )
    lines = split_lines(text, keepends=True)
    wanted = [line.rstrip() for line in split_lines(search)]
    hits = [i for i in range(len(lines) - len(wanted) + 1) if [line.rstrip() for line in lines[i : i + len(wanted)]] == wanted]
    if len(hits) != 1:
        first = split_lines(search)[0] if split_lines(search) else ""
        raise GenerationError(
            f"Block {number}'s SEARCH part does not match the file exactly once (it starts with {first!r}).",
            ask="Copy the lines exactly as they are in the file.",
        )
    start = hits[0]
    end = start + len(wanted)
    ending = "\n" if lines[end - 1].endswith(("\n", "\r")) else ""
    new = replace if replace.endswith("\n") or not ending else replace + ending
    return "".join(lines[:start]) + new + "".join(lines[end:])
