"""Edit a selection or a whole file.

The model rewrites a bounded region (the selection, or the whole file; long files go through
SEARCH/REPLACE blocks) and tether computes the diff, so hunks are always well-formed. Replies
that loop, were cut off, elide code, are not the region or add syntax errors are re-asked,
differently, ``edit.max_reasks`` times at most (``edits.loop``); then the op fails and nothing
is written.
"""

from __future__ import annotations

from ..backends.base import Backend, GenerationRequest
from ..backends.runtime import Generation
from ..edits.loop import ask_until_valid
from ..edits.reply import closed_block_end, drop_control_tokens, drop_reasoning
from ..edits.rewrite import rewrite_region
from ..edits.search_replace import apply_blocks, parse_blocks
from ..edits.validate import finish_text
from ..edits.watch import ReplyWatch
from ..engine import EditTarget, Engine
from ..errors import InputError
from ..languages import language_for
from ..lines import line_count, split_lines
from ..pack import ContextPack
from ..prompts.edit import fence_for, rewrite_messages, search_replace_messages
from ..proposals import Proposal, build_file_change
from ..slider import Level, check_changes, check_slider
from .gather import gather_context


async def edit_selection(engine: Engine, path: str, instruction: str, start_line: int, end_line: int, text: str | None = None) -> Proposal:
    """Rewrite lines [start_line, end_line) (0-based, as ``tether.lines`` counts) of ``path``;
    ``text`` is the buffer, else the disk. Raises InputError for a bad range, GenerationError
    when no reply was usable after the re-asks (nothing is written)."""
    return await _edit(engine, path, instruction, text, (start_line, end_line), Level.SELECTION)


async def edit_file(engine: Engine, path: str, instruction: str, text: str | None = None) -> Proposal:
    """Rewrite the whole of ``path``; ``text`` is the buffer, else the disk. Raises
    GenerationError when no reply was usable after the re-asks (nothing is written)."""
    return await _edit(engine, path, instruction, text, None, Level.FILE)


async def _edit(engine: Engine, path: str, instruction: str, text: str | None, lines: tuple[int, int] | None, level: Level) -> Proposal:
    check_slider(level, engine.settings.level, engine.settings.max_level)
    if not instruction.strip():
        raise InputError("Say what to change: the instruction is empty.")
    rel = engine.workspace.rel(path)
    base = text if text is not None else engine.workspace.read_text(path)
    target = make_target(rel, base, lines, instruction, level)
    backend = engine.backend("edit")
    limits = engine.settings.limits_for(level)
    region = _region(base, target)
    pack, region_tokens = await gather_context(engine, target, backend, region)
    calls = min(1 + engine.settings.edit.max_reasks, limits.max_model_calls)
    new_text, _ = await propose_text(engine, backend, target, pack, region_tokens, calls)
    change = build_file_change(rel, base, new_text)
    changed = sum(h.changed_lines for h in change.hunks)
    check_changes(level, limits, 1 if change.hunks else 0, changed)
    scope = f"lines {target.start_line + 1}-{target.end_line}" if lines else "the file"
    proposal = Proposal(
        level=level,
        instruction=instruction,
        rationale=f"Rewrote {scope} of {rel} for: {instruction}",
        model=backend.name,
        files=[change] if change.hunks else [],
        sources=pack.sources(),
    )
    return engine.store.save(proposal)


def make_target(path: str, text: str, lines: tuple[int, int] | None, instruction: str, level: Level) -> EditTarget:
    """The region to edit: ``lines`` = (start, end), 0-based, end exclusive; None = the file."""
    count = line_count(text)
    start, end = lines if lines is not None else (0, count)
    if lines is not None and not (0 <= start < end <= max(count, 1)):
        raise InputError(f"Lines {start + 1}-{end} are not a range inside {path}, which has {count} line{'s' * (count != 1)}.")
    return EditTarget(path=path, text=text, start_line=start, end_line=end, instruction=instruction, level=level)


async def propose_text(
    engine: Engine, backend: Backend, target: EditTarget, pack: ContextPack, region_tokens: int, max_calls: int
) -> tuple[str, int]:
    """The target file's new text and the model calls it took (the repo agent calls this per file).

    A selection, or a whole file up to ``edit.search_replace_over_lines`` lines, is rewritten;
    longer whole files are edited through SEARCH/REPLACE blocks. ``max_calls``: tries, re-asks
    included. Raises GenerationError when none gave a usable reply.
    """
    long_file = line_count(target.text) > engine.settings.edit.search_replace_over_lines
    if target.level != Level.SELECTION and long_file:
        return await _search_replace(engine, backend, target, pack, max_calls)
    return await _rewrite(engine, backend, target, pack, region_tokens, max_calls)


def _region(text: str, target: EditTarget) -> str:
    return "".join(split_lines(text, keepends=True)[target.start_line : target.end_line])


async def _rewrite(
    engine: Engine, backend: Backend, target: EditTarget, pack: ContextPack, region_tokens: int, max_calls: int
) -> tuple[str, int]:
    lines = split_lines(target.text, keepends=True)
    start, end = target.start_line, target.end_line
    old_region = "".join(lines[start:end])
    whole = start == 0 and end >= len(lines)
    lang = language_for(target.path)
    around = engine.settings.edit.around_lines
    fence = fence_for(target.text)
    messages = rewrite_messages(
        target.path,
        lang,
        old_region,
        "".join(lines[max(0, start - around) : start]),
        "".join(lines[end : end + around]),
        target.instruction,
        pack,
        whole,
        fence,
    )
    caps = await backend.capabilities()
    request = GenerationRequest(
        messages=messages,
        assistant_prefix=f"{fence}{lang}\n",
        max_tokens=min(engine.settings.edit.max_tokens, region_tokens * 2 + 128),
        temperature=engine.settings.edit.temperature,
        speculative=engine.settings.edit.speculative,
    )
    shown = "".join(m.content for m in messages)

    def parse(generation: Generation) -> str:
        new_text = rewrite_region(generation.text, target.text, start, end, target.path, lang, target.instruction)
        return finish_text(target.path, target.text, new_text)

    def watch() -> ReplyWatch:
        return ReplyWatch(old_region, shown, done=lambda reply: closed_block_end(reply, old_region))

    return await ask_until_valid(backend, request, parse, max_calls, token_ceiling=caps.n_ctx // 2, watch=watch)


async def _search_replace(engine: Engine, backend: Backend, target: EditTarget, pack: ContextPack, max_calls: int) -> tuple[str, int]:
    lang = language_for(target.path)
    messages = search_replace_messages(target.path, lang, target.text, target.instruction, pack, fence_for(target.text))
    request = GenerationRequest(
        messages=messages,
        max_tokens=engine.settings.edit.max_tokens,
        temperature=engine.settings.edit.temperature,
        speculative=engine.settings.edit.speculative,
    )
    shown = "".join(m.content for m in messages)

    def parse(generation: Generation) -> str:
        reply = drop_control_tokens(drop_reasoning(generation.text), target.text)
        new_text = apply_blocks(target.text, parse_blocks(reply), lang)
        return finish_text(target.path, target.text, new_text)

    def watch() -> ReplyWatch:
        return ReplyWatch(target.text, shown)

    return await ask_until_valid(backend, request, parse, max_calls, watch=watch)
