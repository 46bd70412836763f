"""Checks on a proposed file text before it becomes a proposal; each failure is re-askable."""

from __future__ import annotations

import ast
import logging
import warnings

from ..errors import GenerationError

log = logging.getLogger(__name__)


class InvalidEditError(GenerationError):
    """A well-formed edit whose result fails validation (it breaks the parse); re-asked like any other."""


def check_syntax(path: str, before: str, after: str) -> None:
    """Refuse an edit that adds syntax errors (tree-sitter), when the language is known."""
    try:
        from ..context.syntax import adds_syntax_errors
    except ImportError:  # the syntax layer is optional at this level
        return
    added = adds_syntax_errors(path, before, after)
    if added:
        line, message = added[0]
        more = f" (and {len(added) - 1} more)" if len(added) > 1 else ""
        raise InvalidEditError(f"The edit introduces a syntax error at line {line}: {message}{more}. Fix it.")
    if path.endswith((".py", ".pyi")):
        _check_python(before, after)


def _check_python(before: str, after: str) -> None:
    """Python's own parser, where tree-sitter is lenient (it accepts a ``def`` with no body)."""
    if _python_error(after) is None or _python_error(before) is not None:
        return  # fine, or the file did not parse before either (another Python version, a template)
    line, message = _python_error(after) or (0, "")
    raise InvalidEditError(f"The edit introduces a syntax error at line {line}: {message}. Fix it.")


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


def restore_secrets(new_text: str, base_text: str) -> str:
    """Put back secrets a remote model saw as [REDACTED]; refuse to write the marker over real text."""
    from ..context.secrets import REDACTED, unredact

    restored = unredact(new_text, base_text)
    if REDACTED in restored and REDACTED not in base_text:
        raise GenerationError(
            f"The edit changes a line holding a secret the model only saw as {REDACTED}; "
            "keep such lines exactly as they are."
        )
    return restored
