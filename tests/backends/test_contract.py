"""The backend contract: one suite, run against every backend on a real model.

- ``llamacpp``: LlamaCppBackend on the bundled SmolLM2-135M GGUF, in process.
- ``openai``: OpenAIBackend against llama-cpp-python's real OpenAI-compatible server
  (``python -m llama_cpp.server``) serving the same GGUF in a subprocess.

Backends load once per module (module-scoped fixtures on a module-scoped event loop).
Outputs of a 135M model are not predictable (its greedy text differs between machines, and it
may end a reply at once), so the tests check shape, not wording, and hold for any reply: a
reply may be empty only when the model ended it ("stop"); stops are taken from the model's own
greedy output and checked on a second greedy run in the same process.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from pydantic import BaseModel, ConfigDict, Field
from tests.fixtures.llama_server import LlamaCppServer

from tether.backends import Backend, ChatMessage, GenerationRequest, generate
from tether.config import ModelConfig

pytestmark = [pytest.mark.model, pytest.mark.asyncio(loop_scope="module")]


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=["llamacpp", "openai"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "llamacpp":
        from tether.backends.llamacpp import LlamaCppBackend

        made: Backend = LlamaCppBackend("bundled", ModelConfig(n_ctx=2048))
    else:
        from tether.backends.openai_compat import OpenAIBackend

        server: LlamaCppServer = request.getfixturevalue("llama_server")
        made = OpenAIBackend("served", ModelConfig(backend="openai", base_url=server.base_url, timeout_s=120))
    yield made
    await made.aclose()


def chat(text: str, **fields: object) -> GenerationRequest:
    return GenerationRequest(messages=[ChatMessage(role="user", content=text)], temperature=0.0, **fields)


class Pet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=16)
    age: int


async def test_chat_streams_text_and_ends_with_a_finish_reason(backend: Backend) -> None:
    chunks = []
    async with contextlib.aclosing(backend.stream(chat("Say hello in three words.", max_tokens=12))) as stream:
        async for chunk in stream:
            chunks.append(chunk)
    assert chunks and chunks[-1].finish_reason in ("stop", "length")
    assert "".join(c.text for c in chunks) or chunks[-1].finish_reason == "stop"
    assert all(c.finish_reason is None for c in chunks[:-1])


async def test_max_tokens_cuts_the_reply_with_length(backend: Backend) -> None:
    result = await generate(backend, chat("Write a long story about a dragon.", max_tokens=4))
    assert len(result.text) <= 4 * 24  # four tokens, whatever they are (none is that long)
    # "stop" only when the model itself ended the reply within the four tokens
    assert result.finish_reason == "length" and result.text or result.finish_reason == "stop"


async def test_stop_strings_are_honoured(backend: Backend) -> None:
    ask = "List five fruits, separated by commas."
    free = await generate(backend, chat(ask, max_tokens=24))
    if len(free.text.strip()) < 4:
        pytest.skip(f"the model's reply is too short to take a stop string from: {free.text!r}")
    middle = len(free.text) // 2
    stop = free.text[middle : middle + 3]  # from the middle of the model's own greedy reply
    cut = free.text[: free.text.index(stop)]
    stopped = await generate(backend, chat(ask, max_tokens=24, stop=[stop]))
    assert stopped.finish_reason == "stop"
    assert stop not in stopped.text
    assert stopped.text == cut


async def test_json_schema_output_parses_and_validates(backend: Backend) -> None:
    request = chat(
        "Describe a pet as JSON with its name and its age in years.",
        max_tokens=48,
        json_schema=Pet.model_json_schema(),
    )
    result = await generate(backend, request)
    pet = Pet.model_validate_json(result.text)
    assert pet.name


async def test_closing_the_stream_early_then_another_request_succeeds(backend: Backend) -> None:
    first = None
    async with contextlib.aclosing(backend.stream(chat("Count from one to fifty.", max_tokens=64))) as stream:
        async for chunk in stream:
            if chunk.text:
                first = chunk
                break
    assert first is not None and first.finish_reason is None
    after = await generate(backend, chat("Say yes.", max_tokens=4))
    assert after.finish_reason in ("stop", "length")
    assert after.text or after.finish_reason == "stop"


async def test_prompt_request_continues_the_text(backend: Backend) -> None:
    result = await generate(backend, GenerationRequest(prompt="def add(a, b):\n    return", max_tokens=6))
    assert result.finish_reason in ("stop", "length")
    assert result.text or result.finish_reason == "stop"


async def test_count_tokens_and_capabilities(backend: Backend) -> None:
    assert await backend.count_tokens("def add(a, b):\n    return a + b\n") > 0
    caps = await backend.capabilities()
    assert caps.json_schema is True
    assert caps.n_ctx >= 2048
