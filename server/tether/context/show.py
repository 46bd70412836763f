""""What the model saw": the ContextPack an edit would get, and how to print one.

``context_for`` runs exactly what an edit runs (``ops.gather.gather_context`` with the
engine's providers) for a line range, without asking the model anything; ``tether context``
and the LSP command ``tether.showContext`` call it. ``pack_text`` and ``pack_json`` render a
pack — from here or from a proposal's recorded sources — for people and for machines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..slider import Level
from .pack import ContextPack, Source

if TYPE_CHECKING:
    from ..engine import Engine


async def context_for(
    engine: "Engine", path: str, start_line: int, end_line: int | None = None, instruction: str = "", text: str | None = None
) -> ContextPack:
    """The pack an edit of lines [start_line, end_line) (0-based) of ``path`` would be given.

    ``text`` is the editor's buffer when it differs from the disk. Loads the edit model (its
    tokenizer measures the budget) but generates nothing.
    """
    from ..ops.edit import make_target
    from ..ops.gather import gather_context

    rel = engine.workspace.rel(path)
    base = text if text is not None else engine.workspace.read_text(path)
    end = end_line if end_line is not None else start_line + 1
    target = make_target(rel, base, (start_line, end), instruction or "", Level.SELECTION)
    region = "".join(base.splitlines(keepends=True)[target.start_line : target.end_line])
    pack, _ = await gather_context(engine, target, engine.backend("edit"), region)
    return pack


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
        parts.append(f"── {item.source.label()} ({tokens} tokens)\n{item.text.rstrip()}")
    parts.append(sources_text(pack.sources()).rsplit("\n", 1)[-1].strip())
    return "\n\n".join(parts)
