"""The JSON-RPC protocol, hardened: bad input gets an error reply, cancellation reaches commands.

- A request whose params do not match the method's LSP type is answered with -32602 instead of
  being dropped (pygls logs it and the client would wait forever).
- ``$/cancelRequest`` for a ``workspace/executeCommand`` also cancels the command's task: pygls
  only cancels the outer future, which would leave the model generating.
- Params of ``tether/*`` methods stay plain dicts (pygls would turn them into namedtuples), so
  the pydantic wire models validate them.
- Open documents split lines as LSP does (\\n, \\r\\n, \\r; ``documents.LspWorkspace``), not
  with ``str.splitlines`` as pygls' own workspace does.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import FeatureRequestError, JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import JsonRPCNotification, JsonRPCRequestMessage, LanguageServerProtocol, default_converter
from pygls.workspace import Workspace

from ..lines import split_lines
from .documents import LspWorkspace

if TYPE_CHECKING:
    from .session import Session

log = logging.getLogger(__name__)

_ANSWERED = object()  # a malformed request that was already answered with an error
ANSWERED_CODES = {-32001, -32602, -32800}  # TetherError, invalid params, cancelled


def converter_factory():
    converter = default_converter()

    def request(obj: dict, cls: type) -> Any:
        return cls(id=obj["id"], method=obj["method"], jsonrpc=obj["jsonrpc"], params=obj.get("params"))

    def notification(obj: dict, cls: type) -> Any:
        return cls(method=obj["method"], jsonrpc=obj["jsonrpc"], params=obj.get("params"))

    converter.register_structure_hook(JsonRPCRequestMessage, request)
    converter.register_structure_hook(JsonRPCNotification, notification)
    return converter


class TetherProtocol(LanguageServerProtocol):
    # pygls builds a plain Workspace at initialize; it is swapped here for one whose documents
    # keep LSP's line definition (documents.LspWorkspace).
    @property  # type: ignore[override]
    def _workspace(self) -> Workspace | None:
        return self.__dict__.get("_lsp_workspace")

    @_workspace.setter
    def _workspace(self, workspace: Workspace | None) -> None:
        if workspace is not None and not isinstance(workspace, LspWorkspace):
            workspace = LspWorkspace.like(workspace)
        self.__dict__["_lsp_workspace"] = workspace

    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if "id" not in data or "method" not in data:
                raise
            cause = exc.__cause__ or exc
            message = f"Invalid params for {data['method']}: {split_lines(str(cause))[0] if str(cause) else exc.message}"
            log.warning("%s", message)
            self._send_response(data["id"], error=types.ResponseError(code=-32602, message=message))
            return _ANSWERED

    def handle_message(self, message):
        if message is _ANSWERED:
            return
        super().handle_message(message)

    def _handle_cancel_notification(self, msg_id):
        super()._handle_cancel_notification(msg_id)
        task = getattr(self._server, "session", None) and self._server.session.command_tasks.get(msg_id)
        if task is not None and not task.done():
            task.cancel()


class AnsweredErrors(logging.Filter):
    """Drop pygls' tracebacks for errors already answered on purpose (TetherError, bad params)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (isinstance(exc, JsonRpcException) and exc.code in ANSWERED_CODES)


class TetherServer(LanguageServer):
    """pygls' server with the session attached; errors outside requests are logged, not popped up."""

    def __init__(self, session: "Session", version: str):
        super().__init__("tether", version, protocol_cls=TetherProtocol, converter_factory=converter_factory)
        self.session = session
        json_rpc_log = logging.getLogger("pygls.protocol.json_rpc")
        if not any(isinstance(f, AnsweredErrors) for f in json_rpc_log.filters):
            json_rpc_log.addFilter(AnsweredErrors())

    def report_server_error(self, error: Exception, source: Any) -> None:
        if source is FeatureRequestError:
            return  # the request was answered with the error
        log.error("%s: %s", getattr(source, "__name__", source), error)
