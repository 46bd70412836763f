"""A prompt that tokenizes to nothing (a completion at the start of an empty file, on a model
that adds no BOS) still decodes on llama.cpp: llama-cpp-python asserts ``n_tokens > 0`` in
``eval``, so the backend starts from the BOS token. Uses the tiny random-weight GGUF
(tests/fixtures/tiny_gguf.py, no FIM tokens, add_bos false, like the bundled SmolLM2), so only
the shape of the answer is checked, never its text.
"""

from __future__ import annotations

import pytest
from tests.fixtures.tiny_gguf import build_tiny_gguf

from tether.backends.base import FimParts, GenerationRequest
from tether.backends.llamacpp import LlamaCppBackend
from tether.backends.runtime import generate
from tether.config import ModelConfig


@pytest.mark.parametrize(
    "request_",
    [
        GenerationRequest(fim=FimParts(prefix="", suffix=""), max_tokens=3, temperature=0.0),
        GenerationRequest(fim=FimParts(prefix="", suffix="x = 1\n"), max_tokens=3, temperature=0.0),
        GenerationRequest(prompt="", max_tokens=3, temperature=0.0),
        GenerationRequest(prompt="", max_tokens=3, temperature=0.0, speculative=True),  # prompt-lookup path
    ],
)
async def test_an_empty_prompt_decodes_from_the_start_token(tmp_path, request_):
    backend = LlamaCppBackend("tiny", ModelConfig(path=str(build_tiny_gguf(tmp_path / "tiny.gguf", None)), n_ctx=256))
    try:
        worker = await backend.worker()
        assert not worker.add_bos  # the case that failed: nothing added in front of an empty prefix
        tokens, _ = backend.prompt_tokens(worker, request_)
        assert tokens == [worker.llm.token_bos()]
        result = await generate(backend, request_)
        assert result.finish_reason in ("stop", "length")
    finally:
        await backend.aclose()
