"""Fixtures for `tether models pull|discover|use`: a fake hub, and an environment whose every model
root (HOME, HF_HOME, XDG_CONFIG_HOME, Ollama's host) lies in the test's tmp folder, so nothing on
this machine is read and nothing reaches the internet."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.cli.conftest import TETHER
from tests.fixtures.hub_server import FakeHub


def closed_port() -> int:
    """A port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    server = FakeHub().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


@pytest.fixture
def model_env(tmp_path: Path, home: Path) -> dict[str, str]:
    """HOME and every tool's root under tmp; the hub endpoint unset (tests add HF_ENDPOINT)."""
    return {
        "HOME": str(home),
        "HF_HOME": str(tmp_path / "hf"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "OLLAMA_HOST": f"127.0.0.1:{closed_port()}",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_ENDPOINT": f"http://127.0.0.1:{closed_port()}",  # tests that pull point it at their hub
    }


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    return ws


# The tools' own variables from the machine running the tests: never inherited.
_MACHINE_VARS = ("HF_", "HUGGING_FACE_", "OLLAMA_", "LLAMA_CACHE", "XDG_", "TETHER_")


def run_models(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    """The installed `tether` with ``env`` over the process environment minus ``_MACHINE_VARS``."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(_MACHINE_VARS)}
    full.update(env)
    return subprocess.run([TETHER, *args], env=full, capture_output=True, text=True, timeout=timeout)
