"""Guards for the pygls internals ``tether/lsp/protocol.py`` relies on (its docstring lists them).

If pygls changes one of them, these fail here, by name, instead of an answer going missing at
run time. When they fail after an upgrade: re-read the named pygls code, adapt protocol.py,
then move the version bound below.
"""

from __future__ import annotations

import inspect
import json
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pygls.io_
from pygls.exceptions import JsonRpcInternalError
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol

from tether.lsp.server import create_server


def test_pygls_is_the_version_the_adapter_was_checked_against():
    assert version("pygls").split(".")[:2] == ["2", "1"], (
        "pygls changed: re-check the internals listed in tether/lsp/protocol.py, then move this bound"
    )


def params_of(fn: Any) -> list[str]:
    return list(inspect.signature(fn).parameters)


def test_private_methods_the_adapter_calls_or_overrides_keep_their_shape():
    assert params_of(JsonRPCProtocol._send_response) == ["self", "msg_id", "result", "error"]
    assert params_of(JsonRPCProtocol._send_data) == ["self", "data"]
    assert params_of(JsonRPCProtocol._handle_cancel_notification) == ["self", "msg_id"]
    assert params_of(JsonRPCProtocol._handle_response) == ["self", "msg_id", "result", "error"]
    assert "self._request_futures" in inspect.getsource(JsonRPCProtocol.__init__)
    assert params_of(JsonRPCProtocol.structure_message) == ["self", "data"]
    assert params_of(JsonRPCProtocol.handle_message) == ["self", "message"]
    assert "self._workspace = Workspace(" in inspect.getsource(LanguageServerProtocol.lsp_initialize)
    assert "self._server" in inspect.getsource(JsonRPCProtocol.__init__)
    # AnsweredErrors drops this log line by its text: tether logs its own one-line reason
    assert 'logger.error("Unable to deserialize message\\n%s"' in inspect.getsource(JsonRPCProtocol.structure_message)


def test_reader_loop_still_parses_with_structure_message_and_reports_parse_errors():
    source = inspect.getsource(pygls.io_.run_async)
    assert "json.loads(body, object_hook=protocol.structure_message)" in source
    assert "error_handler(exc" in source


def test_internal_errors_still_carry_the_traceback_the_adapter_removes():
    try:
        raise ValueError("boom")
    except ValueError:
        error = JsonRpcInternalError.of(sys.exc_info())
    assert error.code == -32603 and "traceback" in error.data


class Capture:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def write(self, data: bytes) -> None:
        self.sent.append(json.loads(data.split(b"\r\n\r\n", 1)[1]))

    def close(self) -> None:
        pass


def drive(tmp_path: Path, debug: bool) -> dict[str, Any]:
    """Feed messages the way pygls' reader does; the answer to a handler that raises."""
    server = create_server(root=tmp_path, debug=debug)

    @server.feature("tether/test/raise")
    def raising(ls: Any, params: Any) -> None:
        raise RuntimeError("an unexpected bug")

    capture = Capture()
    server.protocol.set_writer(capture)
    for message in (
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}},
        },
        {"jsonrpc": "2.0", "id": 2, "method": "tether/test/raise", "params": {}},
    ):
        server.protocol.handle_message(json.loads(json.dumps(message), object_hook=server.protocol.structure_message))
    return next(m for m in capture.sent if m.get("id") == 2)


def test_internal_error_has_a_trace_id_and_no_traceback(tmp_path: Path):
    reply = drive(tmp_path, debug=False)
    assert reply["error"]["code"] == -32603
    assert set(reply["error"]["data"]) == {"traceId"} and reply["error"]["data"]["traceId"] in reply["error"]["message"]


def test_internal_error_keeps_the_traceback_when_debugging(tmp_path: Path):
    reply = drive(tmp_path, debug=True)
    assert reply["error"]["code"] == -32603 and reply["error"]["data"]["traceback"]
