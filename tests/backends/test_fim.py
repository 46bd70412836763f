"""FIM prompts from the model's own tokens, on small random-weight GGUFs built with `gguf`.

Each model has the FIM tokens of one family (or none). The prompt tether builds must hold
exactly those token ids in prefix-suffix-middle order; llama-cpp-python's `suffix=` path (which
hard-codes token 0) is never used.
"""

from __future__ import annotations

import pytest
from tests.fixtures.tiny_gguf import build_tiny_gguf, tiny_gguf_token_ids

from tether.backends.base import FimParts, GenerationRequest
from tether.backends.llamacpp import LlamaCppBackend
from tether.backends.router import Router
from tether.backends.runtime import generate
from tether.config import ModelConfig, load_settings
from tether.engine import Engine
from tether.ops.complete import complete

STYLES = ["qwen", "starcoder", "codellama", "deepseek"]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gguf")
    built = {style: build_tiny_gguf(folder / f"{style}.gguf", style) for style in [*STYLES, None]}
    built["qwen-text-only"] = build_tiny_gguf(folder / "qwen-text.gguf", "qwen", fim_metadata=False)
    return built


def backend_for(path) -> LlamaCppBackend:
    return LlamaCppBackend("tiny", ModelConfig(path=str(path), n_ctx=256))


@pytest.mark.parametrize("style", STYLES)
async def test_fim_prompt_uses_the_models_own_tokens(models, style):
    backend = backend_for(models[style])
    try:
        caps = await backend.capabilities()
        assert caps.fim and caps.fim_style == style
        ids = tiny_gguf_token_ids(style)
        worker = await backend.worker()
        request = GenerationRequest(fim=FimParts(prefix="def f(", suffix=")\n"), max_tokens=4)
        tokens, _ = backend.prompt_tokens(worker, request)
        body = tokens[1:] if tokens[0] == ids["bos"] and style in ("codellama", "deepseek") else tokens
        assert body[0] == ids["fim_pre"]
        assert body[-1] == ids["fim_mid"]
        assert ids["fim_suf"] in body
        assert 0 not in body  # the token-0 bug of llama-cpp-python's suffix= path
        middle = worker.llm.detokenize(body[1 : body.index(ids["fim_suf"])]).decode()
        assert middle == "def f("
        generation = await generate(backend, request)
        assert generation.finish_reason in ("stop", "length")
    finally:
        await backend.aclose()


async def test_fim_tokens_found_by_text_when_metadata_is_missing(models):
    backend = backend_for(models["qwen-text-only"])
    try:
        caps = await backend.capabilities()
        assert caps.fim and caps.fim_style == "qwen"
    finally:
        await backend.aclose()


async def test_model_without_fim_gets_prefix_only_prompt(models):
    backend = backend_for(models[None])
    try:
        assert not (await backend.capabilities()).fim
        worker = await backend.worker()
        tokens, _ = backend.prompt_tokens(worker, GenerationRequest(fim=FimParts(prefix="x = ", suffix="\ny = 2\n")))
        assert worker.llm.detokenize(tokens).decode() == "x = "
    finally:
        await backend.aclose()


async def test_complete_op_runs_fim_end_to_end(models, tmp_path):
    settings = load_settings(tmp_path, env={}, overrides={"models": {"bundled": {"path": str(models["qwen"]), "n_ctx": 256}}})
    engine = Engine(settings, tmp_path, router=Router(settings))
    try:
        result = await complete(engine, "a.py", "def add(a, b):\n    return \n", 1, 11, max_tokens=6)
        assert result.fim is True and result.model == "bundled"
        assert result.sources[0].path == "a.py"
    finally:
        await engine.aclose()


@pytest.mark.parametrize("style", STYLES)
async def test_capabilities_name_the_models_own_control_tokens(models, style):
    """The GGUF's special tokens reach ``Capabilities.control_tokens`` (completion hygiene cuts
    a completion where the model spells one out as text)."""
    backend = backend_for(models[style])
    try:
        caps = await backend.capabilities()
        markers = {"qwen": "<|fim_middle|>", "starcoder": "<fim_middle>", "codellama": "<MID>", "deepseek": "<｜fim▁end｜>"}
        assert markers[style] in caps.control_tokens
        assert all(token.strip() == token and len(token) > 2 for token in caps.control_tokens)
    finally:
        await backend.aclose()
