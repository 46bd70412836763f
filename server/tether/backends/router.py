"""Router: roles (complete, edit, embed) mapped to an ordered failover list of model slots.

Backends are built lazily, once per slot. A request goes to the first slot of its role; if that
backend cannot load or cannot be reached (ModelError) before any text was produced, the next
slot is tried.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator, Callable

from ..config import ModelConfig, Settings
from ..errors import ConfigError, ModelError
from .base import Backend, Capabilities, Chunk, GenerationRequest

log = logging.getLogger(__name__)

BackendFactory = Callable[[str, ModelConfig], Backend]


def default_factory(name: str, config: ModelConfig) -> Backend:
    if config.backend == "llamacpp":
        from .llamacpp import LlamaCppBackend

        return LlamaCppBackend(name, config)
    from .openai_compat import OpenAIBackend

    return OpenAIBackend(name, config)


class Router:
    def __init__(self, settings: Settings, factory: BackendFactory = default_factory):
        self.settings = settings
        self.factory = factory
        self._backends: dict[str, Backend] = {}

    def backend(self, slot: str) -> Backend:
        if slot not in self._backends:
            if slot not in self.settings.models:
                raise ConfigError(f"No model slot named '{slot}' in settings.")
            self._backends[slot] = self.factory(slot, self.settings.models[slot])
        return self._backends[slot]

    def for_role(self, role: str) -> Backend:
        slots = self.settings.roles.get(role) or []
        if not slots:
            raise ConfigError(f"No model is configured for the '{role}' role; set roles.{role} in tether.toml.")
        if len(slots) == 1:
            return self.backend(slots[0])
        return FailoverBackend(role, [self.backend(s) for s in slots])

    def loaded(self) -> dict[str, Backend]:
        return dict(self._backends)

    async def aclose(self) -> None:
        for backend in self._backends.values():
            await backend.aclose()
        self._backends.clear()


class FailoverBackend(Backend):
    """Tries each backend in order until one starts producing output."""

    def __init__(self, role: str, backends: list[Backend]):
        self.name = f"{role}:" + ",".join(b.name for b in backends)
        self.backends = backends
        self.active: Backend = backends[0]

    async def capabilities(self) -> Capabilities:
        errors = []
        for backend in self.backends:
            try:
                caps = await backend.capabilities()
                self.active = backend
                return caps
            except ModelError as exc:
                errors.append(f"{backend.name}: {exc}")
        raise ModelError("No model for this role could be used: " + " | ".join(errors))

    async def count_tokens(self, text: str) -> int:
        await self.capabilities()
        return await self.active.count_tokens(text)

    async def stream(self, request: GenerationRequest) -> AsyncGenerator[Chunk, None]:
        errors = []
        for backend in self.backends:
            started = False
            try:
                # aclosing: when the caller stops early (a watch, a cancel), the model's own stream is
                # closed now (llama.cpp stops decoding, the HTTP response closes), not left to the garbage
                # collector, which may finalize it after the event loop closed ("Exception ignored in:
                # <async_generator ...>" on stderr).
                async with contextlib.aclosing(backend.stream(request)) as chunks:
                    async for chunk in chunks:
                        started = True
                        self.active = backend
                        yield chunk
                return
            except ModelError as exc:
                if started:
                    raise
                log.warning("model %s failed, trying the next one: %s", backend.name, exc)
                errors.append(f"{backend.name}: {exc}")
        raise ModelError("No model for this role could be used: " + " | ".join(errors))
