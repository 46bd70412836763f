"""JSON-RPC envelopes and the LSP lifecycle, as plain rules: no pygls here (``protocol.py`` applies them).

Error codes: JSON-RPC 2.0, section 5.1 (-32700 parse error, -32600 invalid request, -32601
method not found, -32602 invalid params, -32603 internal error) and LSP 3.17, "Response
Message" (-32002 ServerNotInitialized, -32800 RequestCancelled). tether's own errors are -32001
(``errors.py``). docs/lsp.md, "Errors" and "Lifecycle", says what a client sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lsprotocol import types

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_NOT_INITIALIZED = -32002
REQUEST_CANCELLED = -32800

MsgId = int | str


@dataclass(frozen=True)
class Refusal:
    """An error reply: ``id`` is the request's, None when it has none or it cannot be read."""

    code: int
    message: str
    id: MsgId | None = None


@dataclass(frozen=True)
class Drop:
    """A notification the server ignores (LSP: dropped before ``initialize`` and after ``shutdown``)."""

    reason: str


def reply_id(data: Any) -> MsgId | None:
    """The ``id`` a reply to ``data`` carries: its own if it is an integer or a string, else None (null)."""
    msg_id = data.get("id") if isinstance(data, dict) else None
    if isinstance(msg_id, bool) or not isinstance(msg_id, (int, str)):
        return None
    return msg_id


def envelope_problem(data: Any) -> str | None:
    """Why ``data`` (one parsed JSON value) is not a JSON-RPC 2.0 message LSP accepts, or None.

    Responses (an ``id`` and no ``method``) are not checked: a broken response gets no reply.
    """
    if isinstance(data, list):
        return "A JSON-RPC batch (an array) is not part of LSP; send one message at a time."
    if not isinstance(data, dict):
        return "A JSON-RPC message must be a JSON object."
    if data.get("jsonrpc") != "2.0":
        return 'A JSON-RPC message must have "jsonrpc": "2.0".'
    if "method" not in data:
        return None if "id" in data else "A JSON-RPC message needs a method (or, for a response, an id)."
    if not isinstance(data["method"], str):
        return f"The method must be a string, not {type(data['method']).__name__}."
    if "id" in data and reply_id(data) is None:
        return "The id must be an integer or a string."
    params = data.get("params")
    if params is not None and not isinstance(params, (dict, list)):
        return f"params must be an object or an array, not {type(params).__name__}."
    return None


def lsp_kind(method: str) -> str | None:
    """ "request" or "notification" for a method LSP defines (lsprotocol's table), None for others."""
    entry = types.METHOD_TO_TYPES.get(method)
    if entry is None:
        return None
    return "notification" if entry[1] is None else "request"


class Lifecycle:
    """LSP 3.17 server lifecycle: not initialized -> initialized -> shut down -> exit.

    ``check`` says what to do with a message; ``note`` records one that is handled. The state
    changes when ``initialize`` and ``shutdown`` are received, not when they are answered: a
    request racing a ``shutdown`` is refused, and ``exit`` right after ``shutdown`` exits 0.
    """

    def __init__(self) -> None:
        self.initialized = False
        self.shut_down = False
        self.exit_code: int | None = None  # set by ``exit``: 0 after shutdown, else 1 (LSP 3.17, "Exit")

    def check(self, method: str, msg_id: MsgId | None, is_request: bool) -> Refusal | Drop | None:
        """None to handle the message, a Refusal to answer it with, or a Drop for a notification."""
        kind = lsp_kind(method)
        if is_request and kind == "notification":
            return Refusal(INVALID_REQUEST, f"{method} is a notification; send it without an id.", msg_id)
        if not is_request and kind == "request":
            return Drop(f"{method} is a request, but it came without an id; ignored.")
        if method == types.EXIT:
            return None
        if self.shut_down:
            if is_request:
                return Refusal(INVALID_REQUEST, f"The server is shutting down (shutdown was received); {method} is refused.", msg_id)
            return Drop(f"{method} after shutdown; ignored.")
        if not self.initialized:
            if method == types.INITIALIZE:
                return None
            if is_request:
                return Refusal(SERVER_NOT_INITIALIZED, f"The server is not initialized; send initialize before {method}.", msg_id)
            return Drop(f"{method} before initialize; ignored.")
        if method == types.INITIALIZE:
            return Refusal(INVALID_REQUEST, "initialize was already received; LSP allows it once per session.", msg_id)
        return None

    def note(self, method: str) -> None:
        """Record a message ``check`` let through."""
        if method == types.INITIALIZE:
            self.initialized = True
        elif method == types.SHUTDOWN:
            self.shut_down = True
        elif method == types.EXIT:
            self.exit_code = 0 if self.shut_down else 1
