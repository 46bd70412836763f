"""Checks on a proposed file text before it becomes a proposal; each failure is re-askable."""

from __future__ import annotations

import logging

from ..errors import GenerationError

log = logging.getLogger(__name__)


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
        raise GenerationError(f"The edit introduces a syntax error at line {line}: {message}{more}. Fix it.")
