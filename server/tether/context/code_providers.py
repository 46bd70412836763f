"""Context providers for code: the enclosing scope of a selection, and the ranked repo map.

``ScopeProvider`` adds the function or class around a small selection (``kind="file"``).
``RepoMapProvider`` adds definitions from other files, ranked for this edit: full bodies of
the symbols the instruction names, then signatures grouped by file (``kind="repomap"``).
Both record path + line range for every item, redact secrets, and only read files that may
enter context (git-ignored, ``.tetherignore``d and secret-looking files never do).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ..code.syntax import enclosing_scopes
from ..errors import InputError, TetherError
from ..lines import split_lines
from ..pack import ContextPack, Source
from ..secrets import redact
from ..workspace import read_confined
from .budget import counter_for, fit_prefix
from .ranking import STRONG, Graph, GraphBuilder, Ranked, mentioned_identifiers, rank_definitions, render_map
from .repomap import RepoMap

if TYPE_CHECKING:
    from ..engine import EditTarget, Engine

log = logging.getLogger(__name__)

SCOPE_MAX_SELECTION_LINES = 40
MAX_BODIES = 3
MAX_BODY_LINES = 80
RANKED_LIMIT = 300


class ScopeProvider:
    """The enclosing function or class of a small selection, when it reaches past what the prompt shows."""

    async def provide(self, engine: Engine, target: EditTarget, pack: ContextPack, budget_tokens: int) -> None:
        selected = target.end_line - target.start_line
        lines = split_lines(target.text, keepends=True)
        if selected > SCOPE_MAX_SELECTION_LINES or selected >= len(lines) or budget_tokens <= 0:
            return
        last = max(target.start_line, target.end_line - 1)
        around = engine.settings.edit.around_lines  # the edit prompt shows these lines already (ops/edit.py)
        shown = (target.start_line - around, last + around)
        scopes = enclosing_scopes(target.path, target.text, target.start_line, last)
        scope = next((s for s in scopes if s.start_line < shown[0] or s.end_line > shown[1]), None)
        if scope is None:
            return
        count = counter_for(_backend(engine)).count
        start, end = scope.start_line, min(scope.end_line, len(lines) - 1)
        text = redact("".join(lines[start : end + 1]))
        tokens = await count(text)
        if tokens > budget_tokens // 2:
            # Too long: the lines of the scope nearest the selection.
            start, end, text, tokens = await _window(lines, scope.start_line, end, target, count, budget_tokens // 2)
            if not text:
                return
        pack.add(Source(kind="file", path=target.path, start_line=start + 1, end_line=end + 1, tokens=tokens), text)


async def _window(lines, scope_start, scope_end, target, count, budget):
    for radius in (60, 40, 25, 15, 8, 4, 2):
        start = max(scope_start, target.start_line - radius)
        end = min(scope_end, target.end_line + radius)
        text = redact("".join(lines[start : end + 1]))
        tokens = await count(text)
        if tokens <= budget:
            return start, end, text, tokens
    return 0, 0, "", 0


class RepoMapProvider:
    """Definitions from other files, ranked for this edit and fitted to the budget."""

    def __init__(self) -> None:
        self._maps: dict[Path, tuple[RepoMap, GraphBuilder]] = {}
        self._graphs: dict[Path, tuple[int, Graph]] = {}
        self._lock = threading.Lock()

    def repomap(self, engine: Engine) -> RepoMap:
        return self._entry(engine)[0]

    def _entry(self, engine: Engine) -> tuple[RepoMap, GraphBuilder]:
        root = engine.workspace.root
        with self._lock:
            if root not in self._maps:
                self._maps[root] = (RepoMap(root, Path(engine.data_dir) / "repomap.sqlite"), GraphBuilder())
            return self._maps[root]

    def ranked(self, engine: Engine, target: EditTarget) -> list[Ranked]:
        """Refresh the index and rank definitions for ``target`` (blocking; call in a thread)."""
        repomap, builder = self._entry(engine)
        repomap.refresh()
        with self._lock:
            cached = self._graphs.get(repomap.root)
            if cached is None or cached[0] != repomap.generation:
                cached = self._graphs[repomap.root] = (repomap.generation, builder.build(repomap.entries))
        lines = split_lines(target.text)
        selection = "\n".join(lines[target.start_line : target.end_line]) if target.end_line - target.start_line < len(lines) else ""
        mentions = mentioned_identifiers(target.instruction, selection)
        return rank_definitions(cached[1], [target.path], mentions, {target.path}, RANKED_LIMIT)

    async def provide(self, engine: Engine, target: EditTarget, pack: ContextPack, budget_tokens: int) -> None:
        if budget_tokens <= 0:
            return
        ranked = await asyncio.to_thread(self.ranked, engine, target)
        if not ranked:
            return
        count = counter_for(_backend(engine)).count
        repomap = self.repomap(engine)
        named = {n for n, w in mentioned_identifiers(target.instruction).items() if w >= STRONG}
        left = budget_tokens
        shown_bodies: set[tuple[str, int]] = set()
        for r in [r for r in ranked if r.definition.name in named][:MAX_BODIES]:
            added = await _add_body(repomap.root, r, pack, count, left // 2)
            if added:
                shown_bodies.add((r.path, r.definition.line))
                left -= added
        rest = [r for r in ranked if (r.path, r.definition.line) not in shown_bodies]
        if not rest or left <= 0:
            return

        def render(n: int) -> list[tuple[str, str, int, int]]:
            return [(path, redact(text), first, last) for path, text, first, last in render_map(rest[:n], repomap.entries)]

        async def tokens(items: list[tuple[str, str, int, int]]) -> int:
            return sum([await count(text) for _, text, _, _ in items])

        fitted = await fit_prefix(tokens, render, len(rest), left)  # unpacked at once, mypy infers T as list | None
        _, shown, _ = fitted
        for path, text, first, last in shown or []:
            pack.add(Source(kind="repomap", path=path, start_line=first + 1, end_line=last + 1, tokens=await count(text)), text)


async def _add_body(root: Path, r: Ranked, pack: ContextPack, count, budget: int) -> int:
    """Add the full text of one definition (cut at MAX_BODY_LINES); the tokens used, 0 when it did not fit."""
    try:
        data = read_confined(root, r.path).data
    except (OSError, InputError):  # gone, or a link out of the workspace (logged once)
        return 0
    lines = split_lines(data.decode("utf-8", errors="replace"), keepends=True)
    d = r.definition
    end = min(d.end_line, d.line + MAX_BODY_LINES - 1, len(lines) - 1)
    text = redact("".join(lines[d.line : end + 1]))
    if end < d.end_line:
        text += "    ...\n"
    tokens = await count(text)
    if tokens > budget:
        return 0
    pack.add(Source(kind="repomap", path=r.path, start_line=d.line + 1, end_line=end + 1, tokens=tokens), text)
    return tokens


def _backend(engine: Engine):
    try:
        return engine.backend("edit")
    except TetherError as exc:  # no edit model configured: estimate tokens instead
        log.info("no edit model to count tokens with (%s); estimating", exc)
        return None
