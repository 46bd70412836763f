"""`tether mcp --http`: streamable HTTP on loopback with the SDK's HTTP client; other hosts refused."""

from __future__ import annotations

import asyncio
import socket
import subprocess

from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from tests.conftest import make_git_repo
from tests.mcp.conftest import TETHER, scripted_env

from tether.cli import main
from tether.cli.mcp import parse_http


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def wait_for_port(port: int, proc: subprocess.Popen, timeout_s: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        assert proc.poll() is None, "tether mcp --http exited early"
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return
    raise AssertionError(f"nothing listened on 127.0.0.1:{port} within {timeout_s}s")


async def test_streamable_http_on_loopback_serves_the_tools(tmp_path):
    ws = make_git_repo(tmp_path / "ws", {"app.py": "x = 1\n"})
    port = free_port()
    env = {**scripted_env(None, tmp_path), "PATH": "/usr/bin:/bin"}
    with open(tmp_path / "stderr.log", "wb") as errlog:
        proc = subprocess.Popen([TETHER, "-C", str(ws), "mcp", "--http", str(port)], env=env, stdout=errlog, stderr=errlog)
    try:
        await wait_for_port(port, proc)
        async with (
            streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (read, write),
            ClientSession(read, write, read_timeout_seconds=120) as session,
        ):
            await session.initialize()
            names = {tool.name for tool in (await session.list_tools()).tools}
            assert {"propose_edit", "docs_search", "list_proposals"} <= names and "accept_hunks" not in names
            listed = await session.call_tool("list_proposals", {})
            assert not listed.is_error and listed.structured_content == {"proposals": []}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_http_refuses_a_host_that_is_not_loopback_unless_allowed(tmp_path, capsys):
    assert main(["-C", str(tmp_path), "mcp", "--http", "0.0.0.0:8765"]) == 3
    said = capsys.readouterr().err
    assert "not a loopback address" in said and "--allow-remote" in said
    assert main(["-C", str(tmp_path), "mcp", "--http", "localhost:http"]) == 3
    assert "[HOST:]PORT" in capsys.readouterr().err
    assert parse_http("8765", allow_remote=False) == ("127.0.0.1", 8765)
    assert parse_http("[::1]:8765", allow_remote=False) == ("::1", 8765)
    assert parse_http("localhost:8765", allow_remote=False) == ("localhost", 8765)
    assert parse_http("0.0.0.0:8765", allow_remote=True) == ("0.0.0.0", 8765)


async def test_http_says_where_it_serves_warns_when_remote_and_refuses_a_port_in_use(tmp_path):
    ws = make_git_repo(tmp_path / "ws", {"app.py": "x = 1\n"})
    env = {**scripted_env(None, tmp_path), "PATH": "/usr/bin:/bin"}
    port = free_port()
    with open(tmp_path / "stderr.log", "wb") as errlog:
        proc = subprocess.Popen(
            [TETHER, "-C", str(ws), "mcp", "--http", f"0.0.0.0:{port}", "--allow-remote"], env=env, stdout=errlog, stderr=errlog
        )
    try:
        await wait_for_port(port, proc)
        said = (tmp_path / "stderr.log").read_text()
        assert f"tether mcp: serving streamable HTTP at http://0.0.0.0:{port}/mcp (Ctrl-C to stop)" in said
        assert "anyone who can reach this port can use the tools" in said
        # the port is taken now: a second server says so in one line and exits 3
        taken = subprocess.run([TETHER, "-C", str(ws), "mcp", "--http", str(port)], env=env, capture_output=True, text=True, timeout=60)
        assert taken.returncode == 3 and taken.stderr.startswith("Error: ") and "already in use" in taken.stderr
        assert "ERROR" not in taken.stderr and "Traceback" not in taken.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=30)
