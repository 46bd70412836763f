"""Fixtures shared by the LSP tests that drive tether against a scripted model."""

from __future__ import annotations

import pytest
from tests.fixtures.openai_server import ScriptedOpenAIServer


@pytest.fixture(scope="module")
def server():
    """A scripted OpenAI-compatible server (tests/fixtures/openai_server.py), one per test module."""
    with ScriptedOpenAIServer() as scripted:
        yield scripted
