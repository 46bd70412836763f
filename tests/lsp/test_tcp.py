"""`tether serve --tcp HOST:PORT`: a real server process on 127.0.0.1, a client over TCP.

Also covers an invalid tether.toml and invalid ``initializationOptions``: initialize still
succeeds, the user gets warnings and the defaults stay. No model call.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
from pathlib import Path

import pytest
from lsp_editor import SERVER, TIMEOUT, capabilities, make_client, poll, request, server_env
from lsprotocol import types
from pytest_lsp import LanguageClient


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def connect(client: LanguageClient, port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """Connect as soon as the server listens (it serves one connection, so no probing first)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        assert proc.poll() is None, f"tether serve --tcp exited with {proc.returncode}"
        try:
            await client.start_tcp("127.0.0.1", port)
            return
        except OSError:
            assert loop.time() < deadline, "the server never listened"
            await asyncio.sleep(0.05)


@pytest.mark.asyncio
async def test_serve_over_tcp_with_invalid_settings(tmp_path: Path):
    (tmp_path / "tether.toml").write_text("level = [not toml\n")
    port = free_port()
    proc = subprocess.Popen([*SERVER, "--tcp", f"127.0.0.1:{port}"], cwd=tmp_path, env=server_env())
    client = make_client()
    try:
        await connect(client, port, proc)
        params = types.InitializeParams(
            capabilities=capabilities(), root_uri=tmp_path.as_uri(), initialization_options={"level": "sideways"}
        )
        result = await asyncio.wait_for(client.initialize_session(params), TIMEOUT)
        assert result.server_info.name == "tether"
        await poll(lambda: any("client settings ignored" in m.message for m in client.messages), what="a warning")
        assert any("using the default settings" in m.message and "tether.toml" in m.message for m in client.messages)
        assert (await request(client, "tether/status", {}))["level"] == "file"
        await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
        client.exit(None)
        assert await asyncio.wait_for(asyncio.to_thread(proc.wait), 30) == 0
    finally:
        await client.stop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_refuses_a_bad_address(tmp_path: Path):
    done = subprocess.run([*SERVER, "--tcp", "no-port"], cwd=tmp_path, env=server_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 3
    assert "HOST:PORT" in done.stderr
