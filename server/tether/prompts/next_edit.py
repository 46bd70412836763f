"""Prompts for next-edit prediction (``ops.next_edit``): the region around the cursor, rewritten.

Two formats that ask for the whole editable region back, and how to read their replies:

``zeta``: the prompt format of Zed's Zeta model (zed-industries/zeta on Hugging Face; Zed's
``crates/zeta``): an instruction, a "User Edits" section holding the recent edits as unified
diffs, and a "User Excerpt" section: the file's lines around the region in a fenced block named
by the path, the region between ``<|editable_region_start|>`` and ``<|editable_region_end|>``,
the cursor as ``<|user_cursor_is_here|>``. A raw completion prompt (no chat template): the model
continues after "### Response:" with the rewritten excerpt, the markers included.

``instruct``: the same facts for any chat model: the edits, then the region in a fenced block
with the cursor marked, and the request to reply with the rewritten region in one fenced block.

The third format, ``fim``, has no prompt here: it is plain completion at the cursor
(``ops.complete``), for models with FIM tokens only.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..backends.base import ChatMessage, GenerationRequest
from ..lines import split_lines

REGION_START = "<|editable_region_start|>"
REGION_END = "<|editable_region_end|>"
CURSOR = "<|user_cursor_is_here|>"
START_OF_FILE = "<|start_of_file|>"
CONTEXT_LINES = 10  # lines shown around the editable region, outside it

ZETA_INSTRUCTION = (
    "You are a code completion assistant and your task is to analyze user edits and then rewrite an "
    "excerpt that the user provides, suggesting the appropriate edits within the excerpt, taking into "
    "account the cursor location."
)
INSTRUCT_SYSTEM = (
    "You predict the next edit a programmer makes. You are shown their recent edits as diffs and a "
    "region of the file they are in, with their cursor marked " + CURSOR + ". Rewrite the region with the "
    "edit they will most likely make next (often the change their last edit implies elsewhere, such as "
    "a renamed name's other uses). Change as little as needed; when nothing should change, return the "
    "region unchanged. Reply with the rewritten region only, in one fenced code block, without the "
    "cursor marker."
)


@dataclass(frozen=True)
class Region:
    """The editable region of a document: 0-based lines [start_line, end_line), its text (line
    breaks kept), and the cursor as a code-point offset into that text."""

    start_line: int
    end_line: int
    text: str
    cursor: int


def editable_region(text: str, line: int, col: int, lines_before: int, lines_after: int) -> Region:
    """The lines around the cursor (0-based ``line``, code-point ``col``): ``lines_before`` above
    it, ``lines_after`` below it, cut at the document's ends. Raises ValueError for a line past the end."""
    lines = split_lines(text, keepends=True)
    if line > len(lines):
        raise ValueError(f"line {line} is past the end of a {len(lines)}-line document")
    start = max(0, line - lines_before)
    end = min(len(lines), line + lines_after + 1)
    cursor = sum(len(x) for x in lines[start:line]) + col
    return Region(start, end, "".join(lines[start:end]), cursor)


def zeta_request(path: str, text: str, region: Region, events: str, max_tokens: int) -> GenerationRequest:
    """A raw prompt in Zeta's format (module docstring); ``events``: ``EditHistory.events_text``."""
    lines = split_lines(text, keepends=True)
    before = "".join(lines[max(0, region.start_line - CONTEXT_LINES) : region.start_line])
    after = "".join(lines[region.end_line : region.end_line + CONTEXT_LINES])
    marked = region.text[: region.cursor] + CURSOR + region.text[region.cursor :]
    head = START_OF_FILE + "\n" if region.start_line - CONTEXT_LINES <= 0 else ""
    excerpt = f"```{path}\n{head}{before}{REGION_START}\n{marked}{_nl(marked)}{REGION_END}\n{after}{_nl(after)}```"
    prompt = f"### Instruction:\n{ZETA_INSTRUCTION}\n\n### User Edits:\n\n{events}\n\n### User Excerpt:\n\n{excerpt}\n\n### Response:\n"
    return GenerationRequest(prompt=prompt, max_tokens=max_tokens, temperature=0.0, stop=[REGION_END])


def parse_zeta(reply: str) -> str:
    """The rewritten region in a Zeta reply: the text between the region markers (a reply that
    stopped on ``<|editable_region_end|>`` lacks it), the cursor marker taken out. A reply without
    ``<|editable_region_start|>`` is read whole (a model that skips the excerpt's head)."""
    body = reply.split(REGION_END, 1)[0]
    if REGION_START in body:
        body = body.split(REGION_START, 1)[1]
        body = body[1:] if body.startswith("\n") else body
    return body.replace(CURSOR, "")


def instruct_request(path: str, region: Region, events: str, max_tokens: int) -> GenerationRequest:
    """Chat messages in the generic instruct format (module docstring)."""
    marked = region.text[: region.cursor] + CURSOR + region.text[region.cursor :]
    fence = "`" * max(3, _longest_backticks(marked) + 1)
    user = (
        f"Recent edits:\n\n{events or '(none)'}\n\n"
        f"Region of {path} (lines {region.start_line + 1}-{region.end_line}), cursor at {CURSOR}:\n"
        f"{fence}\n{marked}{_nl(marked)}{fence}\n\nThe rewritten region:"
    )
    messages = [ChatMessage(role="system", content=INSTRUCT_SYSTEM), ChatMessage(role="user", content=user)]
    return GenerationRequest(messages=messages, max_tokens=max_tokens, temperature=0.0)


def _nl(text: str) -> str:
    return "" if not text or text.endswith(("\n", "\r")) else "\n"


def _longest_backticks(text: str) -> int:
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return longest
