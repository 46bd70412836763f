"""The backend protocol: one small class per backend, streaming chunks for a request.

Collecting text, cancellation and logging live once, in ``runtime.py``. A backend only turns a
GenerationRequest into a stream of Chunks and says what it can do (Capabilities).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class FimParts(BaseModel):
    """Fill-in-the-middle: generate what goes between prefix and suffix."""

    prefix: str
    suffix: str = ""


class GenerationRequest(BaseModel):
    """What to generate. Exactly one of ``messages``, ``prompt`` or ``fim`` is set."""

    model_config = ConfigDict(extra="forbid")

    messages: list[ChatMessage] | None = None
    prompt: str | None = None
    fim: FimParts | None = None
    assistant_prefix: str = Field(
        "",
        description=(
            "Text the reply is primed with (chat), where the backend can prime (llama.cpp). The reply's "
            "text starts with it there; a remote endpoint cannot be primed and the model writes its own start."
        ),
    )
    max_tokens: int = Field(256, ge=1)
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    seed: int | None = Field(None, description="Sampling seed (with temperature > 0): a re-ask uses a new one.")
    repeat_penalty: float = Field(1.0, ge=1.0, le=2.0, description="llama.cpp repeat penalty (1.0: off).")
    stop: list[str] = Field(default_factory=list)
    json_schema: dict[str, Any] | None = Field(None, description="Constrain the output to this JSON schema.")
    grammar: str | None = Field(None, description="GBNF grammar (llama.cpp only).")
    speculative: bool = Field(False, description="Output mostly copies the prompt: use prompt-lookup decoding.")

    @model_validator(mode="after")
    def _one_input(self) -> GenerationRequest:
        given = [x for x in (self.messages, self.prompt, self.fim) if x is not None]
        if len(given) != 1:
            raise ValueError("set exactly one of messages, prompt or fim")
        return self


FinishReason = Literal["stop", "length", "cancelled", "incomplete"]
"""Why a reply ended; see Chunk."""


class Chunk(BaseModel):
    """A piece of a streamed reply. The last chunk carries ``finish_reason``: ``stop`` (the model
    ended), ``length`` (token limit), ``cancelled``, or ``incomplete`` (the stream broke off with
    no finish reason: a crashed worker, a proxy timeout)."""

    text: str = ""
    finish_reason: FinishReason | None = None


class Capabilities(BaseModel):
    fim: bool = False
    grammar: bool = False
    json_schema: bool = False
    n_ctx: int = 4096
    local: bool = True
    fim_style: str | None = None
    # The model's own control/special token texts (llama.cpp: from the GGUF vocabulary), cut
    # from completions (edits.completion_fit); empty where the backend cannot tell.
    control_tokens: tuple[str, ...] = ()


class Backend(ABC):
    """A model that streams text. Instances are long-lived and shared by every request."""

    name: str

    @abstractmethod
    async def capabilities(self) -> Capabilities:
        """What this backend can do; may load the model on first call."""

    @abstractmethod
    def stream(self, request: GenerationRequest) -> AsyncGenerator[Chunk, None]:
        """Yield chunks; the last carries ``finish_reason``. Closing the generator (``aclose``) cancels."""

    @abstractmethod
    async def count_tokens(self, text: str) -> int:
        """Tokens in ``text`` as this model counts them."""

    async def aclose(self) -> None:  # noqa: B027 - a no-op default on purpose: only backends holding a model or connection override it
        """Release the model or connection."""

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "kind": type(self).__name__}
