"""``initialize``, ``initialized``, ``workspace/didChangeConfiguration``, ``shutdown``.

The workspace root is the client's first workspace folder (else ``rootUri``/``rootPath``, else
the folder ``create_server`` was given). ``initializationOptions`` are the client settings;
invalid ones never fail ``initialize``: the user gets a warning and the defaults stay. Models
load in the background after ``initialized``; a model that fails is reported and its role
falls back to the next model configured for it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from lsprotocol import types

from ..errors import ConfigError
from .convert import path_of_uri

log = logging.getLogger(__name__)


def register(server) -> None:
    pending_warning: list[str] = []

    @server.feature(types.INITIALIZE)
    def initialize(ls, params: types.InitializeParams):
        pending_warning.extend(ls.session.start(client_root(params), params.initialization_options))

    @server.feature(types.INITIALIZED)
    def initialized(ls, params: types.InitializedParams):
        while pending_warning:
            warn(ls, pending_warning.pop(0))
        ls.session.warm_up(lambda message: warn(ls, message))

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls, params: types.DidChangeConfigurationParams):
        raw = params.settings
        if raw is None and _can_pull(ls):
            pulled = await ls.workspace_configuration_async(types.ConfigurationParams(items=[types.ConfigurationItem(section="tether")]))
            raw = pulled[0] if pulled else None
        if raw is None:
            return
        try:
            rebuilt = ls.session.update_client_settings(raw)
        except ConfigError as exc:
            warn(ls, f"tether: settings not changed. {exc}")
            return
        if rebuilt:
            ls.session.warm_up(lambda message: warn(ls, message))

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls, params):
        await ls.session.aclose()


def client_root(params: types.InitializeParams) -> Path | None:
    for uri in [f.uri for f in params.workspace_folders or []] + [params.root_uri]:
        path = path_of_uri(uri) if uri else None
        if path is not None:
            return path
    return Path(params.root_path) if params.root_path else None


def warn(ls, message: str) -> None:
    log.warning("%s", message)
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=message))


def _can_pull(ls) -> bool:
    workspace = ls.client_capabilities.workspace
    return bool(workspace and workspace.configuration)
