"""The headless CLI: the same operations as the language server, for terminals and CI.

stdout carries results only (a diff, JSON); logs and errors go to stderr. Errors are converted
once, here: ``Error: <message>`` (one line, then an optional detail block), with ``--json`` also a
JSON error object on stdout (cli/errors.py), and the error's stable exit code (docs/cli.md).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import NoReturn

from .. import __version__
from ..errors import InputError, TetherError
from .errors import report_error
from .lazy import LazyCommand, add_lazy_commands

# One module per noun; each has ``register(subparsers)`` that sets ``func`` on its parsers. A module
# is imported only when its command is chosen (cli/lazy.py), so the help lines live here; a test
# checks them against what the modules register.
COMMANDS = {
    "complete": LazyCommand("tether.cli.edit", "complete the code at a position (prints the inserted text)"),
    "edit": LazyCommand("tether.cli.edit", "propose an edit of a file or a line range (prints a unified diff)"),
    "proposals": LazyCommand("tether.cli.proposals", "list, show, accept, reject, prune or clear proposals"),
    "models": LazyCommand("tether.cli.models", "model slots and roles; pull, discover and adopt GGUF models"),
    "doctor": LazyCommand("tether.cli.models", "check that each role has a working model; llama.cpp build (CUDA/Metal/CPU)"),
    "bench": LazyCommand("tether.cli.bench", "measure speed and quality (JSON out)"),
    "eval": LazyCommand("tether.cli.eval", "model quality on HumanEval (FIM holes, edits): pass@1, valid share, latency, tokens/s"),
    "docs": LazyCommand("tether.cli.docs", "ingest and search documentation (llms.txt, markdown)"),
    "context": LazyCommand("tether.cli.context", "show the context an edit at FILE:LINE would give the model"),
    "digest": LazyCommand("tether.cli.context", "the workspace as one LLM-friendly text (tree + files)"),
    "serve": LazyCommand("tether.cli.serve", "run the language server (stdio, or --tcp HOST:PORT)"),
    "mcp": LazyCommand("tether.cli.mcp", "serve tether's tools to other agents over MCP (stdio, or --http [HOST:]PORT)"),
    "acp": LazyCommand("tether.cli.acp", "run as an Agent Client Protocol agent over stdio (Zed, Neovim...)"),
    "repo": LazyCommand("tether.cli.repo", "plan and propose edits across the repository (prints a unified diff)"),
    "undo": LazyCommand("tether.cli.repo", "revert the last applied proposal (or, with --run, a whole repo run)"),
}


class Parser(argparse.ArgumentParser):
    """argparse's parser, remembering its last usage error (``last_error``) so that ``main`` can
    repeat it as a JSON error object when the command line asked for ``--json``. Sub-parsers,
    lazily loaded ones included, are built with the same class."""

    last_error = ""

    def error(self, message: str) -> NoReturn:
        Parser.last_error = message
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    """The `tether` parser; a command's module is imported when argparse reaches its name (cli/lazy.py)."""
    parser = Parser(prog="tether", description="A coding assistant on a leash.")
    parser.add_argument("--version", action="version", version=f"tether {__version__}")
    parser.add_argument("--workspace", "-C", default=".", help="workspace folder (default: current folder)")
    # dest differs from `tether context --verbose`, whose default would overwrite this one
    parser.add_argument(
        "--verbose", dest="log_verbose", action="store_true", help="log to stderr at debug level, llama.cpp's own lines included"
    )
    parser.add_argument("--debug", action="store_true", help="like --verbose, and show tracebacks")
    add_lazy_commands(parser, COMMANDS, dest="command", metavar="COMMAND")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); the exit code (docs/cli.md)."""
    try:
        return _main(argv)
    except BrokenPipeError:  # from the command's output, or from an error report on a closed stdout
        return _stdout_closed()


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed the usage and its error on stderr
        if exc.code == 2 and "--json" in (sys.argv[1:] if argv is None else argv):
            print(json.dumps({"error": {"kind": "UsageError", "message": Parser.last_error, "detail": None, "exitCode": 2}}))
        raise
    logging.basicConfig(
        level=logging.DEBUG if args.debug or args.log_verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        _check_workspace(args.workspace)
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except TetherError as exc:
        if args.debug:
            raise
        report_error(exc, bool(getattr(args, "json", False)))
        return exc.exit_code
    except BrokenPipeError:
        raise  # main ends quietly
    except OSError as exc:  # a file the command was told to write or read (--output F, ...): no traceback
        if args.debug:
            raise
        where = f": {exc.filename}" if exc.filename else ""
        error = TetherError(f"{exc.strerror or exc}{where}. Check the path and its permissions.")
        report_error(error, bool(getattr(args, "json", False)))
        return error.exit_code
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


def _stdout_closed() -> int:
    """The reader of stdout went away (``tether models discover | head``): end quietly with 141
    (128 + SIGPIPE, what a shell reports for a command killed by a closed pipe). stdout is pointed
    at /dev/null so that Python's flush at exit cannot raise again (the recipe in the Python docs,
    library/signal.html, "Note on SIGPIPE")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141


def _check_workspace(folder: str) -> None:
    """InputError (exit 3) when ``-C/--workspace`` names no existing folder: every command needs one."""
    path = Path(folder)
    if not path.exists():
        raise InputError(f"The workspace folder {folder} does not exist; pass an existing folder to -C/--workspace.")
    if not path.is_dir():
        raise InputError(f"The workspace {folder} is not a folder; pass a folder to -C/--workspace.")


if __name__ == "__main__":
    sys.exit(main())
