"""The test side of the wire: a pytest-lsp client that behaves like an editor.

It keeps its own copy of each open document, applies ``workspace/applyEdit`` the way editors do
(refusing a TextDocumentEdit whose version is not the buffer's, then sending ``didChange``
before answering), and records ``tether/proposalsChanged``. The server under test is the real
``python -m tether serve`` process.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types
from pygls.protocol import JsonRPCResponseMessage
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import register_lsp_features

from tether.lines import line_break, split_lines, strip_break
from tether.lsp.protocol import converter_factory as server_converter

TIMEOUT = 120.0  # model calls on 2 busy CPU cores
SERVER = [sys.executable, "-m", "tether", "serve"]
DEMO = Path(__file__).resolve().parents[2] / "seeds" / "demo" / "calc.py"


def server_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TETHER_")}
    env.update(extra)
    return env


def config(**env: str) -> ClientServerConfig:
    return ClientServerConfig(server_command=SERVER, client_factory=make_client, server_env=server_env(**env))


def _converter():
    converter = server_converter()
    # tether/* results stay plain dicts, as a rich client would read them
    converter.register_structure_hook(
        JsonRPCResponseMessage, lambda obj, cls: cls(id=obj["id"], jsonrpc=obj["jsonrpc"], result=obj.get("result"))
    )
    # lsprotocol reads any object with a "command" key as a Command, even a CodeAction holding one
    converter.register_structure_hook(
        types.Command | types.CodeAction,
        lambda obj, _: converter.structure(obj, types.CodeAction if isinstance(obj.get("command"), dict) else types.Command),
    )
    return converter


class Editor:
    """Open documents as the client sees them: version and text."""

    def __init__(self, client: LanguageClient):
        self.client = client
        self.docs: dict[str, tuple[int, str]] = {}
        self.applied: list[types.ApplyWorkspaceEditParams] = []
        self.changed: list[dict[str, Any]] = []

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.docs[uri] = (version, text)
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text))
        )

    def replace_all(self, uri: str, text: str) -> None:
        version, old = self.docs[uri]
        self._send_change(uri, version + 1, [(0, len(old), text)], old)

    def type(self, uri: str, start: int, end: int, text: str) -> None:
        """The person replaces code points ``start:end`` of the buffer with ``text`` (one incremental didChange)."""
        version, old = self.docs[uri]
        self._send_change(uri, version + 1, [(start, end, text)], old)

    def text(self, uri: str) -> str:
        return self.docs[uri][1]

    def version(self, uri: str) -> int:
        return self.docs[uri][0]

    def apply(self, params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        self.applied.append(params)
        for change in params.edit.document_changes or []:
            uri = change.text_document.uri
            version, old = self.docs[uri]
            if change.text_document.version is not None and change.text_document.version != version:
                return types.ApplyWorkspaceEditResult(applied=False, failure_reason="buffer is newer than the edit")
            spans = [(offset(old, e.range.start), offset(old, e.range.end), e.new_text) for e in change.edits]
            self._send_change(uri, version + 1, spans, old)
        return types.ApplyWorkspaceEditResult(applied=True)

    def _send_change(self, uri: str, version: int, spans: list[tuple[int, int, str]], old: str) -> None:
        events, text = [], old
        for start, end, new in sorted(spans, reverse=True):
            events.append(types.TextDocumentContentChangePartial(range=types.Range(position(text, start), position(text, end)), text=new))
            text = text[:start] + new + text[end:]
        self.docs[uri] = (version, text)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=events
            )
        )


def offset(text: str, pos: types.Position) -> int:
    """Code-point offset of an LSP position (UTF-16 columns); lines end at \\n, \\r\\n, \\r only."""
    lines = split_lines(text, keepends=True)
    start = sum(len(line) for line in lines[: pos.line])
    line = strip_break(lines[pos.line]) if pos.line < len(lines) else ""
    units = 0
    for index, char in enumerate(line):
        if units >= pos.character:
            return start + index
        units += 2 if ord(char) > 0xFFFF else 1
    return start + len(line)


def position(text: str, at: int) -> types.Position:
    """LSP position (0-based line, UTF-16 column) of code-point offset ``at``."""
    lines = split_lines(text[:at], keepends=True)
    line = len(lines) - 1 if lines and not line_break(lines[-1]) else len(lines)
    column = lines[-1] if lines and not line_break(lines[-1]) else ""
    return types.Position(line=line, character=sum(2 if ord(c) > 0xFFFF else 1 for c in column))


def make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=_converter)
    register_lsp_features(client)
    client.editor = Editor(client)  # type: ignore[attr-defined]

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(ls: LanguageClient, params: types.ApplyWorkspaceEditParams):
        return ls.editor.apply(params)  # type: ignore[attr-defined]

    @client.feature("tether/proposalsChanged")
    def proposals_changed(ls: LanguageClient, params: Any):
        ls.editor.changed.append(params)  # type: ignore[attr-defined]

    return client


def capabilities() -> types.ClientCapabilities:
    """A real client's capabilities (VS Code), with inline completion added (LSP 3.18)."""
    caps = pytest_lsp.client_capabilities("visual-studio-code")
    caps.text_document.inline_completion = types.InlineCompletionClientCapabilities()
    return caps


async def initialize(client: LanguageClient, root: Path, options: dict[str, Any]) -> types.InitializeResult:
    params = types.InitializeParams(
        capabilities=capabilities(),
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        initialization_options=options,
    )
    return await asyncio.wait_for(client.initialize_session(params), TIMEOUT)


async def request(client: LanguageClient, method: str, params: Any, timeout: float = TIMEOUT) -> Any:
    return await asyncio.wait_for(client.protocol.send_request_async(method, params), timeout)


async def command(client: LanguageClient, name: str, argument: dict[str, Any], timeout: float = TIMEOUT) -> Any:
    params = types.ExecuteCommandParams(command=name, arguments=[argument])
    return await asyncio.wait_for(client.workspace_execute_command_async(params), timeout)


async def poll(predicate, timeout: float = 10.0, what: str = "condition") -> None:
    """Wait until ``predicate()`` is true (checked as messages arrive), or fail."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)
