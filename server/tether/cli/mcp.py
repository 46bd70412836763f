"""`tether mcp`: serve the ops to other agents over MCP, on stdio (default) or streamable HTTP (docs/mcp.md)."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from ..config import Settings
from ..engine import Engine
from ..errors import InputError
from .common import add_model_flags, settings_from

LOOPBACK = "127.0.0.1"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mcp", help="serve tether's tools to other agents over MCP (stdio, or --http [HOST:]PORT)")
    p.add_argument(
        "--http",
        metavar="[HOST:]PORT",
        help="serve streamable HTTP at http://HOST:PORT/mcp instead of stdio (HOST defaults to 127.0.0.1)",
    )
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="let --http bind a host that is not loopback (anyone who reaches it can call the tools; there is no auth)",
    )
    add_model_flags(p)
    p.set_defaults(func=run_mcp)


def parse_http(spec: str, allow_remote: bool) -> tuple[str, int]:
    """``PORT``, ``HOST:PORT`` or ``[V6]:PORT`` -> (host, port); the host defaults to 127.0.0.1.

    Raises InputError for a malformed address, or a host that is not loopback (127.0.0.0/8,
    ::1, localhost) without ``allow_remote``."""
    host, sep, port = spec.rpartition(":")
    host = host.strip("[]") if sep else LOOPBACK
    if not port.isdigit() or not 0 < int(port) < 65536 or (sep and not host):
        raise InputError(f"--http takes [HOST:]PORT, like 8765 or 127.0.0.1:8765; got {spec!r}.")
    if not allow_remote and not is_loopback(host):
        raise InputError(
            f"--http {spec}: {host} is not a loopback address, and tether mcp has no authentication. "
            "Bind 127.0.0.1 (the default), or pass --allow-remote if you mean to expose it."
        )
    return host, int(port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost: it may resolve anywhere
        return False


def run_mcp(args: argparse.Namespace) -> int:
    import anyio

    from ..mcp_server.server import bind_http, create_server, serve_http, serve_stdio
    from ..ops.gather import default_providers

    address = parse_http(args.http, args.allow_remote) if args.http else None
    workspace = Path(args.workspace)

    def engine_for(settings: Settings) -> Engine:
        engine = Engine(settings, workspace)
        engine.providers = default_providers(engine)
        return engine

    app = create_server(settings_from(args), engine_for)
    if address is None:
        anyio.run(serve_stdio, app)
        return 0
    host, port = address
    sock = bind_http(host, port)
    shown = f"[{host}]" if ":" in host else host
    print(f"tether mcp: serving streamable HTTP at http://{shown}:{port}/mcp (Ctrl-C to stop)", file=sys.stderr, flush=True)
    if not is_loopback(host):
        print(
            f"tether mcp: warning: {host} is not a loopback address and there is no authentication; "
            "anyone who can reach this port can use the tools.",
            file=sys.stderr,
            flush=True,
        )
    anyio.run(serve_http, app, sock)
    return 0
