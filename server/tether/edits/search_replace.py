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
            "The reply held no SEARCH/REPLACE block. Each change must be written as "
            "<<<<<<< SEARCH, the exact old lines, =======, the new lines, >>>>>>> REPLACE."
        )
    return blocks


def apply_blocks(text: str, blocks: list[Block]) -> str:
    for number, block in enumerate(blocks, 1):
        text = _apply_one(text, block, number)
    return text


def _apply_one(text: str, block: Block, number: int) -> str:
    search, replace = block.search, block.replace
    if not search.strip():
        raise GenerationError(f"Block {number} has an empty SEARCH part; copy the exact lines to change.")
    count = text.count(search)
    if count == 1:
        return text.replace(search, replace, 1)
    if count > 1:
        raise GenerationError(
            f"Block {number}'s SEARCH part matches {count} places; include more surrounding lines so it is unique."
        )
    lines = text.splitlines(keepends=True)
    wanted = [line.rstrip() for line in search.splitlines()]
    hits = [
        i for i in range(len(lines) - len(wanted) + 1)
        if [line.rstrip() for line in lines[i : i + len(wanted)]] == wanted
    ]
    if len(hits) != 1:
        first = search.splitlines()[0] if search.splitlines() else ""
        raise GenerationError(
            f"Block {number}'s SEARCH part does not match the file exactly once (it starts with {first!r}); "
            "copy the lines exactly as they are in the file."
        )
    start = hits[0]
    end = start + len(wanted)
    ending = "\n" if lines[end - 1].endswith("\n") else ""
    new = replace if replace.endswith("\n") or not ending else replace + ending
    return "".join(lines[:start]) + new + "".join(lines[end:])
