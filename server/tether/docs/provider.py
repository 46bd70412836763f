"""DocsProvider: relevant documentation chunks for an edit, as untrusted reference text.

The query is the instruction plus the identifiers in the lines being edited. Each chunk goes
into the context pack with its citation (URL or path, heading path, line range) and
``untrusted=True``: prompts render such items inside a delimited block of reference data,
never as instructions, and nothing in a docs chunk can call a tool or run a command. Pages
from an llms.txt ``Optional`` section only fill room the other pages leave, and are left out
entirely when the budget is short.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from typing import TYPE_CHECKING

from ..errors import TetherError
from ..lines import split_lines
from ..pack import ContextPack
from .search import index_paths, search_docs

if TYPE_CHECKING:
    from ..engine import EditTarget, Engine

log = logging.getLogger(__name__)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
# Words every language has; as query terms they only add noise.
_KEYWORDS = frozenset(
    "and any args async await bool break case catch char class const continue def default del elif else "
    "enum except export extends false final finally float for from func function global import impl int "
    "interface kwargs lambda len let match mut new nil none not null pass print private protected pub "
    "public raise return self static str struct super switch this throw true try type typeof undefined "
    "use var void while with yield".split()
)


def build_query(target: EditTarget, max_identifiers: int = 12) -> str:
    """The instruction, then identifiers from the selected lines (most frequent first)."""
    lines = split_lines(target.text)[target.start_line : target.end_line]
    counts: dict[str, int] = {}
    for name in _IDENT.findall("\n".join(lines)):
        if name.lower() not in _KEYWORDS:
            counts[name] = counts.get(name, 0) + 1
    names = sorted(counts, key=lambda n: -counts[n])[:max_identifiers]
    return " ".join([target.instruction, *names]).strip()


class DocsProvider:
    """Adds up to ``k`` docs chunks within the budget; does nothing when no docs are indexed."""

    def __init__(self, k: int = 4, min_relative_score: float = 0.25, optional_min_budget: int = 512):
        self.k = k
        self.min_relative_score = min_relative_score  # drop weak matches: below this share of the best score
        self.optional_min_budget = optional_min_budget  # below this budget, skip llms.txt "Optional" pages

    async def provide(self, engine: Engine, target: EditTarget, pack: ContextPack, budget_tokens: int) -> None:
        if budget_tokens <= 0 or not index_paths(engine):
            return
        query = build_query(target)
        try:
            hits = await search_docs(engine, query, k=2 * self.k, include_optional=budget_tokens >= self.optional_min_budget)
        except (sqlite3.Error, TetherError) as exc:
            # Docs are a help, never a reason for an edit to fail.
            log.warning("docs search failed, continuing without docs: %s", exc)
            return
        if not hits:
            return
        floor = hits[0].score * self.min_relative_score
        # Optional pages after the others (a stable sort keeps the score order within each).
        ranked = sorted((h for h in hits if h.score >= floor), key=lambda h: h.optional)
        used = added = 0
        for hit in ranked:
            if added == self.k:
                break
            if used + hit.tokens > budget_tokens:
                continue
            pack.add(hit.as_source(), hit.text)
            used += hit.tokens
            added += 1
