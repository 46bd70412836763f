"""The context providers an engine uses by default, in the order they fill the budget."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..engine import ContextProvider, Engine


def default_providers(engine: Engine) -> list[ContextProvider]:
    from ..docs.provider import DocsProvider
    from .code_providers import RepoMapProvider, ScopeProvider

    return [ScopeProvider(), DocsProvider(), RepoMapProvider()]
