"""Fixtures for the backend tests: a scripted OpenAI-compatible server and a real one."""

from tests.fixtures.llama_server import llama_server  # noqa: F401  (pytest fixture)
