"""LSP 3.17 lifecycle and malformed input, over the real server's stdio (case 24 and its kin).

-32002 before ``initialize``, -32600 for a second ``initialize`` and for every request after
``shutdown``, ``exit`` codes 0 and 1, -32700 for a body that is not JSON and -32600 for a
message that is not a JSON-RPC request; the server keeps serving after each bad message.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from raw_stdio import RawServer


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    return tmp_path


def error_code(reply: dict) -> int | None:
    return reply.get("error", {}).get("code")


def test_lifecycle_codes_then_exit_after_shutdown_is_0(root: Path):
    server = RawServer(root)
    try:
        before = server.request(1, "tether/status", {})
        assert error_code(before) == -32002 and "initialize" in before["error"]["message"]
        assert error_code(server.request(2, "textDocument/completion", {"textDocument": {"uri": "file:///x"}})) == -32002
        server.notify(
            "textDocument/didOpen", {"textDocument": {"uri": "file:///early.py", "languageId": "python", "version": 1, "text": "x"}}
        )

        assert "capabilities" in server.initialize(3)["result"]
        uri = (root / "calc.py").as_uri()
        server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": "x = 1\n"}})
        again = server.initialize(4)
        assert error_code(again) == -32600 and "once" in again["error"]["message"]
        status = server.request(5, "tether/status", {})
        assert status["result"]["level"]  # still serving, with the first initialize's session

        assert server.request(6, "shutdown")["result"] is None
        for msg_id, method, params in [
            (7, "tether/status", {}),
            (8, "workspace/executeCommand", {"command": "tether.status", "arguments": []}),
            (9, "shutdown", None),
            ("ten", "textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
        ]:
            reply = server.request(msg_id, method, params)
            assert error_code(reply) == -32600 and reply["id"] == msg_id, reply
        server.notify("exit")
        assert server.wait() == 0
    finally:
        server.kill()


def test_exit_without_shutdown_is_1(root: Path):
    server = RawServer(root)
    try:
        server.initialize()
        server.notify("exit")
        assert server.wait() == 1
    finally:
        server.kill()


def test_malformed_messages_are_answered_and_the_server_keeps_serving(root: Path):
    server = RawServer(root)
    try:
        server.initialize()
        server.send(b'{"jsonrpc": "2.0", "id": 40, "method": ')
        parse = server.reply(None)
        assert error_code(parse) == -32700 and parse["id"] is None
        server.send(b"\xff\xfe not utf-8")
        assert error_code(server.reply(None)) == -32700

        numeric = server.request(41, 12345, {})
        assert error_code(numeric) == -32600 and numeric["id"] == 41
        assert "data" not in numeric["error"]  # no traceback
        for body in ([{"jsonrpc": "2.0", "id": 42, "method": "tether/status"}], "a string", 7, {"id": 43, "method": "tether/status"}):
            reply = server.send(body) or server.reply(43 if isinstance(body, dict) else None)
            assert error_code(reply) == -32600, (body, reply)
        assert error_code(server.request(44, "tether/status", 5)) == -32600  # params neither object nor array
        server.send({"jsonrpc": "2.0", "id": True, "method": "tether/status"})
        assert error_code(server.reply(None)) == -32600  # an id that is neither integer nor string: id null
        assert error_code(server.request(45, "exit")) == -32600  # exit is a notification
        assert error_code(server.request(46, "tether/noSuchMethod", {})) == -32601

        assert server.request(47, "tether/status", {})["result"]["level"]
        assert server.proc.poll() is None
    finally:
        server.kill()
