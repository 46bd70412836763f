"""How the CLI reports an error: one line on stderr, an optional detail block, and JSON with ``--json``.

    Error: <one sentence a user can act on>
      <detail lines, indented: a check's output tail, ...>

With ``--json`` the same error also goes to stdout as ``{"error": {"kind", "message", "detail",
"exitCode"}}`` (kind: the TetherError class name; exitCode: docs/cli.md's table), unless the
command already printed a JSON result that carries it (``TetherError.json_reported``).
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from ..errors import TetherError
from ..lines import split_lines


def error_parts(exc: TetherError) -> tuple[str, str]:
    """(message, detail): the message's first line, and its other lines plus ``exc.detail``, stripped."""
    first, _, rest = str(exc).strip().partition("\n")
    detail = "\n".join(part.strip("\n") for part in (rest, exc.detail) if part.strip())
    return first.strip() or type(exc).__name__, detail


def error_json(exc: TetherError) -> dict[str, Any]:
    """The JSON error object: ``{"kind": str, "message": str, "detail": str | None, "exitCode": int}``."""
    message, detail = error_parts(exc)
    return {"kind": type(exc).__name__, "message": message, "detail": detail or None, "exitCode": exc.exit_code}


def report_error(exc: TetherError, as_json: bool, out: TextIO | None = None, err: TextIO | None = None) -> None:
    """Print ``exc`` for a person on ``err`` (stderr) and, when ``as_json``, as JSON on ``out`` (stdout)."""
    out, err = out or sys.stdout, err or sys.stderr
    message, detail = error_parts(exc)
    err.write(f"Error: {message}\n")
    if detail:
        err.write("".join(f"  {line}\n" for line in split_lines(detail)))
    if as_json and not exc.json_reported:
        json.dump({"error": error_json(exc)}, out, indent=2)
        out.write("\n")
