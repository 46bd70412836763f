"""The ACP agent: ``initialize``, ``session/new``, ``session/prompt``, ``session/cancel`` (protocol version 1).

Built on the official SDK (``agent-client-protocol``): its router validates each request
against the schema and calls the method of the same name here; a method this class lacks
(``session/load``, ``authenticate``, terminals...) is answered "Method not found". A session
is a workspace folder (the client's ``cwd``) with its own settings (loaded as the CLI loads
them for that folder) and engine. A TetherError becomes a JSON-RPC error with code -32001,
``message = str(error)`` and ``data = {type, exitCode}``, as on the language server
(``lsp/errors.py``); the agent keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from acp import PROTOCOL_VERSION, InitializeResponse, NewSessionResponse, PromptResponse, RequestError
from acp.interfaces import Client
from acp.schema import (
    AgentCapabilities,
    ClientCapabilities,
    FileSystemCapabilities,
    Implementation,
    McpCapabilities,
    PromptCapabilities,
)

from .. import __version__
from ..config import Settings
from ..engine import Engine
from ..errors import TetherError
from ..ops.gather import default_providers
from .turn import Turn, task_text

log = logging.getLogger(__name__)
TETHER_ERROR_CODE = -32001  # as the language server's (lsp/errors.py)
INVALID_REQUEST, INVALID_PARAMS = -32600, -32602  # JSON-RPC 2.0, section 5.1; the message says what was wrong


def rpc_error(exc: TetherError) -> RequestError:
    """The JSON-RPC error a TetherError becomes: code -32001, its sentence, ``{type, exitCode}``."""
    return RequestError(TETHER_ERROR_CODE, str(exc), {"type": type(exc).__name__, "exitCode": exc.exit_code})


@dataclass
class Session:
    """One ACP session: its workspace's engine and the prompt turn running in it, if any."""

    id: str
    engine: Engine
    turn: asyncio.Task[PromptResponse] | None = None
    cancelled: bool = False


class TetherAgent:
    """The ACP Agent side of tether. ``settings_for(folder)``: the settings of a workspace folder
    (``cli/common.settings_from`` for it, the command's flags included); raises ConfigError or
    LeashError, which ``session/new`` answers as an error."""

    def __init__(self, settings_for: Callable[[Path], Settings]):
        self._settings_for = settings_for
        self._client: Client | None = None
        self._fs = FileSystemCapabilities()
        self._sessions: dict[str, Session] = {}

    def on_connect(self, conn: Client) -> None:
        self._client = conn

    async def initialize(
        self, protocol_version: int, client_capabilities: ClientCapabilities | None = None, client_info: Any = None, **kwargs: Any
    ) -> InitializeResponse:
        """Version 1 (the only one); capabilities: text prompts and resource links (the baseline), no
        images, audio, embedded context, session loading, MCP servers or authentication."""
        self._fs = (client_capabilities.fs if client_capabilities else None) or FileSystemCapabilities()
        log.info("ACP client %s, fs %s", getattr(client_info, "name", "?"), self._fs.model_dump())
        return InitializeResponse(
            protocol_version=PROTOCOL_VERSION,
            agent_capabilities=AgentCapabilities(
                load_session=False,
                prompt_capabilities=PromptCapabilities(image=False, audio=False, embedded_context=False),
                mcp_capabilities=McpCapabilities(http=False, sse=False),
            ),
            auth_methods=[],
            agent_info=Implementation(name="tether", title="tether", version=__version__),
        )

    async def new_session(self, cwd: str, mcp_servers: list[Any] | None = None, **kwargs: Any) -> NewSessionResponse:
        """A session on the folder ``cwd`` (absolute, existing). MCP servers the client passes are not
        used (tether calls no tools of its own choosing). Raises invalid-params for a bad ``cwd``."""
        folder = Path(cwd)
        if not folder.is_absolute() or not folder.is_dir():
            raise RequestError(INVALID_PARAMS, f"cwd must be the absolute path of an existing folder; got {cwd!r}.", {"cwd": cwd})
        try:
            engine = Engine(self._settings_for(folder), folder)
        except TetherError as exc:
            raise rpc_error(exc) from exc
        engine.providers = default_providers(engine)
        session = Session(id=uuid.uuid4().hex, engine=engine)
        self._sessions[session.id] = session
        return NewSessionResponse(session_id=session.id)

    async def prompt(self, session_id: str, prompt: list[Any], **kwargs: Any) -> PromptResponse:
        """Run the repo agent on the prompt (``turn.Turn``); "cancelled" once ``session/cancel`` stopped it."""
        session = self._session(session_id)
        if session.turn is not None and not session.turn.done():
            raise RequestError(INVALID_REQUEST, "A prompt is already running in this session; cancel it first (session/cancel).")
        assert self._client is not None, "on_connect runs before any request"
        try:
            turn = Turn(self._client, session.id, session.engine, self._fs, task_text(prompt, session.engine.workspace.root))
        except TetherError as exc:
            raise rpc_error(exc) from exc
        session.cancelled = False
        session.turn = asyncio.create_task(turn.run())
        try:
            return await session.turn
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if session.cancelled and (current is None or not current.cancelling()):
                return PromptResponse(stop_reason="cancelled")
            raise
        except TetherError as exc:
            raise rpc_error(exc) from exc

    async def cancel(self, session_id: str, **kwargs: Any) -> None:
        """``session/cancel``: stop the session's running turn between model tokens (task cancellation
        reaches the backend's stream); its prompt answers stopReason "cancelled". No turn: nothing."""
        session = self._sessions.get(session_id)
        if session is not None and session.turn is not None and not session.turn.done():
            session.cancelled = True
            session.turn.cancel()

    def _session(self, session_id: str) -> Session:
        session = self._sessions.get(session_id)
        if session is None:
            raise RequestError(INVALID_PARAMS, f"No session {session_id!r}; start one with session/new.", {"sessionId": session_id})
        return session

    async def aclose(self) -> None:
        """Stop running turns and release every session's models."""
        for session in self._sessions.values():
            if session.turn is not None:
                session.turn.cancel()
            await session.engine.aclose()
