"""The bounded re-ask loop: generate, parse and validate, and on failure ask again, differently.

A re-ask never repeats the call before it: it samples (temperature ``REASK_TEMPERATURE`` and a
new seed per try), adds a repeat penalty after a loop, and tells the model what was wrong with
its reply. Each failure has a kind (``looped``, ``truncated``, ``cut off``, ``elided``, ``did
not parse``...); when every try fails, the error lists them and nothing is written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from ..backends.base import Backend, ChatMessage, GenerationRequest
from ..backends.runtime import Generation, generate
from ..errors import GenerationError
from ..prompts.edit import reask_messages
from .watch import ReplyWatch

log = logging.getLogger(__name__)
T = TypeVar("T")

# Sampling for re-asks: greedy decoding of the same prompt gives the same reply again.
REASK_TEMPERATURE = 0.6
REASK_REPEAT_PENALTY = 1.1
# Re-ask prompts show at most this much of the failed reply (a loop's tail is noise).
REPLY_SHOWN_CHARS = 4000
# Failures whose reply is not shown back to the model: it would prime the same runaway.
_RUNAWAY = ("looped", "too long")

# Sees every reply's verdict (None: usable; else the error it was re-asked with). Set by callers
# that report reply statistics (the repo agent, benchmarks); a ContextVar so it follows one task.
reply_observer: ContextVar[Callable[[GenerationError | None], None] | None] = ContextVar("reply_observer", default=None)


async def ask_until_valid(
    backend: Backend,
    request: GenerationRequest,
    parse: Callable[[Generation], T],
    max_calls: int,
    token_ceiling: int | None = None,
    watch: Callable[[], ReplyWatch] | None = None,
) -> tuple[T, int]:
    """Parsed output and the number of model calls it took (1..``max_calls``).

    ``parse`` turns a finished reply into a value or raises GenerationError (re-asked).
    ``watch`` makes a fresh ReplyWatch per try, which may stop a reply early (end of code, loop).
    ``token_ceiling``: the most tokens a re-ask after a cut-off reply may allow (default: twice
    the request's). Raises GenerationError naming every try's failure kind after ``max_calls``
    unusable replies; errors of the request itself (a prompt too long) are raised at once.
    """
    first = request
    failures: list[GenerationError] = []
    for call in range(1, max_calls + 1):
        generation: Generation | None = None
        observe = reply_observer.get()
        guard = watch() if watch is not None else None
        try:
            generation = await generate(backend, request, guard.check if guard is not None else None)
            if guard is not None and guard.problem is not None:
                raise guard.problem
            check_finished(generation, request.max_tokens)
            value = parse(generation)
        except GenerationError as exc:
            # A backend that found no JSON in a JSON reply raises from generate(): re-askable like
            # a reply that failed to parse. Other failures of the request itself are final.
            if generation is None and request.json_schema is None:
                raise
            failures.append(exc)
            if observe is not None:
                observe(exc)
            log.info("model reply %d/%d unusable (%s): %s", call, max_calls, exc.kind, exc)
            request = next_request(first, request, call, generation, exc, token_ceiling)
            continue
        if observe is not None:
            observe(None)
        return value, call
    kinds = "; ".join(failure.kind for failure in failures)
    raise GenerationError(
        f"The model's reply was still unusable after {max_calls} tries ({kinds}); nothing was changed. Last problem: {failures[-1]}",
        kind=failures[-1].kind,
    )


def check_finished(generation: Generation, max_tokens: int) -> None:
    """Refuse a reply that did not end on its own: cut at the token limit, or broken off."""
    if generation.finish_reason == "incomplete":
        raise GenerationError(
            "The reply broke off before the model finished (the stream ended with no finish reason).",
            ask="Write the complete code again.",
            kind="cut off",
        )
    if generation.finish_reason == "length":
        raise GenerationError(
            f"The reply was cut off at the token limit ({max_tokens} tokens) before the end of the code.",
            ask="Write the complete code, nothing else.",
            kind="truncated",
        )


def next_request(
    first: GenerationRequest,
    last: GenerationRequest,
    call: int,
    generation: Generation | None,
    error: GenerationError,
    token_ceiling: int | None,
) -> GenerationRequest:
    """The request for try ``call + 1``: the first request, sampled with a new seed, told what
    went wrong. A looped reply is not shown back (it would prime the same loop)."""
    update: dict[str, Any] = {
        "temperature": max(first.temperature, REASK_TEMPERATURE),
        "seed": call,
        "repeat_penalty": REASK_REPEAT_PENALTY if error.kind in _RUNAWAY else first.repeat_penalty,
    }
    if first.messages is not None:
        if error.kind in _RUNAWAY or generation is None:
            update["messages"] = _with_note(first.messages, f"(An earlier reply was unusable: {error.for_model()})")
        else:
            update["messages"] = reask_messages(first.messages, generation.text[:REPLY_SHOWN_CHARS], error.for_model())
    if generation is not None and generation.truncated:
        ceiling = token_ceiling or first.max_tokens * 2
        update["max_tokens"] = min(last.max_tokens * 2, ceiling)
    else:
        update["max_tokens"] = last.max_tokens
    return first.model_copy(update=update)


def _with_note(messages: list[ChatMessage], note: str) -> list[ChatMessage]:
    """``messages`` with ``note`` appended to the last user message."""
    out = list(messages)
    for index in range(len(out) - 1, -1, -1):
        if out[index].role == "user":
            out[index] = ChatMessage(role="user", content=f"{out[index].content}\n\n{note}")
            break
    return out
