"""The bounded re-ask loop: generate, parse and validate, and on failure ask again with the error."""

from __future__ import annotations

import logging
from typing import Callable, TypeVar

from ..backends.base import Backend, GenerationRequest
from ..backends.runtime import Generation, generate
from ..errors import GenerationError
from ..prompts.edit import reask_messages

log = logging.getLogger(__name__)
T = TypeVar("T")


async def ask_until_valid(
    backend: Backend,
    request: GenerationRequest,
    parse: Callable[[Generation], T],
    max_calls: int,
    token_ceiling: int | None = None,
) -> tuple[T, int]:
    """Parsed output and the number of model calls it took, or GenerationError after ``max_calls``."""
    error: GenerationError | None = None
    for call in range(1, max_calls + 1):
        generation = await generate(backend, request)
        try:
            return parse(generation), call
        except GenerationError as exc:
            error = exc
            log.info("model reply %d/%d unusable: %s", call, max_calls, exc)
            update: dict = {}
            if request.messages is not None:
                reply = request.assistant_prefix + generation.text
                update["messages"] = reask_messages(request.messages, reply, str(exc))
            if generation.truncated:
                ceiling = token_ceiling or request.max_tokens * 2
                update["max_tokens"] = min(request.max_tokens * 2, ceiling)
            request = request.model_copy(update=update)
    raise GenerationError(f"The model's reply was still unusable after {max_calls} tries; nothing was changed. Last problem: {error}")
