"""Predict the person's next edit near the cursor (the COMPLETE level): a small replacement, no proposal.

From the cursor, the recent edits (``context.edit_history``) and the editable region around the
cursor (``next_edit.lines_before`` / ``lines_after``), the model rewrites the region; the
suggestion is the minimal replacement that turns the old region into the new one (common head
and tail characters left out), or none when the region comes back unchanged. The prompt format
(``prompts.next_edit``): ``zeta``, ``sweep`` (``prompts.next_edit_sweep``), ``instruct``, or ``fim``, which degrades
to plain completion at the cursor (``ops.complete``) for models with FIM tokens only; it is
the serving slot's ``models.<slot>.next_edit_format`` when set, else ``next_edit.format``
(``prompt_format``).

The jump: when the person's last edit removed a name (a rename's old name) and the region
around the cursor no longer uses it, the region moves to its nearest use elsewhere in the
document (``jump_target``), still one model call, so the suggestion can be the matching change
40 lines away.

The leash is the complete level's (``slider.check_slider``, ``limits.complete.max_changed_lines``).
A secret file (``secrets.is_secret_path``) never reaches any model; a file the context rules
exclude (``context.files.is_excluded``) never reaches a remote one.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from ..backends.base import Backend
from ..backends.router import FailoverBackend
from ..backends.runtime import generate
from ..config import Settings
from ..context.files import is_excluded
from ..edits.reply import check_form, drop_control_tokens, extract_code
from ..engine import Engine
from ..errors import InputError
from ..lines import break_count, split_lines
from ..prompts.next_edit import Region, editable_region, instruct_request, parse_zeta, zeta_request
from ..prompts.next_edit_sweep import parse_sweep, sweep_request
from ..secrets import is_secret_path
from ..slider import Level, check_changes, check_slider
from .complete import complete, offset_of

ROLE = "next_edit"  # the role's slots when configured, else the complete role's


class Replacement(BaseModel):
    """Replace the text from (start_line, start_col) to (end_line, end_col) with ``text``.
    Lines 0-based, columns 0-based code points; an empty range is an insertion."""

    start_line: int
    start_col: int
    end_line: int
    end_col: int
    text: str


class NextEdit(BaseModel):
    replacement: Replacement | None  # None: the model sees nothing to change
    model: str
    format: str
    elapsed_s: float
    jumped: bool = False  # the region was moved to another use of a name the last edit removed


def minimal_replacement(text: str, start: int, old: str, new: str) -> Replacement | None:
    """The smallest replacement turning ``old`` into ``new``, where ``old`` sits at code-point
    offset ``start`` of ``text`` (the whole document); None when they are equal. Common leading
    and trailing characters are left out, the tail first shrunk so it never overlaps the head."""
    if old == new:
        return None
    head = 0
    limit = min(len(old), len(new))
    while head < limit and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    begin, end = start + head, start + len(old) - tail
    s_line, s_col = _line_col(text, begin)
    e_line, e_col = _line_col(text, end)
    return Replacement(start_line=s_line, start_col=s_col, end_line=e_line, end_col=e_col, text=new[head : len(new) - tail])


def prompt_format(settings: Settings, backend: Backend) -> str:
    """The next-edit prompt format for ``backend`` (a role's backend, after ``capabilities()``):
    the ``next_edit_format`` of the model slot that serves it (for a failover role, the first
    slot that could be used), else ``next_edit.format``. A backend that is no configured slot
    gets ``next_edit.format``."""
    served = backend.active if isinstance(backend, FailoverBackend) else backend
    slot = settings.models.get(served.name)
    if slot is not None and slot.next_edit_format is not None:
        return slot.next_edit_format
    return settings.next_edit.format


def changed_lines(replacement: Replacement) -> int:
    """Lines the replacement touches: the larger of the lines it removes from and the lines it writes."""
    return max(replacement.end_line - replacement.start_line + 1, break_count(replacement.text) + 1)


def jump_target(text: str, region: Region, line: int, names: list[str]) -> tuple[int, int] | None:
    """Where to move the editable region (0-based line, code-point column), or None to stay.

    ``names``: identifiers the person's last edit removed (``EditEvent.removed_names``: the old
    name of a rename). While the region still holds one of them, the next edit is there; when it
    holds none, the region moves to the use nearest to the cursor's ``line`` elsewhere in the
    document (the "jump" of next-edit suggestions). None when no name is used anywhere else."""
    if not names:
        return None
    word = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)")
    if word.search(region.text):
        return None
    best: tuple[int, int, int] | None = None
    for number, body in enumerate(split_lines(text)):
        if region.start_line <= number < region.end_line:
            continue
        found = word.search(body)
        if found and (best is None or abs(number - line) < best[0]):
            best = (abs(number - line), number, found.start())
    return None if best is None else (best[1], best[2])


async def next_edit(
    engine: Engine, path: str, text: str, line: int, col: int, events: str = "", names: list[str] | None = None
) -> NextEdit:
    """The next edit for the cursor at (0-based ``line``, code-point ``col``) in ``text`` (the
    document ``path``, workspace-relative). ``events``: the recent edits as prompt text
    (``EditHistory.events_text``). ``names``: identifiers the last edit removed; the region moves to
    another use of one when the cursor's region holds none (``jump_target``; not for ``fim``).
    Raises LeashError when the slider does not allow completion
    or the edit changes more than ``limits.complete.max_changed_lines`` lines; InputError for a
    secret file (any model) or an excluded one (a remote model), or a cursor outside the text;
    GenerationError for a reply holding no code."""
    settings = engine.settings
    check_slider(Level.COMPLETE, settings.level, settings.max_level)
    if is_secret_path(path):
        raise InputError(f"{path} looks like it holds secrets; tether sends no part of it to a model.")
    offset_of(text, line, col)  # the cursor lies inside the text (raises InputError)
    cfg = settings.next_edit
    backend = engine.backend(ROLE if settings.roles.get(ROLE) else "complete")
    caps = await backend.capabilities()
    if not caps.local and is_excluded(engine.workspace.root, path):
        raise InputError(f"{path} is excluded from context (.gitignore / .tetherignore); tether sends it to no remote model.")
    fmt = prompt_format(settings, backend)
    if fmt == "fim":
        done = await complete(engine, path, text, line, col)
        at = offset_of(text, line, col)
        found = minimal_replacement(text, at, "", done.text) if done.text else None
        return NextEdit(replacement=found, model=done.model, format="fim", elapsed_s=done.elapsed_s)
    region = editable_region(text, line, col, cfg.lines_before, cfg.lines_after)
    target = jump_target(text, region, line, names or [])
    if target is not None:
        region = editable_region(text, target[0], target[1], cfg.lines_before, cfg.lines_after)
    if fmt == "zeta":
        request = zeta_request(path, text, region, events, cfg.max_tokens)
    elif fmt == "sweep":
        request = sweep_request(path, text, region, events, cfg.max_tokens)
    else:
        request = instruct_request(path, region, events, cfg.max_tokens)
    generation = await generate(backend, request)
    new = read_reply(fmt, generation.text, region)
    start = sum(len(x) for x in split_lines(text, keepends=True)[: region.start_line])
    found = minimal_replacement(text, start, region.text, new)
    if found is not None:
        check_changes(Level.COMPLETE, settings.limits_for(Level.COMPLETE), 1, changed_lines(found))
    return NextEdit(replacement=found, model=backend.name, format=fmt, elapsed_s=generation.elapsed_s, jumped=target is not None)


def read_reply(fmt: str, reply: str, region: Region) -> str:
    """The rewritten region in a ``zeta``, ``sweep`` or ``instruct`` reply, its final line break made to match
    the region's. Raises GenerationError (``edits.reply``) for a reply holding no code, or an edit
    script instead of code."""
    if fmt == "zeta":
        new = parse_zeta(drop_control_tokens(reply, region.text))
    elif fmt == "sweep":
        new = drop_control_tokens(parse_sweep(reply), region.text)
    else:
        new = extract_code(reply, region.text)
    check_form(new, region.text)
    old_break = region.text[len(region.text.rstrip("\r\n")) :]
    return new.rstrip("\r\n") + old_break


def _line_col(text: str, offset: int) -> tuple[int, int]:
    lines = split_lines(text[:offset], keepends=True)
    if not lines:
        return 0, 0
    last = lines[-1]
    if last.endswith(("\n", "\r")):
        return len(lines), 0
    return len(lines) - 1, len(last)
