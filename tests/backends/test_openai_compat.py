"""OpenAIBackend behaviours a real server cannot be made to show on demand.

Most tests talk to the scripted server (tests/fixtures/openai_server.py), a stand-in for a
remote model that answers from a script over real HTTP; their names say "scripted". What is
under test is tether's client code above HTTP: retries, error messages, response_format
fallback, prefix stripping, stops, redaction, cancellation. The contract every backend meets
against a real model is in test_contract.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import pytest
from pydantic import BaseModel, ConfigDict, Field
from tests.fixtures.llama_server import free_port
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

from tether.backends import ChatMessage, FimParts, GenerationRequest, generate
from tether.backends.openai_compat import OpenAIBackend
from tether.config import ModelConfig
from tether.errors import ConfigError, ModelError
from tether.secrets import redact

FAST_RETRY = {"retry-after-ms": "10"}  # the SDK honours it, so retry tests stay quick


def backend_for(server: ScriptedOpenAIServer, **config: object) -> OpenAIBackend:
    settings = {"backend": "openai", "base_url": server.base_url, "model": "scripted-model", "max_retries": 0}
    return OpenAIBackend("remote", ModelConfig(**{**settings, **config}))


def chat(text: str = "Say hello.", **fields: object) -> GenerationRequest:
    return GenerationRequest(messages=[ChatMessage(role="user", content=text)], max_tokens=16, **fields)


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=20)
    age: int


async def test_scripted_chat_streams_text_and_sends_the_request(openai_server: ScriptedOpenAIServer) -> None:
    openai_server.script(Reply(text="Hello there, world."))
    backend = backend_for(openai_server)
    result = await generate(backend, chat(stop=["\n\n"], temperature=0.2))
    assert result.text == "Hello there, world."
    assert result.finish_reason == "stop"
    (sent,) = openai_server.posts("/chat/completions")
    assert sent.body["model"] == "scripted-model"
    assert sent.body["messages"] == [{"role": "user", "content": "Say hello."}]
    assert sent.body["stream"] is True
    assert sent.body["max_tokens"] == 16
    assert sent.body["temperature"] == 0.2
    assert sent.body["stop"] == ["\n\n"]
    assert "response_format" not in sent.body
    await backend.aclose()


async def test_scripted_length_finish_is_mapped(openai_server: ScriptedOpenAIServer) -> None:
    openai_server.script(Reply(text="a b c d", finish_reason="length"), Reply(text="x", finish_reason="eos"))
    backend = backend_for(openai_server)
    assert (await generate(backend, chat())).finish_reason == "length"
    assert (await generate(backend, chat())).finish_reason == "stop"


async def test_scripted_5xx_then_success_is_retried(openai_server: ScriptedOpenAIServer) -> None:
    failing = [Reply(status=503, headers=FAST_RETRY), Reply(status=500, headers=FAST_RETRY)]
    openai_server.script(*failing, Reply(text="fine"))
    backend = backend_for(openai_server, max_retries=2)
    result = await generate(backend, chat())
    assert result.text == "fine"
    assert len(openai_server.posts("/chat/completions")) == 3


async def test_scripted_5xx_past_the_retries_is_a_model_error(openai_server: ScriptedOpenAIServer) -> None:
    openai_server.script(*[Reply(status=502, error="upstream down", headers=FAST_RETRY)] * 3)
    backend = backend_for(openai_server, max_retries=1)
    with pytest.raises(ModelError) as caught:
        await generate(backend, chat())
    message = str(caught.value)
    assert openai_server.base_url in message
    assert "HTTP 502 after 1 retries" in message and "upstream down" in message
    assert len(openai_server.posts("/chat/completions")) == 2


async def test_connection_refused_is_a_clear_model_error() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    backend = OpenAIBackend("remote", ModelConfig(backend="openai", base_url=url, model="m", max_retries=0))
    with pytest.raises(ModelError) as caught:
        await generate(backend, chat())
    expected = f"Could not reach the model endpoint {url} (connection refused). Is the server running?"
    assert str(caught.value) == expected
    with pytest.raises(ModelError):
        await backend.capabilities()


async def test_scripted_timeout_is_a_model_error(openai_server: ScriptedOpenAIServer) -> None:
    openai_server.script(Reply(delay_s=30))
    backend = backend_for(openai_server, timeout_s=0.5)
    started = time.monotonic()
    with pytest.raises(ModelError) as caught:
        await generate(backend, chat())
    assert time.monotonic() - started < 10
    assert str(caught.value).startswith(f"Timed out waiting for the model endpoint {openai_server.base_url} (0.5 s")
    assert "timeout_s" in str(caught.value)


async def test_scripted_api_key_comes_from_the_configured_env_var(
    openai_server: ScriptedOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TETHER_TEST_REMOTE_KEY", "sk-test-1234")
    await generate(backend_for(openai_server, api_key_env="TETHER_TEST_REMOTE_KEY"), chat())
    monkeypatch.delenv("TETHER_TEST_REMOTE_KEY")
    await generate(backend_for(openai_server, api_key_env="TETHER_TEST_REMOTE_KEY"), chat())
    first, second = openai_server.posts("/chat/completions")
    assert first.headers["authorization"] == "Bearer sk-test-1234"
    assert second.headers["authorization"] == "Bearer not-needed"


async def test_scripted_auth_error_names_the_env_var(openai_server: ScriptedOpenAIServer) -> None:
    openai_server.script(Reply(status=401, error="Incorrect API key provided"))
    backend = backend_for(openai_server, api_key_env="TETHER_TEST_REMOTE_KEY")
    with pytest.raises(ModelError, match="refused the API key .*TETHER_TEST_REMOTE_KEY"):
        await generate(backend, chat())


async def test_scripted_missing_model_is_a_model_error(openai_server: ScriptedOpenAIServer) -> None:
    openai_server.known_models_only = True
    backend = backend_for(openai_server, model="no-such-model")
    with pytest.raises(ModelError) as caught:
        await generate(backend, chat())
    assert "404 for model 'no-such-model'" in str(caught.value) and openai_server.base_url in str(caught.value)


async def test_scripted_model_name_defaults_to_the_first_listed(openai_server: ScriptedOpenAIServer) -> None:
    backend = backend_for(openai_server, model=None)
    await generate(backend, chat())
    assert openai_server.posts()[0].body["model"] == "scripted-model"
    assert backend.describe()["model"] == "scripted-model"


async def test_scripted_json_schema_is_sent_as_response_format(openai_server: ScriptedOpenAIServer) -> None:
    openai_server.script(Reply(text='{"name": "Ada", "age": 36}'))
    result = await generate(backend_for(openai_server), chat(json_schema=Person.model_json_schema()))
    assert Person.model_validate_json(result.text) == Person(name="Ada", age=36)
    fmt = openai_server.posts()[0].body["response_format"]
    assert fmt == {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": Person.model_json_schema(), "strict": True},
    }


async def test_scripted_server_ignoring_json_schema_still_yields_clean_json(
    openai_server: ScriptedOpenAIServer,
) -> None:
    openai_server.script(Reply(text='Of course. {"name": "Ada", "age": 36} Hope that helps!'))
    result = await generate(backend_for(openai_server), chat(json_schema=Person.model_json_schema()))
    assert json.loads(result.text) == {"name": "Ada", "age": 36}


async def test_scripted_rejected_response_format_falls_back_to_parsing(openai_server: ScriptedOpenAIServer) -> None:
    openai_server.reject_response_format = True
    reply = 'Sure! Here it is:\n```json\n{"name": "Ada", "age": 36}\n```\nAnything else?'
    openai_server.script(Reply(text=reply), Reply(text='[1, 2] and then {"name": "Bo", "age": 2}'))
    backend = backend_for(openai_server)
    result = await generate(backend, chat("Who?", json_schema=Person.model_json_schema()))
    assert Person.model_validate_json(result.text) == Person(name="Ada", age=36)
    schema_step, object_step, plain = openai_server.posts()
    assert schema_step.body["response_format"]["type"] == "json_schema"
    assert object_step.body["response_format"] == {"type": "json_object", "schema": Person.model_json_schema()}
    assert "response_format" not in plain.body
    note = plain.body["messages"][-1]["content"]
    assert note.startswith("Who?") and json.dumps(Person.model_json_schema()) in note
    # the step that worked is remembered: one request, the first JSON value in the reply
    again = await generate(backend, chat("Who?", json_schema=Person.model_json_schema()))
    assert json.loads(again.text) == [1, 2]
    assert len(openai_server.posts()) == 4


async def test_scripted_json_fallback_without_json_is_a_generation_error(openai_server: ScriptedOpenAIServer) -> None:
    from tether.errors import GenerationError

    openai_server.reject_response_format = True
    openai_server.script(Reply(text="I would rather not."))
    with pytest.raises(GenerationError, match="no JSON object or array .*I would rather not"):
        await generate(backend_for(openai_server), chat(json_schema=Person.model_json_schema()))


async def test_scripted_repeated_assistant_prefix_is_kept_and_not_scanned_for_stops(openai_server: ScriptedOpenAIServer) -> None:
    openai_server.script(
        Reply(text="```python\ndef f():\n    return 1\n```\nThis defines f.", chunk_chars=3),
        Reply(text="def g():\n    pass\n```\n", chunk_chars=5),
    )
    backend = backend_for(openai_server)
    request = chat("Rewrite it.", assistant_prefix="```python\n", stop=["```", "<|end|>"])
    repeated = await generate(backend, request)
    assert repeated.text == "```python\ndef f():\n    return 1\n"
    plain = await generate(backend, request)
    assert plain.text == "def g():\n    pass\n"
    # "```" occurs in the prefix, so it is enforced client-side, not sent
    assert openai_server.posts()[0].body["stop"] == ["<|end|>"]
    assert openai_server.posts()[0].body["messages"] == [{"role": "user", "content": "Rewrite it."}]


async def test_scripted_stops_beyond_the_api_limit_are_enforced_locally(openai_server: ScriptedOpenAIServer) -> None:
    openai_server.script(Reply(text="one two three FIVE six", chunk_chars=2))
    result = await generate(backend_for(openai_server), chat(stop=["A1", "B2", "C3", "D4", "FIVE"]))
    assert result.text == "one two three "
    assert result.finish_reason == "stop"
    assert openai_server.posts()[0].body["stop"] == ["A1", "B2", "C3", "D4"]


async def test_scripted_fim_sends_suffix_only_when_enabled(openai_server: ScriptedOpenAIServer) -> None:
    openai_server.script(Reply(text="a + b"), Reply(text="a + b"))
    fim = GenerationRequest(fim=FimParts(prefix="def add(a, b):\n    return ", suffix="\n"), max_tokens=8)
    assert (await generate(backend_for(openai_server, fim=True), fim)).text == "a + b"
    assert (await generate(backend_for(openai_server), fim)).text == "a + b"
    with_suffix, prefix_only = openai_server.posts("/completions")
    assert with_suffix.path.endswith("/v1/completions")
    assert with_suffix.body["prompt"] == "def add(a, b):\n    return " and with_suffix.body["suffix"] == "\n"
    assert prefix_only.body["prompt"] == "def add(a, b):\n    return " and "suffix" not in prefix_only.body


async def test_scripted_closing_the_stream_closes_the_http_response(openai_server: ScriptedOpenAIServer) -> None:
    openai_server.script(Reply(text="x" * 400, chunk_chars=1, chunk_delay_s=0.02), Reply(text="next"))
    backend = backend_for(openai_server)
    async with contextlib.aclosing(backend.stream(chat())) as chunks:
        async for chunk in chunks:
            assert chunk.text == "x"
            break
    deadline = time.monotonic() + 10
    while openai_server.disconnects < 1 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)  # polling the server's view, bounded by the deadline
    assert openai_server.disconnects == 1
    assert (await generate(backend, chat())).text == "next"


async def test_scripted_redaction_hook_filters_everything_sent(openai_server: ScriptedOpenAIServer) -> None:
    canary = (
        "config = {'aws_secret_access_key': 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',\n"
        " 'token': 'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789'}\n"
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7YQmT3c\n-----END RSA PRIVATE KEY-----\n"
    )
    assert redact(canary) != canary, "the canary should hold something redact() removes"
    backend = backend_for(openai_server, fim=True)
    await generate(backend, GenerationRequest(messages=[ChatMessage(role="system", content=canary)], max_tokens=4))
    await generate(backend, GenerationRequest(prompt=canary, max_tokens=4))
    await generate(backend, GenerationRequest(fim=FimParts(prefix=canary, suffix=canary), max_tokens=4))
    chat_sent, prompt_sent, fim_sent = openai_server.posts()
    assert chat_sent.body["messages"][0]["content"] == redact(canary)
    assert prompt_sent.body["prompt"] == redact(canary)
    assert fim_sent.body["prompt"] == redact(canary) and fim_sent.body["suffix"] == redact(canary)
    for sent in (chat_sent, prompt_sent, fim_sent):
        assert "wJalrXUtnFEMI" not in json.dumps(sent.body) and "ghp_aBcDeF" not in json.dumps(sent.body)


async def test_estimated_token_count_and_capabilities(openai_server: ScriptedOpenAIServer) -> None:
    backend = backend_for(openai_server, fim=True)
    assert await backend.count_tokens("x" * 7) == 2
    assert await backend.count_tokens("") == 0
    caps = await backend.capabilities()
    assert (caps.fim, caps.grammar, caps.json_schema, caps.n_ctx, caps.local) == (True, False, True, 8192, True)
    assert openai_server.requests[0].path == "/v1/models"


def test_a_slot_without_base_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="sets no base_url"):
        OpenAIBackend("remote", ModelConfig(backend="openai"))


async def test_an_unparsable_base_url_that_skipped_validation_is_a_model_error() -> None:
    config = ModelConfig.model_construct(backend="openai", base_url="http://[::1", model="m")  # as if validation were bypassed
    backend = OpenAIBackend("remote", config)
    with pytest.raises(ModelError, match=r"The model endpoint URL 'http://\[::1' is not valid .*\[models\.remote\]"):
        await generate(backend, chat())
