"""A reply stopped early leaves no async generator for the garbage collector (SCRIPTED endpoint).

The openai SDK's stream iterator and its AsyncStream hold each other (a reference cycle); left
suspended after an early stop, it and the httpx generators under it waited for the cyclic
collector, which may run after the event loop closed and then prints "Exception ignored in:
<async_generator ...>" on stderr (seen in `tether repo` runs). With the cyclic collector off,
every async generator a generation started must be finished within a few loop iterations, for
the plain backend and behind a failover router.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import weakref

import pytest
from tests.fixtures.openai_server import Reply

from tether.backends.base import ChatMessage, GenerationRequest
from tether.backends.openai_compat import OpenAIBackend
from tether.backends.router import FailoverBackend
from tether.backends.runtime import generate
from tether.config import ModelConfig


@pytest.mark.parametrize("failover", [False, True])
async def test_scripted_early_stop_closes_every_stream_generator(openai_server, failover):
    openai_server.default = Reply(text="x = 1\n" * 200, chunk_chars=4)
    config = ModelConfig(backend="openai", base_url=openai_server.base_url, model="scripted-model", max_retries=0)
    first = OpenAIBackend("a", config)
    backend = FailoverBackend("edit", [first, OpenAIBackend("b", config)]) if failover else first
    started: list[weakref.ref] = []
    hooks = sys.get_asyncgen_hooks()

    def firstiter(agen):
        started.append(weakref.ref(agen))
        if hooks.firstiter is not None:
            hooks.firstiter(agen)

    gc.disable()
    sys.set_asyncgen_hooks(firstiter=firstiter, finalizer=hooks.finalizer)
    try:
        request = GenerationRequest(messages=[ChatMessage(role="user", content="hi")], max_tokens=400)
        generation = await generate(backend, request, lambda text: len(text) > 10)  # the watch stops it early
        assert generation.finish_reason == "stop" and len(generation.text) < 100
        for _ in range(50):  # the chain below a closed generator is finalized one level per loop iteration
            await asyncio.sleep(0)
        suspended = [ref().__qualname__ for ref in started if ref() is not None and ref().ag_frame is not None]
        assert started and suspended == []
    finally:
        sys.set_asyncgen_hooks(firstiter=hooks.firstiter, finalizer=hooks.finalizer)
        gc.enable()
        await first.aclose()
