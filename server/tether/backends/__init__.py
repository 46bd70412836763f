"""Model backends: llama.cpp for local GGUF files, OpenAI-compatible endpoints, and a router."""

from .base import Backend, Capabilities, ChatMessage, Chunk, FimParts, GenerationRequest
from .runtime import Generation, generate

__all__ = [
    "Backend",
    "Capabilities",
    "ChatMessage",
    "Chunk",
    "FimParts",
    "Generation",
    "GenerationRequest",
    "generate",
]
