"""The JSON-RPC protocol, hardened: every request is answered, the lifecycle follows LSP 3.17.

This is tether's one adapter over pygls internals (pygls 2.1); ``tests/lsp/test_pygls_adapter.py``
fails when one of them changes. Used: ``JsonRPCProtocol._send_data`` (error replies with a
null id), ``_send_response`` (overridden: internal errors carry a trace id, not a traceback),
``_handle_cancel_notification`` (overridden), ``_request_futures`` and ``_handle_response`` (a
response that cannot be read fails its request), ``LanguageServerProtocol._workspace`` (replaced
by a property), ``_server``; and two behaviours: ``pygls.io_.run_async`` parses each body with
``json.loads(object_hook=structure_message)`` and hands a parse failure to
``report_server_error``; ``JsonRpcInternalError.of`` puts the traceback in ``data``.

- Messages that are not JSON-RPC 2.0 requests LSP accepts get -32600, bodies that are not JSON
  -32700 (id null), params that do not match the method's LSP type -32602 (``rpc.py``); a
  notification with such params is dropped with a one-line warning in the log.
- A client's response that does not fit its request's result type fails that request with
  -32602 (pygls would leave it waiting forever: an accept would hang, holding the accept lock).
- Lifecycle (``rpc.Lifecycle``): -32002 before ``initialize``, -32600 for a second
  ``initialize`` and for every request after ``shutdown``; ``exit`` sets the exit code.
- Every string is valid Unicode before a handler sees it (``text.repair_json``); a document
  whose text was repaired is remembered so that it is not edited (``documents.editable``).
- ``$/cancelRequest`` for a ``workspace/executeCommand`` also cancels the command's task: pygls
  only cancels the outer future, which would leave the model generating.
- Params of ``tether/*`` methods stay plain dicts (pygls would turn them into namedtuples), so
  the pydantic wire models validate them.
- Open documents split lines as LSP does (\\n, \\r\\n, \\r; ``documents.LspWorkspace``), not
  with ``str.splitlines`` as pygls' own workspace does.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import FeatureRequestError, JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import JsonRPCNotification, JsonRPCRequestMessage, LanguageServerProtocol, default_converter
from pygls.workspace import Workspace

from ..lines import split_lines
from . import rpc
from .documents import LspWorkspace
from .text import repair_json

if TYPE_CHECKING:
    from .session import Session

log = logging.getLogger(__name__)

ANSWERED_CODES = {-32001, rpc.INVALID_PARAMS, rpc.REQUEST_CANCELLED}  # answered on purpose: no traceback in the log
_TEXT_SYNC = {types.TEXT_DOCUMENT_DID_OPEN, types.TEXT_DOCUMENT_DID_CHANGE}


def converter_factory():
    converter = default_converter()

    def request(obj: dict, cls: type) -> Any:
        return cls(id=obj["id"], method=obj["method"], jsonrpc=obj["jsonrpc"], params=obj.get("params"))

    def notification(obj: dict, cls: type) -> Any:
        return cls(method=obj["method"], jsonrpc=obj["jsonrpc"], params=obj.get("params"))

    converter.register_structure_hook(JsonRPCRequestMessage, request)
    converter.register_structure_hook(JsonRPCNotification, notification)
    return converter


@dataclass
class Incoming:
    """One message as read: pygls' structured message, or the refusal to send instead."""

    message: Any
    method: str | None  # None for a response
    id: rpc.MsgId | None
    refusal: rpc.Refusal | None = None
    repaired: int = 0  # lone surrogates replaced in its strings
    problem: str | None = None  # why a notification or a response could not be read (it is dropped)

    @property
    def is_request(self) -> bool:
        return self.id is not None


class TetherProtocol(LanguageServerProtocol):
    def __init__(self, server: Any, converter: Any):
        super().__init__(server, converter)
        self.lifecycle = rpc.Lifecycle()
        self.debug = False  # True: internal errors keep their traceback in ``data``

    # pygls builds a plain Workspace at initialize; it is swapped here for one whose documents
    # keep LSP's line definition (documents.LspWorkspace).
    @property
    def _workspace(self) -> Workspace | None:
        return self.__dict__.get("_lsp_workspace")

    @_workspace.setter
    def _workspace(self, workspace: Workspace | None) -> None:
        if workspace is not None and not isinstance(workspace, LspWorkspace):
            workspace = LspWorkspace.like(workspace)
        self.__dict__["_lsp_workspace"] = workspace

    # -- reading ---------------------------------------------------------------------------

    def structure_message(self, data: dict[str, Any]):
        """json.loads' object_hook: called for every object, innermost first; messages carry "jsonrpc"."""
        if "jsonrpc" not in data:
            return data
        method = data.get("method") if isinstance(data.get("method"), str) else None
        problem = rpc.envelope_problem(data)
        if problem is not None:
            refusal = rpc.Refusal(rpc.INVALID_REQUEST, f"Invalid request: {problem}", rpc.reply_id(data))
            return Incoming(None, method, None, refusal)
        data, repaired = repair_json(data)
        method = data.get("method")
        msg_id = data["id"] if method is not None and "id" in data else None
        try:
            return Incoming(super().structure_message(data), method, msg_id, repaired=repaired)
        except JsonRpcException as exc:
            cause = exc.__cause__ or exc
            reason = split_lines(str(cause))[0] if str(cause) else exc.message
            if method is None:
                return self._unreadable_response(data.get("id"), reason)
            message = f"Invalid params for {method}: {reason}"
            if msg_id is None:  # a notification: nothing to answer, and nothing to handle
                return Incoming(None, method, None, repaired=repaired, problem=message)
            return Incoming(None, method, msg_id, rpc.Refusal(rpc.INVALID_PARAMS, message, msg_id), repaired)

    def _unreadable_response(self, msg_id: Any, reason: str) -> Incoming:
        """A client's response that does not fit the request's result type (``workspace/applyEdit``
        answered with ``null``): the request fails with that error, rather than waiting forever."""
        problem = f"The client's response to request {msg_id!r} could not be read: {reason}"
        if msg_id in self._request_futures:
            self._handle_response(msg_id, error=types.ResponseError(code=rpc.INVALID_PARAMS, message=problem))
        return Incoming(None, None, None, problem=problem)

    def handle_message(self, message):
        incoming = message if isinstance(message, Incoming) else _unread(message)
        refusal = incoming.refusal
        if refusal is not None and refusal.code == rpc.INVALID_REQUEST:
            log.warning("%s", refusal.message)
            return self.reply_error(refusal)
        if incoming.method is None:  # a response to one of our requests
            if incoming.message is None:
                log.warning("%s", incoming.problem)
                return None
            return super().handle_message(incoming.message)
        verdict = self.lifecycle.check(incoming.method, incoming.id, incoming.is_request)
        if isinstance(verdict, rpc.Refusal):
            log.warning("%s", verdict.message)
            return self.reply_error(verdict)
        if isinstance(verdict, rpc.Drop):
            log.info("%s", verdict.reason)
            return None
        if refusal is not None:
            log.warning("%s", refusal.message)
            return self.reply_error(refusal)
        if incoming.message is None:
            log.warning("%s; the notification is ignored.", incoming.problem)
            return None
        self.lifecycle.note(incoming.method)
        if incoming.method in _TEXT_SYNC:
            self._note_repairs(incoming)
        elif incoming.repaired:
            log.warning("%s: replaced %d lone UTF-16 surrogate(s) with U+FFFD.", incoming.method, incoming.repaired)
        return super().handle_message(incoming.message)

    def _note_repairs(self, incoming: Incoming) -> None:
        workspace = self._workspace
        if not isinstance(workspace, LspWorkspace):
            return
        uri = incoming.message.params.text_document.uri
        if incoming.repaired:
            if workspace.note_repaired(uri):
                log.warning(
                    "%s holds %d lone UTF-16 surrogate(s), which are not Unicode: tether reads each as U+FFFD "
                    "and will not edit this file while one remains.",
                    uri,
                    incoming.repaired,
                )
        elif incoming.method == types.TEXT_DOCUMENT_DID_OPEN:
            workspace.forget_repaired(uri)

    # -- writing ---------------------------------------------------------------------------

    def reply_error(self, refusal: rpc.Refusal) -> None:
        """Send an error response; its id is null when the request's could not be read (JSON-RPC 2.0, 5.1)."""
        self._send_data({"jsonrpc": "2.0", "id": refusal.id, "error": {"code": refusal.code, "message": refusal.message}})

    def _send_response(self, msg_id, result=None, error=None):
        if error is not None and error.code == rpc.INTERNAL_ERROR:
            error = self._traced(msg_id, error)
        super()._send_response(msg_id, result, error)

    def _traced(self, msg_id: Any, error: types.ResponseError) -> types.ResponseError:
        """An internal error as the client sees it: a trace id to find the traceback in the log."""
        trace_id = uuid.uuid4().hex[:12]
        data = error.data if isinstance(error.data, dict) else {}
        trace = "".join(data.get("traceback") or [])
        log.error("Internal error %s answering request %s: %s\n%s", trace_id, msg_id, error.message, trace)
        shown: dict[str, Any] = {"traceId": trace_id}
        if self.debug and trace:
            shown["traceback"] = data["traceback"]
        return types.ResponseError(
            code=error.code, message=f"{error.message} (internal error; trace id {trace_id} in the server log)", data=shown
        )

    def _handle_cancel_notification(self, msg_id):
        super()._handle_cancel_notification(msg_id)
        task = getattr(self._server, "session", None) and self._server.session.command_tasks.get(msg_id)
        if task is not None and not task.done():
            task.cancel()


def _unread(message: Any) -> Incoming:
    """A top-level value pygls did not structure: not a JSON-RPC object at all."""
    if hasattr(message, "jsonrpc"):  # structured elsewhere (not through json.loads' object_hook)
        method = getattr(message, "method", None)
        return Incoming(message, method, getattr(message, "id", None) if method else None)
    problem = rpc.envelope_problem(message) or "A JSON-RPC message must be a JSON object."
    return Incoming(None, None, None, rpc.Refusal(rpc.INVALID_REQUEST, f"Invalid request: {problem}", rpc.reply_id(message)))


_PARSE_ERRORS = (json.JSONDecodeError, UnicodeDecodeError, RecursionError)
_UNREADABLE = "Unable to deserialize message\n%s"  # pygls' log line, with a traceback, for params it cannot read


class AnsweredErrors(logging.Filter):
    """Drop pygls' tracebacks for what tether already answered or logged in one line.

    Errors answered on purpose (TetherError, bad params), params pygls cannot read (tether
    says why), and bodies that are not JSON (answered with -32700 by ``report_server_error``).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == _UNREADABLE:
            return False  # TetherProtocol.structure_message says why in one line (and answers a request)
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, _PARSE_ERRORS):
            return False  # pygls' reader: a body that is not JSON, answered with -32700 by report_server_error
        return not (isinstance(exc, JsonRpcException) and exc.code in ANSWERED_CODES)


class TetherServer(LanguageServer):
    """pygls' server with the session attached; errors outside requests are logged, not popped up.

    ``debug``: internal errors (-32603) keep their traceback in ``error.data``.
    """

    protocol: TetherProtocol

    def __init__(self, session: Session, version: str, debug: bool = False):
        super().__init__("tether", version, protocol_cls=TetherProtocol, converter_factory=converter_factory)
        self.session = session
        self.protocol.debug = debug
        for name in ("pygls.protocol.json_rpc", "pygls.server"):  # the protocol's log, and the reader loop's
            pygls_log = logging.getLogger(name)
            if not any(isinstance(f, AnsweredErrors) for f in pygls_log.filters):
                pygls_log.addFilter(AnsweredErrors())

    @property
    def exit_code(self) -> int:
        """The process exit code: 0 after ``shutdown`` then ``exit``, 1 for ``exit`` alone, 0 if the client left."""
        code = self.protocol.lifecycle.exit_code
        return 0 if code is None else code

    def report_server_error(self, error: Exception, source: Any) -> None:
        if isinstance(error, _PARSE_ERRORS):
            # pygls' reader could not parse a body: answer it (JSON-RPC 2.0: parse error, id null)
            message = f"Parse error: the message is not valid JSON ({split_lines(str(error))[0]})."
            log.warning("%s", message)
            self.protocol.reply_error(rpc.Refusal(rpc.PARSE_ERROR, message))
            return
        if source is FeatureRequestError:
            return  # the request was answered with the error
        log.error("%s: %s", getattr(source, "__name__", source), error)
