"""Shared generation runtime: collect a stream, honour cancellation, log timings."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable

from pydantic import BaseModel

from .base import Backend, GenerationRequest

log = logging.getLogger(__name__)


class Generation(BaseModel):
    text: str
    finish_reason: str | None
    backend: str
    elapsed_s: float
    first_chunk_s: float | None = None

    @property
    def truncated(self) -> bool:
        """Cut off: by the token limit, or by a stream that broke off before the model finished."""
        return self.finish_reason in ("length", "incomplete")


async def generate(backend: Backend, request: GenerationRequest, watch: Callable[[str], object] | None = None) -> Generation:
    """Run a request to completion. Cancelling the calling task stops the model between tokens.

    ``watch`` sees the reply so far after each chunk: a truthy answer ends the reply there
    (finish reason ``stop``); an exception it raises ends it and propagates. Closing the stream
    stops the model.
    """
    start = time.perf_counter()
    first: float | None = None
    finish: str | None = None
    text = ""
    async with contextlib.aclosing(backend.stream(request)) as chunks:
        async for chunk in chunks:
            if chunk.text:
                if first is None:
                    first = time.perf_counter() - start
                text += chunk.text
                if watch is not None and watch(text):
                    finish = "stop"
                    break
            if chunk.finish_reason:
                finish = chunk.finish_reason
    elapsed = time.perf_counter() - start
    if finish is None:
        finish = "incomplete"
    log.debug("%s generated %d chars in %.3fs (%s)", backend.name, len(text), elapsed, finish)
    return Generation(text=text, finish_reason=finish, backend=backend.name, elapsed_s=elapsed, first_chunk_s=first)
