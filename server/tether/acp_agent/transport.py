"""Newline-delimited JSON-RPC over stdio for ``tether acp``, answering lines that are not JSON-RPC.

The SDK's own stdio transport (``acp._transport.NdjsonTransport``) logs a line that is not JSON
and drops it, so a client that sent one waits forever, and a line holding JSON that is not an
object (``[1, 2]``) stops its receive loop. This transport keeps the SDK's framing (ACP
"Transports": one JSON-RPC message per line, UTF-8, on stdin/stdout) and answers such a line
with the JSON-RPC 2.0 error the spec names (section 5.1: -32700 Parse error, -32600 Invalid
Request, ``id`` null when the request's id cannot be read), then keeps serving.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import selectors
import stat
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any, BinaryIO

from acp import RequestError

log = logging.getLogger(__name__)

# The SDK's default read limit (acp.core.DEFAULT_STDIO_BUFFER_LIMIT_BYTES): a line may carry a whole file.
LINE_LIMIT_BYTES = 50 * 1024 * 1024
INVALID_PARAMS = -32602  # JSON-RPC 2.0, section 5.1


class LineTransport:
    """An ``acp`` Transport (send/receive/close of decoded messages) over a byte reader and a ``write`` of bytes.

    ``receive`` returns the next JSON object read, or None at end of input; a line that is not
    a JSON object, or names no ``method`` and is no response, is answered with an error here and
    skipped. ``send`` writes one message as one line; sends are serialized.
    """

    def __init__(self, reader: asyncio.StreamReader, write: Callable[[bytes], Awaitable[None]], close: Callable[[], None]):
        self._reader = reader
        self._write = write
        self._close = close
        self._lock = asyncio.Lock()

    async def send(self, message: dict[str, Any]) -> None:
        message = short_params_error(message)
        data = (json.dumps(message, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")
        async with self._lock:
            await self._write(data)

    async def receive(self) -> dict[str, Any] | None:
        while True:
            try:
                line = await self._reader.readline()
            except ValueError:  # longer than LINE_LIMIT_BYTES: the reader dropped it
                await self._answer(None, RequestError.invalid_request({"details": f"A message is over {LINE_LIMIT_BYTES} bytes."}))
                continue
            if not line:
                return None
            if not line.strip():
                continue
            message = await self._checked(line)
            if message is not None:
                return message

    async def _checked(self, line: bytes) -> dict[str, Any] | None:
        try:
            message = json.loads(line)
        except ValueError as exc:
            await self._answer(None, RequestError.parse_error({"details": f"The line is not JSON: {exc}."}))
            return None
        if not isinstance(message, dict):
            await self._answer(None, RequestError.invalid_request({"details": "A JSON-RPC message is a JSON object."}))
            return None
        method, has_id = message.get("method"), "id" in message
        if method is None and not has_id:
            await self._answer(None, RequestError.invalid_request({"details": "The message has neither a method nor an id."}))
            return None
        if method is not None and not isinstance(method, str):
            if has_id:
                await self._answer(message["id"], RequestError.invalid_request({"details": "The method must be a string."}))
            return None
        return message

    async def _answer(self, request_id: Any, error: RequestError) -> None:
        log.warning("answered a malformed JSON-RPC line with %s", error)
        await self.send({"jsonrpc": "2.0", "id": request_id, "error": error.to_error_obj()})

    async def close(self) -> None:
        self._close()


def short_params_error(message: dict[str, Any]) -> dict[str, Any]:
    """``message`` with an Invalid params error (-32602) from the SDK's validation made short: the
    SDK sends pydantic's ``errors()`` (inputs echoed, links to errors.pydantic.dev); this says
    "Invalid params: sessionId: Field required." and keeps ``data.errors`` as ``{loc, msg, type}``
    only. Any other message is returned as it is."""
    error = message.get("error")
    if not isinstance(error, dict) or error.get("code") != INVALID_PARAMS or not isinstance(error.get("data"), dict):
        return message
    errors = error["data"].get("errors")
    if not isinstance(errors, list) or not all(isinstance(err, dict) and "loc" in err and "msg" in err for err in errors):
        return message
    problems = "; ".join(f"{'.'.join(str(part) for part in err['loc']) or 'params'}: {err['msg']}" for err in errors)
    kept = [{"loc": err["loc"], "msg": err["msg"], "type": err.get("type")} for err in errors]
    return message | {"error": error | {"message": f"Invalid params: {problems}.", "data": {"details": problems, "errors": kept}}}


async def stdio_transport(stdin: BinaryIO, stdout: BinaryIO) -> LineTransport:
    """A LineTransport on the process's ``stdin`` and ``stdout``: asyncio pipe transports (POSIX
    pipes, sockets, terminals), or for a regular file (``tether acp < requests.jsonl > out``)
    a reading thread and blocking writes, which asyncio's pipe transports refuse. A stdin that
    the event loop's selector cannot poll (``/dev/null``, a regular file: epoll refuses both)
    is read by the thread too, so ``tether acp </dev/null`` ends at once."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=LINE_LIMIT_BYTES)
    if _pollable(stdin):
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
    else:
        threading.Thread(target=_feed, args=(loop, reader, stdin), name="acp-stdin", daemon=True).start()
    try:
        transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, stdout)
    except ValueError:

        async def write_file(data: bytes) -> None:
            stdout.write(data)
            stdout.flush()

        return LineTransport(reader, write_file, stdout.close)
    writer = asyncio.StreamWriter(transport, protocol, reader, loop)

    async def write_pipe(data: bytes) -> None:
        writer.write(data)
        await writer.drain()

    return LineTransport(reader, write_pipe, writer.close)


def _pollable(stream: BinaryIO) -> bool:
    """Whether asyncio can read ``stream`` as a pipe: a FIFO, socket or character device that
    the platform's selector accepts (epoll refuses ``/dev/null`` with EPERM, after
    ``connect_read_pipe`` has accepted it)."""
    try:
        fd = stream.fileno()
        mode = os.fstat(fd).st_mode
    except (OSError, ValueError):
        return False
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)):
        return False
    with selectors.DefaultSelector() as probe:
        try:
            probe.register(fd, selectors.EVENT_READ)
        except (OSError, ValueError):
            return False
    return True


def _feed(loop: asyncio.AbstractEventLoop, reader: asyncio.StreamReader, stdin: BinaryIO) -> None:
    try:
        for line in iter(stdin.readline, b""):
            loop.call_soon_threadsafe(reader.feed_data, line)
    finally:
        loop.call_soon_threadsafe(reader.feed_eof)


def claim_stdout() -> BinaryIO:
    """A private handle on stdout for JSON-RPC; fd 1 then points at stderr, so anything else that
    prints (a library, llama.cpp) cannot corrupt the protocol stream (as ``tether serve`` does)."""
    rpc_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return rpc_out
