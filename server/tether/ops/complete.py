"""Complete at the cursor (the COMPLETE level): the short-circuit of the one flow, no proposal.

FIM when the model has FIM tokens, prefix-only otherwise. Mid-line the completion stops at the
end of the line; at the end of a line it may run a few lines, stopping at a blank line.
Whatever the backend, the text is then fitted to the cursor (``edits.completion_fit``:
control tokens, indentation, a line or block boundary, no syntax error in a file that parsed).
"""

from __future__ import annotations

import logging

from pydantic import BaseModel, Field

from ..backends.base import GenerationRequest
from ..backends.runtime import generate
from ..config import COMPLETE_MAX_TOKENS, CompleteSettings
from ..edits.completion_fit import fit_completion
from ..engine import Engine
from ..errors import InputError
from ..lines import break_count, split_lines, strip_break
from ..pack import Source
from ..prompts.complete import fim_parts
from ..slider import Level, check_slider

log = logging.getLogger(__name__)


class Completion(BaseModel):
    text: str
    model: str
    fim: bool
    elapsed_s: float
    finish_reason: str | None = None
    sources: list[Source] = Field(default_factory=list)


def offset_of(text: str, line: int, col: int) -> int:
    """Code-point offset in ``text`` of a 0-based ``line`` and code-point ``col``.

    Lines end at \\n, \\r\\n or \\r only (``tether.lines``); the line after a final break is the
    empty last line. Raises InputError for a line or column outside the document.
    """
    lines = split_lines(text, keepends=True)
    if col < 0:
        raise InputError(f"Column {col + 1} is outside line {line + 1}: columns start at 1 (0 in the LSP).")
    if line < 0 or line > len(lines):
        raise InputError(f"Line {line + 1} is outside the document, which has {len(lines)} line{'s' * (len(lines) != 1)}.")
    start = sum(len(part) for part in lines[:line])
    here = strip_break(lines[line]) if line < len(lines) else ""
    if col > len(here):
        raise InputError(f"Column {col + 1} is past the end of line {line + 1} ({len(here)} characters).")
    return start + col


async def complete(
    engine: Engine, path: str, text: str, line: int, col: int, snippets: str = "", max_tokens: int | None = None
) -> Completion:
    """Text to insert at (line, col): 0-based line, 0-based code-point column. ``snippets``: recent
    code shown before the prefix. The source recorded is the prefix's lines (1-based, inclusive).
    The text is at most ``limits.complete.max_changed_lines`` lines (cut there), fitted to the
    cursor by ``edits.completion_fit.fit_completion`` (empty when refused). Raises LeashError
    when the slider does not allow completion (``slider.check_slider``)."""
    check_slider(Level.COMPLETE, engine.settings.level, engine.settings.max_level)
    request = completion_request(engine.settings.complete, text, line, col, snippets, max_tokens)
    parts = request.fim
    assert parts is not None
    backend = engine.backend("complete")
    caps = await backend.capabilities()
    generation = await generate(backend, request)
    # Every backend's text is fitted the same way (edits.completion_fit): control tokens, the
    # indent at the cursor, a line or block boundary, and no syntax error in a file that parsed.
    max_lines = engine.settings.limits_for(Level.COMPLETE).max_changed_lines
    offset = offset_of(text, line, col)
    fitted = fit_completion(generation.text, path, text, offset, generation.finish_reason, caps.control_tokens, max_lines)
    completion = fitted.text
    if fitted.reason:
        log.debug("no completion at %s:%d:%d: %s", path, line + 1, col + 1, fitted.reason)
    # Lines of the file in the prefix: its line breaks, not counting the snippets put before it.
    window = parts.prefix[len(snippets) :] if parts.prefix.startswith(snippets) else parts.prefix
    first = break_count(window)
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
    """The FIM request for (line, col): one line mid-line, up to a blank line at a line's end.
    ``max_tokens``: 1..COMPLETE_MAX_TOKENS (InputError otherwise); None for the settings' ``max_tokens``."""
    if max_tokens is not None and not 1 <= max_tokens <= COMPLETE_MAX_TOKENS:
        raise InputError(f"max_tokens must be between 1 and {COMPLETE_MAX_TOKENS}; got {max_tokens}.")
    offset = offset_of(text, line, col)
    parts = fim_parts(text, offset, cfg.max_prefix_chars, cfg.max_suffix_chars, snippets)
    rest_of_line = next(iter(split_lines(text[offset:])), "").strip()
    stop = ["\n"] if rest_of_line else ["\n\n"]
    return GenerationRequest(fim=parts, max_tokens=cfg.max_tokens if max_tokens is None else max_tokens, temperature=0.0, stop=stop)
