"""``create_server``: build a tether language server and register its handlers. Nothing else lives here."""

from __future__ import annotations

from pathlib import Path

from .. import __version__
from ..config import Settings
from . import actions, commands, completion, extensions, lifecycle, next_edit, recent, repo
from .protocol import TetherServer
from .session import Session

HANDLER_MODULES = (lifecycle, recent, completion, next_edit, actions, commands, extensions, repo)


def create_server(settings: Settings | None = None, root: Path | str | None = None, debug: bool = False) -> TetherServer:
    """A server ready for ``start_io``/``start_tcp``.

    ``settings``: the base layer under the client's settings; None loads tether.toml and
    ``TETHER_*`` for the workspace the client names at ``initialize``. ``root``: the workspace
    when the client names none. ``debug``: internal errors keep their traceback in ``error.data``.
    """
    server = TetherServer(Session(settings, root), __version__, debug=debug)
    for module in HANDLER_MODULES:
        module.register(server)
    return server
