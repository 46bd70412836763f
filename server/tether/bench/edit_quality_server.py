"""A scripted OpenAI-compatible server for `tether bench edit-quality --backend scripted-adversarial`.

It is NOT a model: it replays a queue of replies (text and finish reason) set before each task,
so the edit pipeline can be measured on the hostile replies small and remote models really
send (see ``edit_quality_hostile``). Stdlib only (http.server, threading), bound to 127.0.0.1
on a free port; it lives in the package because a bench must not import from tests/.

Routes: ``GET /v1/models``; ``POST /v1/chat/completions`` and ``/v1/completions``, streamed
(SSE ``data: {...}`` then ``data: [DONE]``, OpenAI's chat.completion.chunk shape) or whole.
When the queue is empty it answers an empty reply.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "scripted-adversarial"


class ScriptedServer:
    """Use as a context manager; ``base_url`` ends in /v1; ``served`` counts answered requests."""

    def __init__(self) -> None:
        self.served = 0
        self._queue: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def script(self, replies: list[tuple[str, str]]) -> None:
        """Replace the queue with ``replies`` ((text, finish_reason) pairs) and reset ``served``."""
        with self._lock:
            self._queue = list(replies)
            self.served = 0

    def next_reply(self) -> tuple[str, str]:
        with self._lock:
            self.served += 1
            return self._queue.pop(0) if self._queue else ("", "stop")

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> ScriptedServer:
        handler = type("Handler", (_Handler,), {"owner": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="edit-quality-server", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)


class _Handler(BaseHTTPRequestHandler):
    owner: ScriptedServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # stdout carries the bench's JSON only
        pass

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "tether"}]})
        else:
            self._json(404, {"error": {"message": f"No route {self.path}", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        chat = self.path.endswith("/chat/completions")
        if not chat and not self.path.endswith("/completions"):
            self._json(404, {"error": {"message": f"No route {self.path}", "type": "invalid_request_error"}})
            return
        text, finish = self.owner.next_reply()
        try:
            if isinstance(body, dict) and body.get("stream"):
                self._stream(text, finish, chat)
            else:
                self._json(200, _whole(text, finish, chat))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading (a loop it cut short)

    def _json(self, status: int, data: Any) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _stream(self, text: str, finish: str, chat: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        for event in _events(text, finish, chat):
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


def _pieces(text: str, size: int = 16) -> Iterator[str]:
    for start in range(0, len(text), size):
        yield text[start : start + size]


def _events(text: str, finish: str, chat: bool) -> Iterator[dict[str, Any]]:
    base = {"id": "scripted", "created": int(time.time()), "model": MODEL}
    if chat:
        base["object"] = "chat.completion.chunk"
        yield {**base, "choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]}
        for piece in _pieces(text):
            yield {**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
        yield {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}
    else:
        base["object"] = "text_completion"
        for piece in _pieces(text):
            yield {**base, "choices": [{"index": 0, "text": piece, "finish_reason": None}]}
        yield {**base, "choices": [{"index": 0, "text": "", "finish_reason": finish}]}


def _whole(text: str, finish: str, chat: bool) -> dict[str, Any]:
    base = {"id": "scripted", "created": int(time.time()), "model": MODEL}
    usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    if chat:
        choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}
        return {**base, "object": "chat.completion", "choices": [choice], "usage": usage}
    choice = {"index": 0, "text": text, "finish_reason": finish}
    return {**base, "object": "text_completion", "choices": [choice], "usage": usage}
