"""Checks on a proposed file text before it becomes a proposal; each failure is re-askable."""

from __future__ import annotations

import ast
import json
import logging
import tomllib
import warnings
from collections.abc import Callable

from ..code.syntax import adds_syntax_errors
from ..errors import GenerationError
from ..lines import split_lines
from ..secrets import REDACTED, unredact
from .fit import keep_line_endings, split_bom
from .reply import code_blocks

log = logging.getLogger(__name__)


class InvalidEditError(GenerationError):
    """A well-formed edit whose result fails validation (it breaks the parse); re-asked like any other."""

    kind = "did not parse"


def check_syntax(path: str, before: str, after: str) -> None:
    """Refuse an edit that adds syntax errors: tree-sitter where the language is known, then
    the language's own parser where one is at hand (Python's ``ast``, ``tomllib``, ``json``;
    for markdown, code fences that all close). A file that did not parse before is not held
    to it after."""
    added = adds_syntax_errors(path, before, after)
    if added:
        line, message = added[0]
        more = f" (and {len(added) - 1} more)" if len(added) > 1 else ""
        raise InvalidEditError(f"The edit introduces a syntax error at line {line}: {message}{more}.", ask="Fix it.")
    parser = _PARSERS.get(path.rsplit(".", 1)[-1].lower()) if "." in path else None
    if parser is None:
        return
    error = parser(after.removeprefix("\ufeff"))
    if error is not None and parser(before.removeprefix("\ufeff")) is None:
        line, message = error
        raise InvalidEditError(f"The edit introduces a syntax error at line {line}: {message}.", ask="Fix it.")


def _python_error(text: str) -> tuple[int, str] | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings (invalid escapes) are not errors
            ast.parse(text)
    except SyntaxError as exc:
        return exc.lineno or 0, exc.msg
    except ValueError as exc:  # null bytes
        return 0, str(exc)
    return None


def _toml_error(text: str) -> tuple[int, str] | None:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return getattr(exc, "lineno", 0) or 0, str(exc)
    return None


def _json_error(text: str) -> tuple[int, str] | None:
    try:
        json.loads(text)
    except ValueError as exc:
        return getattr(exc, "lineno", 0) or 0, str(exc)
    return None


def _markdown_error(text: str) -> tuple[int, str] | None:
    """An unclosed code fence: everything after it would render as code."""
    _, open_fence = code_blocks(split_lines(text))
    if open_fence is not None:
        return open_fence.index + 1, "a code fence opened here is never closed"
    return None


# Python's own parser runs after tree-sitter, which is lenient (it accepts a ``def`` with no body).
_PARSERS: dict[str, Callable[[str], tuple[int, str] | None]] = {
    "py": _python_error,
    "pyi": _python_error,
    "toml": _toml_error,
    "json": _json_error,
    "md": _markdown_error,
    "markdown": _markdown_error,
}


def restore_secrets(new_text: str, base_text: str) -> str:
    """Put back secrets a remote model saw as [REDACTED]; refuse to write the marker over real text."""
    restored = unredact(new_text, base_text)
    if REDACTED in restored and REDACTED not in base_text:
        raise GenerationError(
            f"The edit changes a line holding a secret the model only saw as {REDACTED}.",
            ask="Keep such lines exactly as they are.",
        )
    return restored


def finish_text(path: str, base: str, new: str) -> str:
    """The last steps every edit path shares, on the whole new file text ``new``:

    the file's line breaks kept (``fit.keep_line_endings``), its BOM kept, secrets the model
    saw redacted put back, and the syntax/parse check. Raises GenerationError (re-askable).
    """
    bom, _ = split_bom(base)
    new = bom + split_bom(new)[1]
    new = keep_line_endings(base, new)
    new = restore_secrets(new, base)
    check_syntax(path, base, new)
    return new
