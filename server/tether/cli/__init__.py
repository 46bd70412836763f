"""The headless CLI: the same operations as the language server, for terminals and CI.

stdout carries results only (a diff, JSON); logs and errors go to stderr. Errors are converted
once, here: ``Error: <message>`` and the error's stable exit code (docs/cli.md).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from .. import __version__
from ..errors import TetherError

# One module per noun; each has ``register(subparsers)`` that sets ``func`` on its parsers.
COMMAND_MODULES = ["edit", "proposals", "models", "bench", "docs", "context", "serve", "repo"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tether", description="A coding assistant on a leash.")
    parser.add_argument("--version", action="version", version=f"tether {__version__}")
    parser.add_argument("--workspace", "-C", default=".", help="workspace folder (default: current folder)")
    # dest differs from `tether context --verbose`, whose default would overwrite this one
    parser.add_argument(
        "--verbose", dest="log_verbose", action="store_true", help="log to stderr at debug level, llama.cpp's own lines included"
    )
    parser.add_argument("--debug", action="store_true", help="like --verbose, and show tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug or args.log_verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except TetherError as exc:
        if args.debug:
            raise
        print(f"Error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
