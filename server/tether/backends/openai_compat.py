"""OpenAI-compatible endpoints: vLLM, llama.cpp's llama-server, llama-cpp-python's server,
Ollama, LM Studio, OpenAI itself, through the official ``openai`` SDK (AsyncOpenAI).

- ``messages`` go to /chat/completions, ``prompt`` to /completions, ``fim`` to /completions
  with ``suffix`` when the slot sets ``fim = true`` (else prefix-only completion). All streamed.
- ``assistant_prefix``: priming the reply with a trailing assistant message is not portable,
  so nothing extra is sent; the text returned is the reply as the model wrote it (a repeated
  copy of the prefix included, and not scanned for stops). A stream that breaks off with no
  finish reason ends with finish reason ``incomplete``, never ``stop``.
- ``seed`` is sent as is; ``repeat_penalty`` is llama.cpp's and not sent.
- ``json_schema``: asked for as ``response_format`` type ``json_schema`` (strict). An endpoint
  that rejects it is asked with ``json_object`` plus ``schema`` (how llama-server and
  llama-cpp-python's server constrain output), then with no response_format and the schema
  written into the last user message. The step that worked is remembered. JSON replies are
  buffered and the first JSON value cut out of them (``jsonout.extract_json``), so the
  caller gets one clean JSON document even from a model that wrapped it in prose.
- ``grammar`` is ignored (Capabilities.grammar is False).
- Timeouts and retries (connection errors, 408/409/429/5xx) are the SDK's, from the slot's
  ``timeout_s`` and ``max_retries``. Failures become ModelError naming the endpoint.
- ``count_tokens`` is an estimate (characters / 3.5): remote servers expose no tokenizer.
- Everything sent is passed through ``tether.secrets.redact`` first.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import math
import os
from collections.abc import AsyncGenerator, Iterator
from typing import Any
from urllib.parse import urlparse

import httpx
import httpx2
import openai
from openai import AsyncOpenAI

from ..config import ModelConfig
from ..errors import ConfigError, GenerationError, ModelError
from ..secrets import redact
from .base import Backend, Capabilities, ChatMessage, Chunk, GenerationRequest
from .jsonout import extract_json
from .streamtext import ReplyFilter

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 3.5
MAX_SERVER_STOPS = 4  # OpenAI's API refuses more; the rest are enforced client-side
FORMAT_STEPS = ("json_schema", "json_object", "none")
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


async def _close_iterator(replies: Any) -> None:
    """Close the SDK stream's own iterator (openai ``AsyncStream._iterator``) after a reply stopped early.

    That async generator and the AsyncStream hold each other (a reference cycle), so left alone it,
    and the httpx generators under it, wait for the cyclic garbage collector, which may run after the
    event loop closed: "Exception ignored in: <async_generator ...>" on stderr. Closed here, the
    chain under it is finalized at once, by reference counting, while the loop runs."""
    iterator = getattr(replies, "_iterator", None)
    if iterator is not None and hasattr(iterator, "aclose"):
        with contextlib.suppress(Exception):
            await iterator.aclose()


class OpenAIBackend(Backend):
    def __init__(self, name: str, config: ModelConfig):
        if not config.base_url:
            raise ConfigError(
                f"Model slot '{name}' uses backend 'openai' but sets no base_url; "
                f'add e.g. base_url = "http://127.0.0.1:8000/v1" under [models.{name}] in tether.toml '
                f"(or set TETHER_MODELS__{name.upper()}__BASE_URL)."
            )
        self.name = name
        self.config = config
        self.base_url = config.base_url.rstrip("/")
        self._client: AsyncOpenAI | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None
        self._model: str | None = config.model
        self._ready = False
        self._format_step = 0

    # -- connection ----------------------------------------------------------------------

    def _api(self) -> AsyncOpenAI:
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            # An HTTP connection pool belongs to the event loop that opened it; the CLI runs
            # one asyncio.run per command (and tests one loop per test), so keep one per loop.
            try:
                self._client = AsyncOpenAI(
                    base_url=self.base_url,
                    api_key=os.environ.get(self.config.api_key_env) or "not-needed",
                    timeout=self.config.timeout_s,
                    max_retries=self.config.max_retries,
                )
            except (httpx.InvalidURL, httpx2.InvalidURL) as exc:  # the SDK parses base_url with httpx2
                raise ModelError(
                    f"The model endpoint URL {self.base_url!r} is not valid ({exc}); fix base_url under [models.{self.name}]."
                ) from exc
            self._client_loop = loop
        return self._client

    async def _ensure_ready(self) -> str:
        """Probe the endpoint once (GET /models) and settle the model name."""
        if self._ready and self._model:
            return self._model
        with self._errors():
            try:
                page = await self._api().models.list()
                ids = [m.id for m in page.data]
            except openai.NotFoundError:
                ids = []  # a server without /models; the first request will tell
        if not self._model:
            if not ids:
                raise ModelError(f'The model endpoint {self.base_url} lists no models; set model = "..." under [models.{self.name}].')
            self._model = ids[0]
        elif ids and self._model not in ids:
            log.info("model %r is not in %s/models (%s); sending it anyway", self._model, self.base_url, ids[:5])
        self._ready = True
        return self._model

    # -- protocol ------------------------------------------------------------------------

    async def capabilities(self) -> Capabilities:
        await self._ensure_ready()
        host = urlparse(self.base_url).hostname or ""
        return Capabilities(
            fim=bool(self.config.fim),
            grammar=False,
            json_schema=True,
            n_ctx=self.config.context_window,
            local=host in _LOOPBACK or host.startswith("127."),
            fim_style=None,  # the server builds the FIM prompt from `suffix`
        )

    async def count_tokens(self, text: str) -> int:
        """An estimate: remote endpoints expose no tokenizer; ~3.5 characters a token for code."""
        return math.ceil(len(text) / CHARS_PER_TOKEN)

    async def stream(self, request: GenerationRequest) -> AsyncGenerator[Chunk, None]:
        model = await self._ensure_ready()
        prefix = request.assistant_prefix if request.messages is not None else ""
        replies = await self._open(model, request)
        reply = ReplyFilter(prefix, request.stop)
        # JSON replies are collected and re-emitted as one clean JSON document: in the fallback
        # steps the model may wrap it in prose, and some servers accept json_schema but ignore it.
        buffered = request.json_schema is not None
        parts: list[str] = []
        finish: str | None = None  # stays None if the stream breaks off before the model finished
        try:
            async with contextlib.aclosing(self._pieces(replies)) as pieces:
                async for text, reason in pieces:
                    finish = reason or finish
                    out = reply.feed(text) if text else ""
                    if out and buffered:
                        parts.append(out)
                    elif out:
                        yield Chunk(text=out)
                    if reply.stopped:
                        finish = "stop"
                        break
        finally:
            # Closing the HTTP response is what cancels generation on the server.
            await replies.close()
            await _close_iterator(replies)
        tail = reply.finish()
        finish = finish or "incomplete"
        if buffered:
            yield Chunk(text=_json_text("".join(parts) + tail, finish))
        elif tail:
            yield Chunk(text=tail)
        yield Chunk(finish_reason=finish)  # type: ignore[arg-type]

    async def aclose(self) -> None:
        client, loop = self._client, self._client_loop
        self._client = self._client_loop = None
        with contextlib.suppress(RuntimeError):
            if client is not None and loop is asyncio.get_running_loop():
                await client.close()

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": "openai",
            "base_url": self.base_url,
            "n_ctx": self.config.context_window,
            "model": self._model or self.config.model,
            "fim": bool(self.config.fim),
            "api_key_env": self.config.api_key_env,
            "api_key_set": bool(os.environ.get(self.config.api_key_env)),
        }

    # -- requests ------------------------------------------------------------------------

    async def _open(self, model: str, request: GenerationRequest) -> Any:
        """Start the streamed request; for JSON, step down response_format on rejection."""
        api = self._api()
        with self._errors():
            if request.messages is None:
                return await api.completions.create(**self._completion_args(model, request))
            if request.json_schema is None:
                return await api.chat.completions.create(**self._chat_args(model, request, None))
            step = self._format_step
            while True:
                try:
                    args = self._chat_args(model, request, FORMAT_STEPS[step])
                    replies = await api.chat.completions.create(**args)
                except openai.APIStatusError as exc:
                    if step + 1 >= len(FORMAT_STEPS) or not _rejects_format(exc):
                        raise
                    said = _server_message(exc, 160)
                    log.info("%s rejected response_format %s: %s", self.base_url, FORMAT_STEPS[step], said)
                    step += 1
                    continue
                self._format_step = step  # remembered only once a request went through
                return replies

    def _common_args(self, model: str, request: GenerationRequest, prefix: str) -> dict[str, Any]:
        args: dict[str, Any] = dict(model=model, max_tokens=request.max_tokens, temperature=request.temperature, stream=True)
        if request.seed is not None:
            args["seed"] = request.seed
        # A stop found inside the assistant prefix would fire on the repeated prefix; such
        # stops, and any beyond the API's limit, are enforced by ReplyFilter instead.
        stops = [s for s in request.stop if s and s not in prefix][:MAX_SERVER_STOPS]
        if stops:
            args["stop"] = stops
        return args

    def _chat_args(self, model: str, request: GenerationRequest, step: str | None) -> dict[str, Any]:
        assert request.messages is not None
        messages = list(request.messages)
        schema = request.json_schema
        if step == "json_schema":
            fmt: dict[str, Any] | None = {
                "type": "json_schema",
                "json_schema": {"name": "output", "schema": schema, "strict": True},
            }
        elif step == "json_object":
            fmt = {"type": "json_object", "schema": schema}
        else:
            fmt = None
        if step == "none":
            messages = _with_schema_note(messages, schema or {})
        args = self._common_args(model, request, request.assistant_prefix)
        args["messages"] = [{"role": m.role, "content": redact(m.content)} for m in messages]
        if fmt is not None:
            args["response_format"] = fmt
        return args

    def _completion_args(self, model: str, request: GenerationRequest) -> dict[str, Any]:
        args = self._common_args(model, request, "")
        if request.fim is not None:
            args["prompt"] = redact(request.fim.prefix)
            if self.config.fim:
                args["suffix"] = redact(request.fim.suffix)
        else:
            args["prompt"] = redact(request.prompt or "")
        return args

    async def _pieces(self, replies: Any) -> AsyncGenerator[tuple[str, str | None], None]:
        """(text, finish_reason) from the SDK's chunks, chat or text completion alike."""
        with self._errors():
            async for chunk in replies:
                if not chunk.choices:
                    continue  # usage-only chunk
                choice = chunk.choices[0]
                delta = getattr(choice, "delta", None)
                text = (delta.content if delta is not None else getattr(choice, "text", None)) or ""
                reason = choice.finish_reason
                yield text, (None if reason is None else "length" if reason == "length" else "stop")

    # -- errors --------------------------------------------------------------------------

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """SDK errors become ModelError: a sentence naming the endpoint and what to do."""
        try:
            yield
        except openai.APIError as exc:
            raise self._model_error(exc) from exc

    def _model_error(self, exc: openai.APIError) -> ModelError:
        where = f"the model endpoint {self.base_url}"
        subject = where[0].upper() + where[1:]
        retries = f"after {self.config.max_retries} retries" if self.config.max_retries else "with no retries"
        if isinstance(exc, openai.APITimeoutError):
            return ModelError(
                f"Timed out waiting for {where} ({self.config.timeout_s:g} s, {retries}). "
                f"Is the server overloaded? Raise timeout_s under [models.{self.name}] if it is just slow."
            )
        if isinstance(exc, openai.APIConnectionError):
            return ModelError(f"Could not reach {where} ({_connection_reason(exc)}). Is the server running?")
        if not isinstance(exc, openai.APIStatusError):
            return ModelError(f"{subject} broke off the reply: {_server_message(exc)}.")
        code, said = exc.status_code, _server_message(exc)
        if code in (401, 403):
            return ModelError(
                f"{subject} refused the API key (HTTP {code}: {said}). "
                f"Put a valid key in the environment variable {self.config.api_key_env}."
            )
        if code == 404:
            return ModelError(
                f"{subject} answered 404 for model '{self._model}' ({said}). "
                "Check `model` (the name the server lists under /models) and that base_url ends in /v1."
            )
        if code >= 500 or code == 429:
            return ModelError(f"{subject} failed with HTTP {code} {retries}: {said}.")
        return ModelError(f"{subject} rejected the request (HTTP {code}): {said}.")


def _rejects_format(exc: openai.APIStatusError) -> bool:
    """A client error, or a server error that names response_format (llama-cpp-python's
    server answers 500 to a response_format type it does not know)."""
    if exc.status_code in (400, 422):
        return True
    return exc.status_code >= 500 and "response_format" in _server_message(exc)


def _server_message(exc: openai.APIError, limit: int = 300) -> str:
    body = exc.body
    message: Any = None
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
    text = str(message or exc.message).strip().rstrip(".")
    return text if len(text) <= limit else text[:limit] + "..."


def _connection_reason(exc: BaseException) -> str:
    """The most specific cause: 'connection refused', 'name not resolved', or the OS text."""
    cause: BaseException | None = exc.__cause__ or exc.__context__
    last = cause
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError) or getattr(cause, "errno", None) == errno.ECONNREFUSED:
            return "connection refused"
        last = cause
        cause = cause.__cause__ or cause.__context__
    text = str(last or exc).strip()
    if "refused" in text.lower():
        return "connection refused"
    if "name or service not known" in text.lower() or "nodename nor servname" in text.lower():
        return "host name not found"
    return text or type(last).__name__


def _with_schema_note(messages: list[ChatMessage], schema: dict[str, Any]) -> list[ChatMessage]:
    """Without response_format the model only knows the schema if it is told."""
    note = "\n\nReply with only a JSON value, no other text, that matches this JSON schema:\n" + json.dumps(schema, ensure_ascii=False)
    out = list(messages)
    for i in range(len(out) - 1, -1, -1):
        if out[i].role == "user":
            out[i] = ChatMessage(role="user", content=out[i].content + note)
            return out
    return out + [ChatMessage(role="user", content=note.strip())]


def _json_text(text: str, finish: str) -> str:
    try:
        value = extract_json(text)
    except GenerationError as exc:
        if finish in ("length", "incomplete"):
            raise GenerationError(f"{exc} The reply was cut off at max_tokens; raise max_tokens.") from exc
        raise
    return json.dumps(value, ensure_ascii=False)
