"""Complete at the cursor (the COMPLETE level): the short-circuit of the one flow, no proposal.

FIM when the model has FIM tokens, prefix-only otherwise. Mid-line the completion stops at the
end of the line; at the end of a line it may run a few lines, stopping at a blank line.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..backends.base import GenerationRequest
from ..backends.runtime import generate
from ..config import CompleteSettings
from ..context.pack import Source
from ..engine import Engine
from ..errors import InputError
from ..prompts.complete import fim_parts
from ..slider import Level, check_level


class Completion(BaseModel):
    text: str
    model: str
    fim: bool
    elapsed_s: float
    finish_reason: str | None = None
    sources: list[Source] = Field(default_factory=list)


def offset_of(text: str, line: int, col: int) -> int:
    """Character offset of a 0-based line and column (columns in code points)."""
    lines = text.splitlines(keepends=True)
    if line < 0 or col < 0 or line > len(lines):
        raise InputError(f"Line {line + 1} is outside the document, which has {len(lines)} lines.")
    start = sum(len(part) for part in lines[:line])
    here = lines[line].rstrip("\r\n") if line < len(lines) else ""
    if col > len(here):
        raise InputError(f"Column {col + 1} is past the end of line {line + 1} ({len(here)} characters).")
    return start + col


async def complete(
    engine: Engine, path: str, text: str, line: int, col: int, snippets: str = "", max_tokens: int | None = None
) -> Completion:
    """Text to insert at (line, col), both 0-based. ``snippets``: recent code shown before the prefix."""
    check_level(Level.COMPLETE, engine.settings.max_level)
    request = completion_request(engine.settings.complete, text, line, col, snippets, max_tokens)
    parts = request.fim
    assert parts is not None
    backend = engine.backend("complete")
    caps = await backend.capabilities()
    generation = await generate(backend, request)
    completion = _trim(generation.text, parts.suffix)
    first = parts.prefix.count("\n")
    return Completion(
        text=completion,
        model=backend.name,
        fim=caps.fim,
        elapsed_s=generation.elapsed_s,
        finish_reason=generation.finish_reason,
        sources=[Source(kind="file", path=path, start_line=max(line + 1 - first, 1), end_line=line + 1)],
    )


def completion_request(
    cfg: CompleteSettings, text: str, line: int, col: int, snippets: str = "", max_tokens: int | None = None
) -> GenerationRequest:
    """The FIM request for (line, col): one line mid-line, up to a blank line at a line's end."""
    offset = offset_of(text, line, col)
    parts = fim_parts(text, offset, cfg.max_prefix_chars, cfg.max_suffix_chars, snippets)
    rest_of_line = text[offset:].split("\n", 1)[0].strip()
    stop = ["\n"] if rest_of_line else ["\n\n"]
    return GenerationRequest(fim=parts, max_tokens=max_tokens or cfg.max_tokens, temperature=0.0, stop=stop)


def _trim(completion: str, suffix: str) -> str:
    """Drop trailing blank space, and text the suffix already has."""
    text = completion.rstrip()
    head = suffix.lstrip().split("\n", 1)[0].strip()
    if head and text.endswith(head):
        text = text[: -len(head)].rstrip()
    return text
