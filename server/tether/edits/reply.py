"""Reading the code out of a model's rewrite reply, by kind, not by symptom.

A rewrite is shown to the model inside a code fence longer than any run of backticks in the
region (``prompts.edit.fence_for``), and the reply is primed with that fence where the backend can prime.
Models are loose about the rest, so a reply is read as CommonMark-ish text ("Fenced code
blocks", CommonMark 0.31 §4.5):

- Reasoning blocks (``<think>…</think>``, ``<thinking>``, ``<reasoning>``) are dropped
  wherever they are; a reasoning block that never closes holds no code.
- An end-of-turn control token passed through as text (``<|im_end|>``, ``</s>``...) ends the
  reply, unless the region itself holds that token.
- The code is the first fenced block (backticks or tildes, three or more, any info string or
  none, longer or shorter than tether's). Prose before and after it is dropped, and so is a
  second block (the code written twice, a usage example).
- The block ends at the fence line that balances the region's own fences: a markdown file
  with a ```sh block inside is not cut at that block's closing fence. Where the count does not
  fit (the edit added or removed a block), inner fences with an info string open nested
  blocks and bare ones close them.
- A reply with exactly as many fence lines as the region has, or none, is the code unwrapped.
- A single bare fence is an opener without closer or a closer without opener: the side that
  reads more like the region is the code.
- A wrapper that never closes runs to the end of the reply (a reply cut off by the token limit
  is caught before this, by its finish reason).
- A control token inside the code is a reply cut short, not an end (GenerationError, kind
  ``cut off``, re-asked): it came before the block's closing fence, or, in an unwrapped reply,
  the reply goes on after it with a fence line or a line of the region the code lacks. A token
  after the closing fence just ends the reply.

``closed_block_end`` answers the streaming question "has the fenced block closed yet?" with the
same rules, so generation stops at the end of the code instead of running into prose.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from ..errors import GenerationError
from ..lines import split_lines

_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})(?P<info>[^\r\n]*)$")
_REASONING = re.compile(r"<(think|thinking|reasoning)>.*?</\1>", re.DOTALL | re.IGNORECASE)
_REASONING_OPEN = re.compile(r"<(think|thinking|reasoning)>", re.IGNORECASE)
_REASONING_CLOSE = re.compile(r"</(think|thinking|reasoning)>", re.IGNORECASE)
# End-of-turn and FIM control tokens some servers pass through as text (ChatML, Llama 3,
# Gemma, Mistral, Qwen/StarCoder FIM, CodeLlama's <EOT>, DeepSeek's <|EOT|> and full-width ｜
# markers): the model's turn is over where one appears.
_CONTROL = re.compile(
    r"<\|(?:im_end|im_start|endoftext|end|eot_id|end_of_text|fim_[a-z]+|file_sep|repo_name|EOT)\|>"
    r"|</s>|<EOT>|<end_of_turn>|<(?:fim_[a-z]+|file_sep)>|<｜[^｜<>\n]{1,40}｜>"
)
_SEARCH_REPLACE = re.compile(r"^<{5,9} ?SEARCH\b.*?^={5,9}\s*$.*?^>{5,9} ?REPLACE\b", re.DOTALL | re.MULTILINE)
_UNIFIED_DIFF = re.compile(r"^--- \S.*\n\+\+\+ \S.*\n@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@", re.MULTILINE)


@dataclass(frozen=True)
class FenceLine:
    index: int  # 0-based line number in the reply
    char: str  # "`" or "~"
    length: int
    info: str  # the info string, stripped ("" for a bare fence)


def fence_lines(lines: list[str]) -> list[FenceLine]:
    """The lines of ``lines`` (no line breaks) that look like code fence lines."""
    found = []
    for index, line in enumerate(lines):
        match = _FENCE.match(line.rstrip())
        if not match:
            continue
        fence, info = match["fence"], match["info"].strip()
        if fence[0] == "`" and "`" in info:
            continue  # CommonMark: a backtick fence's info string holds no backtick
        found.append(FenceLine(index, fence[0], len(fence), info))
    return found


def code_blocks(lines: list[str]) -> tuple[list[tuple[FenceLine, FenceLine]], FenceLine | None]:
    """The fenced code blocks of a markdown text's ``lines`` (no line breaks), paired as
    CommonMark pairs them (a closing fence is a bare fence of the same character, at least as
    long): (opening, closing) pairs, and the opening fence left unclosed, if any."""
    blocks: list[tuple[FenceLine, FenceLine]] = []
    opening = None
    for fence in fence_lines(lines):
        if opening is None:
            opening = fence
        elif fence.char == opening.char and fence.length >= opening.length and not fence.info:
            blocks.append((opening, fence))
            opening = None
    return blocks, opening


def drop_control_tokens(reply: str, region: str) -> str:
    """``reply`` cut at the first control token that ``region`` does not itself hold."""
    for match in _CONTROL.finditer(reply):
        if match.group(0) not in region:
            return reply[: match.start()]
    return reply


def check_form(code: str, region: str) -> None:
    """Refuse code that is an edit script instead of the code: SEARCH/REPLACE blocks or a
    unified diff, where the region holds none (kind ``wrong format``)."""
    for pattern, name in ((_SEARCH_REPLACE, "SEARCH/REPLACE blocks"), (_UNIFIED_DIFF, "a unified diff")):
        if pattern.search(code) and not pattern.search(region):
            raise GenerationError(
                f"The reply is {name}, not the code.",
                ask="Write the complete rewritten code itself.",
                kind="wrong format",
            )


def drop_reasoning(reply: str) -> str:
    """``reply`` without reasoning blocks; raises GenerationError if one never closes."""
    text = _REASONING.sub("", reply)
    close = _REASONING_CLOSE.search(text)
    if close and not _REASONING_OPEN.search(text[: close.start()]):
        text = text[close.end() :]  # the template opened the block in the prompt
    if _REASONING_OPEN.search(text):
        raise GenerationError(
            "The reply is a reasoning block that never ends (no closing tag), with no code after it.",
            ask="Reply with the code in one fenced block.",
            kind="no code",
        )
    return text


def extract_code(reply: str, region: str) -> str:
    """The code a rewrite reply holds (see the module docstring for the rules).

    ``reply``: the whole reply, including the opening fence it was primed with.
    ``region``: the text the model was asked to rewrite (its fence lines are the balance).
    Returns the code with its line breaks as the model wrote them; raises GenerationError when
    the reply holds no code at all, or (kind ``cut off``) when a control token cut the code short.
    """
    cleaned = drop_reasoning(reply)
    text = drop_control_tokens(cleaned, region)
    rest = cleaned[len(text) :]  # from the control token that ended the reply on ("" if none)
    lines = split_lines(text, keepends=True)
    bare = [line.rstrip("\r\n") for line in lines]
    fences = fence_lines(bare)
    inner = len(fence_lines(split_lines(region)))
    if not fences or (inner and len(fences) == inner):
        code = text if region.startswith(("\n", "\r")) else text.lstrip("\r\n")  # unwrapped
        if rest and _goes_on(rest, code, region):
            _cut_by_token(rest)
        return code
    if len(fences) == 1 and not inner and not fences[0].info:
        # One bare fence: an opener whose closer is missing, or a closer whose opener was
        # never written (primed on a backend that cannot prime). The side that reads like the
        # region is the code.
        before, after = "".join(lines[: fences[0].index]), "".join(lines[fences[0].index + 1 :])
        if _likeness(before, region) > _likeness(after, region):
            return before
        if rest:
            _cut_by_token(rest)  # the bare fence opened the block, and the token came inside it
        return after
    opener = fences[0]
    close = _closer(fences, opener, inner)
    if close is None and rest:
        _cut_by_token(rest)
    end = close.index if close is not None else len(lines)
    return "".join(lines[opener.index + 1 : end])


def _goes_on(rest: str, code: str, region: str) -> bool:
    """Whether an unwrapped reply's code went on after the control token that cut it
    (``rest``, from the token on): what follows holds a fence line (the block's closer), or a
    line of ``region`` that ``code`` lacks (compared stripped)."""
    after = split_lines(_CONTROL.sub("", rest))
    if fence_lines(after):
        return True
    had = {line.strip() for line in split_lines(code)}
    old = {line.strip() for line in split_lines(region)} - {""}
    return any(line.strip() in old and line.strip() not in had for line in after)


def _cut_by_token(rest: str) -> None:
    """Raise the GenerationError (kind ``cut off``, re-asked) for a reply whose control token,
    the start of ``rest``, came inside the code: the code before it is cut short."""
    token = _CONTROL.match(rest)
    name = token.group(0) if token else "a control token"
    raise GenerationError(
        f"The reply was cut off by a control token ({name}) inside its code, before the code block closed.",
        ask="Write the complete code again, in one fenced block, and close the block.",
        kind="cut off",
    )


def _likeness(text: str, region: str) -> float:
    """How much ``text`` reads like ``region`` (difflib's ratio on the first 2,000 characters, 0..1)."""
    if not text.strip():
        return -1.0
    return difflib.SequenceMatcher(None, text[:2000], region[:2000]).ratio()


def closed_block_end(reply: str, region: str) -> int | None:
    """Where the reply's first fenced block closes (offset just past the closing fence line),
    or None while it is still open. Used to stop a streamed reply at the end of its code."""
    try:
        text = drop_reasoning(reply)
    except GenerationError:
        return None
    if len(text) != len(reply):
        return None  # offsets would not map back; rare enough to let the stream run on
    lines = split_lines(text, keepends=True)
    complete = lines if text.endswith(("\n", "\r")) else lines[:-1]
    fences = fence_lines([line.rstrip("\r\n") for line in complete])
    if not fences:
        return None
    inner = len(fence_lines(split_lines(region)))
    close = _closer(fences, fences[0], inner, streaming=True)
    if close is None:
        return None
    return sum(len(line) for line in lines[: close.index + 1])


def _closer(fences: list[FenceLine], opener: FenceLine, inner: int, streaming: bool = False) -> FenceLine | None:
    """The fence line that closes ``opener``: first by balance with the region's ``inner``
    fence count, else by nesting (info string opens, bare closes)."""
    after = [f for f in fences if f.index > opener.index]
    candidates = [f for f in after if not f.info and f.char == opener.char]
    for position, fence in enumerate(after):
        if fence in candidates and position == inner:
            return fence
    if streaming:
        return None  # more fences may come that make the count fit
    depth = 0
    for fence in after:
        if fence.info:
            depth += 1
        elif fence.char == opener.char:
            if depth == 0:
                return fence
            depth -= 1
    return None
