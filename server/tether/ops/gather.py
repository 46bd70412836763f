"""Gathering context for an edit: the target itself, then each provider within a token budget."""

from __future__ import annotations

import logging

from ..backends.base import Backend
from ..context.code_providers import RepoMapProvider, ScopeProvider
from ..docs.provider import DocsProvider
from ..engine import ContextProvider, EditTarget, Engine
from ..pack import ContextPack, Source

log = logging.getLogger(__name__)

# Room kept for the instruction, the system prompt and the reply's formatting.
PROMPT_OVERHEAD_TOKENS = 400


def default_providers(engine: Engine) -> list[ContextProvider]:
    """The context providers an engine uses by default, in the order they fill the budget: the
    scopes around the target, the docs, the repo map."""
    return [ScopeProvider(), DocsProvider(), RepoMapProvider()]


async def gather_context(engine: Engine, target: EditTarget, backend: Backend, region: str) -> tuple[ContextPack, int]:
    """The pack (target first) and the token count of the region being edited."""
    caps = await backend.capabilities()
    region_tokens = await backend.count_tokens(region)
    pack = ContextPack()
    pack.add(
        Source(
            # Always "selection", also for a whole file: prompts show this region once, as the
            # code to rewrite, and never again among the read-only "file" context.
            kind="selection",
            path=target.path,
            start_line=target.start_line + 1,
            end_line=target.end_line,
            tokens=region_tokens,
        ),
        region,
    )
    # The reply is about as long as the region, so it needs room twice.
    budget = min(caps.n_ctx // 4, caps.n_ctx - 2 * region_tokens - PROMPT_OVERHEAD_TOKENS)
    for provider in engine.providers:
        if budget <= 0:
            break
        before = len(pack.items)
        await provider.provide(engine, target, pack, budget)
        budget -= sum(item.source.tokens or 0 for item in pack.items[before:])
    return pack, region_tokens
