"""Fixtures for the backend tests: a scripted OpenAI-compatible server and a real one."""

from tests.fixtures.llama_server import llama_server  # noqa: F401  (pytest fixture)
from tests.fixtures.openai_server import openai_server  # noqa: F401  (pytest fixture)
