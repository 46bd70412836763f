"""The bounded re-ask loop: generate, parse and validate, and on failure ask again with the error."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Callable, TypeVar

from ..backends.base import Backend, GenerationRequest
from ..backends.runtime import Generation, generate
from ..errors import GenerationError
from ..prompts.edit import reask_messages

log = logging.getLogger(__name__)
T = TypeVar("T")

# Sees every reply's verdict (None: usable; else the error it was re-asked with). Set by callers
# that report reply statistics (the repo agent, benchmarks); a ContextVar so it follows one task.
reply_observer: ContextVar[Callable[[GenerationError | None], None] | None] = ContextVar("reply_observer", default=None)


async def ask_until_valid(
    backend: Backend,
    request: GenerationRequest,
    parse: Callable[[Generation], T],
    max_calls: int,
    token_ceiling: int | None = None,
) -> tuple[T, int]:
    """Parsed output and the number of model calls it took, or GenerationError after ``max_calls``."""
    error: GenerationError | None = None
    generation: Generation | None
    for call in range(1, max_calls + 1):
        generation = None
        observe = reply_observer.get()
        try:
            generation = await generate(backend, request)
            value = parse(generation)
        except GenerationError as exc:
            # A backend that found no JSON in a JSON reply raises from generate(): re-askable like
            # a reply that failed to parse. Other failures of the request itself (prompt too long) are final.
            if generation is None and request.json_schema is None:
                raise
            error = exc
            if observe is not None:
                observe(exc)
            log.info("model reply %d/%d unusable: %s", call, max_calls, exc)
            update: dict = {}
            if request.messages is not None:
                reply = request.assistant_prefix + (generation.text if generation else "")
                update["messages"] = reask_messages(request.messages, reply, str(exc))
            if generation is not None and generation.truncated:
                ceiling = token_ceiling or request.max_tokens * 2
                update["max_tokens"] = min(request.max_tokens * 2, ceiling)
            request = request.model_copy(update=update)
            continue
        if observe is not None:
            observe(None)
        return value, call
    raise GenerationError(f"The model's reply was still unusable after {max_calls} tries; nothing was changed. Last problem: {error}")
