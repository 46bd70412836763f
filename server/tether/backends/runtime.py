"""Shared generation runtime: collect a stream, honour cancellation, log timings."""

from __future__ import annotations

import contextlib
import logging
import time

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
        return self.finish_reason == "length"


async def generate(backend: Backend, request: GenerationRequest) -> Generation:
    """Run a request to completion. Cancelling the calling task stops the model between tokens."""
    start = time.perf_counter()
    first: float | None = None
    parts: list[str] = []
    finish: str | None = None
    async with contextlib.aclosing(backend.stream(request)) as chunks:
        async for chunk in chunks:
            if chunk.text:
                if first is None:
                    first = time.perf_counter() - start
                parts.append(chunk.text)
            if chunk.finish_reason:
                finish = chunk.finish_reason
    elapsed = time.perf_counter() - start
    text = "".join(parts)
    log.debug("%s generated %d chars in %.3fs (%s)", backend.name, len(text), elapsed, finish)
    return Generation(text=text, finish_reason=finish, backend=backend.name, elapsed_s=elapsed, first_chunk_s=first)
