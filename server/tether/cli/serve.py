"""`tether serve`: run the language server over stdio (default) or TCP (``--tcp HOST:PORT``)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from ..errors import InputError
from .common import add_model_flags, settings_from


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the language server (stdio, or --tcp HOST:PORT)")
    p.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio (one client)")
    p.add_argument("--stdio", action="store_true", help="use stdio (the default; accepted for clients that pass it)")
    p.add_argument("--log-level", default=None, choices=["debug", "info", "warning", "error"], help="stderr log level")
    add_model_flags(p)
    p.set_defaults(func=run_serve)


def parse_address(spec: str) -> tuple[str, int]:
    host, sep, port = spec.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"--tcp takes HOST:PORT, like 127.0.0.1:2087; got {spec!r}.")
    return host, int(port)


def run_serve(args: argparse.Namespace) -> int:
    from ..lsp.server import create_server

    if args.log_level:
        logging.getLogger().setLevel(args.log_level.upper())
    # Model flags pin the settings (loaded for -C); otherwise they load for the client's root.
    settings = settings_from(args) if (args.model or args.n_ctx) else None
    server = create_server(settings, root=Path(args.workspace), debug=bool(getattr(args, "debug", False)))
    if args.tcp:
        host, port = parse_address(args.tcp)
        try:
            server.start_tcp(host, port)
        except SystemExit:
            pass  # the `exit` notification; its code is the lifecycle's
        return server.exit_code
    rpc_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    # stdout now carries JSON-RPC only: anything else printing to it (C libraries too) goes to stderr.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    server.start_io(sys.stdin.buffer, rpc_out)
    return server.exit_code  # LSP 3.17: 0 for `exit` after `shutdown`, 1 for `exit` alone
