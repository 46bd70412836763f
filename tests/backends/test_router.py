"""Router and FailoverBackend on real parts: an endpoint nobody listens on, a file that is not
a GGUF, and the bundled model through llama.cpp as the slot that works."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fixtures.llama_server import free_port

from tether.backends import ChatMessage, GenerationRequest, generate
from tether.backends.router import FailoverBackend, Router
from tether.config import ModelConfig, Settings
from tether.errors import ModelError

pytestmark = pytest.mark.model

REQUEST = GenerationRequest(messages=[ChatMessage(role="user", content="Say hi.")], max_tokens=4)


def unreachable() -> ModelConfig:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    return ModelConfig(backend="openai", base_url=url, model="m", max_retries=0, timeout_s=5)


def router_for(models: dict[str, ModelConfig], order: list[str]) -> Router:
    return Router(Settings(models=models, roles={"edit": order}))


async def test_unreachable_endpoint_fails_over_to_the_bundled_model() -> None:
    router = router_for({"remote": unreachable(), "bundled": ModelConfig(n_ctx=2048)}, ["remote", "bundled"])
    try:
        backend = router.for_role("edit")
        assert isinstance(backend, FailoverBackend)
        result = await generate(backend, REQUEST)
        assert result.finish_reason in ("stop", "length")  # any reply, even an empty one, came from a slot
        assert backend.active.name == "bundled"
        caps = await backend.capabilities()
        assert caps.grammar is True  # llama.cpp's, not the endpoint's
    finally:
        await router.aclose()


async def test_a_file_that_is_not_gguf_fails_over_to_the_next_slot(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_text("this is a text file, not a model\n", encoding="utf-8")
    models = {"broken": ModelConfig(path=str(bad), n_ctx=2048), "bundled": ModelConfig(n_ctx=2048)}
    router = router_for(models, ["broken", "bundled"])
    try:
        with pytest.raises(ModelError, match="bad.gguf is not a GGUF model file"):
            await router.backend("broken").capabilities()
        backend = router.for_role("edit")
        result = await generate(backend, REQUEST)
        assert result.finish_reason in ("stop", "length")
        assert isinstance(backend, FailoverBackend) and backend.active.name == "bundled"
    finally:
        await router.aclose()


async def test_when_every_slot_fails_the_error_names_each(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_text("not a model", encoding="utf-8")
    router = router_for({"remote": unreachable(), "broken": ModelConfig(path=str(bad))}, ["remote", "broken"])
    try:
        with pytest.raises(ModelError) as caught:
            await generate(router.for_role("edit"), REQUEST)
        message = str(caught.value)
        assert message.startswith("No model for this role could be used:")
        assert "remote: Could not reach the model endpoint" in message and "(connection refused)" in message
        assert "broken: " in message and "is not a GGUF model file" in message
    finally:
        await router.aclose()
