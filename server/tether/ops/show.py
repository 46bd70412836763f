""" "What the model saw": a proposal's recorded sources, or the ContextPack an edit would get.

``proposal_at`` finds the pending proposal with a hunk at a line: its ``sources`` are what
the model saw for it. ``context_for`` runs exactly what an edit runs
(``ops.gather.gather_context`` with the engine's providers) for a line range, without asking
the model anything. ``tether context`` and the LSP command ``tether.showContext`` use both.
``pack_text``/``pack_json``/``sources_text``/``sources_json`` render them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..lines import split_lines
from ..pack import ContextPack, Source
from ..proposals import HunkStatus, Proposal
from ..slider import Level
from .edit import make_target
from .gather import gather_context

if TYPE_CHECKING:
    from ..engine import Engine


def proposal_at(engine: Engine, path: str, line: int) -> Proposal | None:
    """The newest pending proposal with a pending hunk covering ``line`` (0-based) of ``path``."""
    rel = engine.workspace.rel(path)
    for proposal in sorted(engine.store.pending(), key=lambda p: p.created_at, reverse=True):
        for change in proposal.files:
            if change.path != rel:
                continue
            for hunk in change.hunks:
                first = hunk.old_start - 1
                if hunk.status == HunkStatus.PENDING and first <= line < first + max(len(hunk.old_lines), 1):
                    return proposal
    return None


async def context_for(
    engine: Engine, path: str, start_line: int, end_line: int | None = None, instruction: str = "", text: str | None = None
) -> ContextPack:
    """The pack an edit of lines [start_line, end_line) (0-based) of ``path`` would be given.

    ``text`` is the editor's buffer when it differs from the disk. Loads the edit model (its
    tokenizer measures the budget) but generates nothing.
    """
    rel = engine.workspace.rel(path)
    base = text if text is not None else engine.workspace.read_text(path)
    end = end_line if end_line is not None else start_line + 1
    target = make_target(rel, base, (start_line, end), instruction or "", Level.SELECTION)
    region = "".join(split_lines(base, keepends=True)[target.start_line : target.end_line])
    pack, _ = await gather_context(engine, target, engine.backend("edit"), region)
    return pack


def sources_json(sources: list[Source]) -> dict[str, Any]:
    items = [{"label": s.label(), **s.model_dump(mode="json", exclude_none=True)} for s in sources]
    return {"items": items, "total_tokens": sum(s.tokens or 0 for s in sources)}


def pack_json(pack: ContextPack, with_text: bool = False) -> dict[str, Any]:
    items = []
    for item in pack.items:
        entry: dict[str, Any] = {"label": item.source.label(), **item.source.model_dump(mode="json", exclude_none=True)}
        if with_text:
            entry["text"] = item.text
        items.append(entry)
    return {"items": items, "total_tokens": sum(i.source.tokens or 0 for i in pack.items)}


def sources_text(sources: list[Source]) -> str:
    """One line per source: tokens and label."""
    lines = [f"{(s.tokens if s.tokens is not None else '?'):>6}  {s.label()}" for s in sources]
    total = sum(s.tokens or 0 for s in sources)
    lines.append(f"{total:>6}  tokens in {len(sources)} item{'s' if len(sources) != 1 else ''}")
    return "\n".join(lines)


def pack_text(pack: ContextPack, verbose: bool = False) -> str:
    if not verbose:
        return sources_text(pack.sources())
    parts = []
    for item in pack.items:
        tokens = item.source.tokens if item.source.tokens is not None else "?"
        parts.append(f"── {item.source.label()} ({tokens} token{'s' * (tokens != 1)})\n{item.text.rstrip()}")
    parts.append(sources_text(pack.sources()).rsplit("\n", 1)[-1].strip())
    return "\n\n".join(parts)
