"""A bare JSON-RPC client over the server's real stdio, for bytes no LSP client library would send.

pytest-lsp's client serializes only well-formed messages; lifecycle and malformed-input tests
need to write any body (broken JSON, a numeric method, a batch) and read every reply.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsp_editor import SERVER, server_env

TIMEOUT = 30.0


class RawServer:
    """``python -m tether serve`` in ``root``; ``send`` writes one framed body, ``reply`` waits for an id."""

    def __init__(self, root: Path, *args: str):
        self.proc = subprocess.Popen(
            [*SERVER, *args], cwd=root, env=server_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.root = root
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.stderr = b""
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        self.seen: list[dict[str, Any]] = []
        # the result sent back for each request from the server (workspace/applyEdit, ...)
        self.answer: Callable[[dict[str, Any]], Any] = lambda request: None

    def send(self, body: bytes | dict[str, Any] | list[Any]) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        self.proc.stdin.flush()

    def request(self, msg_id: int | str | None, method: Any, params: Any = None) -> dict[str, Any]:
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return self.reply(msg_id)

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def reply(self, msg_id: int | str | None, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The response with ``msg_id`` (None: a reply with id null); server requests get ``self.answer``'s result."""
        for message in self.seen:
            if "method" not in message and message.get("id") == msg_id:
                self.seen.remove(message)
                return message
        while True:
            message = self.messages.get(timeout=timeout)
            if "method" in message and "id" in message:  # a request from the server (e.g. workDoneProgress/create)
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": self.answer(message)})
            elif "method" not in message and message.get("id") == msg_id:
                return message
            elif "method" not in message:
                self.seen.append(message)

    def initialize(self, msg_id: int = 1) -> dict[str, Any]:
        reply = self.request(msg_id, "initialize", {"processId": None, "rootUri": self.root.as_uri(), "capabilities": {}})
        self.notify("initialized", {})
        return reply

    def wait(self, timeout: float = TIMEOUT) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if not line.strip():
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if length is not None:
                self.messages.put(json.loads(out.read(length)))

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr += line
