"""The llama.cpp backend with the real bundled GGUF: loading errors, cancellation, KV reuse, speculation."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
import pytest_asyncio

from tether.backends.base import ChatMessage, GenerationRequest
from tether.backends.llamacpp import LlamaCppBackend
from tether.backends.runtime import generate
from tether.config import ModelConfig
from tether.errors import ModelError

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bundled():
    backend = LlamaCppBackend("bundled", ModelConfig(n_ctx=2048))
    yield backend
    await backend.aclose()


@pytest.mark.parametrize(
    "content, message",
    [(None, "does not exist"), (b"just text, not a model", "is not a GGUF model file"), (b"GGUF\x03\x00\x00\x00trunc", "could not load")],
)
async def test_bad_model_paths_give_clear_errors(tmp_path, content, message):
    path = tmp_path / "model.gguf"
    if content is not None:
        path.write_bytes(content)
    backend = LlamaCppBackend("bad", ModelConfig(path=str(path)))
    with pytest.raises(ModelError, match=message):
        await backend.capabilities()


async def test_cancelling_stops_between_tokens_and_the_model_stays_usable(bundled):
    request = GenerationRequest(prompt="Once upon a time", max_tokens=1500)
    chunks = 0
    async with contextlib.aclosing(bundled.stream(request)) as stream:
        async for _chunk in stream:
            chunks += 1
            if chunks == 3:
                break
    task = asyncio.create_task(generate(bundled, request))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    after = await asyncio.wait_for(generate(bundled, GenerationRequest(prompt="1, 2, 3,", max_tokens=4)), 30)
    assert after.finish_reason in ("stop", "length") and (after.text or after.finish_reason == "stop")


async def test_warm_request_reuses_the_evaluated_prefix(bundled):
    prefix = "def fibonacci(n):\n    " * 20
    await generate(bundled, GenerationRequest(prompt=prefix + "a", max_tokens=2))
    worker = await bundled.worker()
    llm = worker.llm
    evaluated: list[int] = []
    original = llm.eval

    def counting_eval(tokens):
        evaluated.append(len(tokens))
        return original(tokens)

    llm.eval = counting_eval
    try:
        await generate(bundled, GenerationRequest(prompt=prefix + "b", max_tokens=2))
    finally:
        llm.eval = original
    prompt_len = len(llm.tokenize((prefix + "b").encode(), add_bos=False))
    assert sum(evaluated) <= 2 + 8 < prompt_len


async def test_speculative_decoding_gives_the_same_greedy_text(bundled):
    code = "def area(width, height):\n    return width * height\n"
    request = GenerationRequest(
        messages=[ChatMessage(role="user", content=f"Repeat this code exactly:\n```python\n{code}```")],
        assistant_prefix="```python\n",
        stop=["```"],
        max_tokens=40,
    )
    plain = await generate(bundled, request)
    fast = await generate(bundled, request.model_copy(update={"speculative": True}))
    assert plain.text == fast.text  # whatever the greedy reply is, speculation must not change it
