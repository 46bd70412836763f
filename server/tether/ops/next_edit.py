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

The leash is the complete level's (``slider.check_slider``, ``limits.complete.max_changed_lines``),
and a next edit is small: at most ``next_edit.max_changed_lines`` lines changed, and a rewritten
region no longer than the configured region (``lines_before + lines_after + 1`` lines).

A reply is a suggestion only when it is a whole, usable region (``check_reply``; docs/lsp.md,
"Next edit"): a reply cut by the token limit, a fenced block that never closes, a reply that
holds prose instead of code, or a region that lost its last lines (the model stopped early, at a
control token or otherwise) is no suggestion (GenerationError). Lines the model kept as it saw
them redacted get their secrets back (``secrets.unredact``); a suggestion that would still
write ``[REDACTED]`` is refused, and so is one that makes a file that parsed stop parsing
(tree-sitter, ``code.syntax.adds_syntax_errors``).

A secret file (``secrets.is_secret_path``) never reaches any model; a file the context rules
exclude (``context.files.is_excluded``) never reaches a remote one.
"""

from __future__ import annotations

import difflib
import re

from pydantic import BaseModel

from ..backends.base import Backend
from ..backends.router import FailoverBackend
from ..backends.runtime import generate
from ..code.syntax import adds_syntax_errors, lang_of, syntax_errors
from ..config import Settings
from ..context.files import is_excluded
from ..edits.fit import keep_line_endings
from ..edits.reply import check_form, code_blocks, drop_control_tokens, drop_reasoning, extract_code, fence_lines
from ..engine import Engine
from ..errors import GenerationError, InputError, LeashError
from ..lines import break_count, split_lines
from ..prompts.next_edit import Region, editable_region, instruct_request, parse_zeta, zeta_request
from ..prompts.next_edit_sweep import parse_sweep, sweep_request
from ..secrets import REDACTED, is_secret_path, unredact
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
    Raises LeashError when the slider does not allow completion, or the edit changes more than
    ``limits.complete.max_changed_lines`` or ``next_edit.max_changed_lines`` lines, or the
    rewritten region is longer than the configured region; InputError for a secret file (any
    model) or an excluded one (a remote model), or a cursor outside the text; GenerationError for
    a reply that is no whole region (cut by the token limit, an unclosed fence, prose, a lost
    tail: ``check_reply``), that would write ``[REDACTED]`` over a secret, or that breaks the
    file's syntax."""
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
    if generation.truncated:
        raise GenerationError(
            f"The reply was cut off ({generation.finish_reason}) before the region ended; a partial region is no suggestion.",
            kind="truncated",
        )
    new = read_reply(fmt, generation.text, region)
    check_reply(new, region.text)
    new = unredact(new, region.text)
    start = sum(len(x) for x in split_lines(text, keepends=True)[: region.start_line])
    found = minimal_replacement(text, start, region.text, new)
    if found is not None:
        check_size(settings, new, found)
        if REDACTED in found.text and REDACTED not in region.text:
            raise GenerationError(f"The suggestion would write {REDACTED} over a secret the model only saw redacted.", kind="redacted")
        check_syntax(path, text, found)
    return NextEdit(replacement=found, model=backend.name, format=fmt, elapsed_s=generation.elapsed_s, jumped=target is not None)


def read_reply(fmt: str, reply: str, region: Region) -> str:
    """The rewritten region in a ``zeta``, ``sweep`` or ``instruct`` reply, its line breaks made to match
    the region's (``edits.fit.keep_line_endings``: kept lines keep theirs, new ones take the
    nearest kept line's, else the region's dominant one; the final break is the region's). Raises GenerationError (``edits.reply``) for a reply holding no code, an edit
    script instead of code, or (``instruct``) a fenced block that never closes."""
    if fmt == "zeta":
        new = parse_zeta(drop_control_tokens(reply, region.text))
    elif fmt == "sweep":
        new = drop_control_tokens(parse_sweep(reply), region.text)
    else:
        new = extract_code(reply, region.text)
        if unclosed_fence(reply, region.text, new):
            raise GenerationError("The reply's code block never closes: the region may be cut short.", kind="truncated")
    check_form(new, region.text)
    new = keep_line_endings(region.text, new)  # a CRLF reply into an LF document writes LF (and back)
    old_break = region.text[len(region.text.rstrip("\r\n")) :]
    return new.rstrip("\r\n") + old_break


# The first line of a reply that is a sentence, not code: a capitalised word, two or more words
# more, and a full stop, question or exclamation mark or colon ("I think you should rename things.").
_SENTENCE = re.compile(r"^[A-Z][A-Za-z']*(?:[ ,]+[A-Za-z'’-]+){2,}[.!?:]$")


def unclosed_fence(reply: str, region: str, code: str) -> bool:
    """Whether ``code`` (``extract_code(reply, region)``) came from a fenced block that never
    closes: the reply (reasoning and what follows a control token dropped, ``edits.reply``) opens
    a block and closes none. A single bare fence below region-like text (a closer whose opener
    the model never wrote) is not one."""
    text = drop_control_tokens(drop_reasoning(reply), region)
    bare = split_lines(text)
    fences = fence_lines(bare)
    inner = len(fence_lines(split_lines(region)))
    if not fences or (inner and len(fences) == inner):
        return False  # unwrapped code
    blocks, opening = code_blocks(bare)
    if blocks or opening is None:
        return False
    before = "".join(split_lines(text, keepends=True)[: opening.index])
    return not (len(fences) == 1 and not opening.info and code == before)


def check_reply(new: str, old: str) -> None:
    """Refuse a rewritten region ``new`` that is no whole rewrite of the region ``old``
    (GenerationError): prose instead of code (its first line a sentence, where no line of the
    region is one: a README's region may be rewritten in sentences), nothing at all where the region had code, or a region that lost its tail: fewer
    non-blank lines and a last line unlike the region's (the model stopped early), or a last line
    that is a strict prefix of the region's (cut mid-line)."""
    new_lines = [line.strip() for line in split_lines(new) if line.strip()]
    old_lines = [line.strip() for line in split_lines(old) if line.strip()]
    if not old_lines:
        return
    if not new_lines:
        raise GenerationError("The reply holds no code: the region would be deleted.", kind="empty")
    if _SENTENCE.match(new_lines[0]) and not any(_SENTENCE.match(line) for line in old_lines):
        raise GenerationError("The reply is prose, not the rewritten region.", kind="no code")
    last_new, last_old = new_lines[-1], old_lines[-1]
    like = difflib.SequenceMatcher(None, last_new, last_old).ratio()
    if (len(new_lines) < len(old_lines) and like < 0.6) or (last_new != last_old and last_old.startswith(last_new)):
        raise GenerationError("The reply ends before the region does: its last lines would be deleted.", kind="truncated")


def check_size(settings: Settings, new: str, found: Replacement) -> None:
    """The leash of a next edit (LeashError): the complete level's ``max_changed_lines``, then
    ``next_edit.max_changed_lines``, and a rewritten region ``new`` of at most
    ``lines_before + lines_after + 1`` lines."""
    changed = changed_lines(found)
    check_changes(Level.COMPLETE, settings.limits_for(Level.COMPLETE), 1, changed)
    cfg = settings.next_edit
    if changed > cfg.max_changed_lines:
        raise LeashError(f"The next edit changes {changed} lines; next_edit.max_changed_lines allows {cfg.max_changed_lines}.")
    bound = cfg.lines_before + cfg.lines_after + 1
    if len(split_lines(new)) > bound:
        raise LeashError(
            f"The rewritten region has {len(split_lines(new))} lines; a next edit's region holds at most {bound} "
            "(next_edit.lines_before + lines_after + 1)."
        )


def check_syntax(path: str, text: str, found: Replacement) -> None:
    """Refuse (GenerationError) a replacement that makes ``text``, which parsed, stop parsing,
    where tree-sitter has the language of ``path`` (``code.syntax``)."""
    if lang_of(path) is None or syntax_errors(path, text):
        return
    begin = offset_of(text, found.start_line, found.start_col)
    end = offset_of(text, found.end_line, found.end_col)
    added = adds_syntax_errors(path, text, text[:begin] + found.text + text[end:])
    if added:
        line, message = added[0]
        raise GenerationError(f"The suggestion breaks the syntax of {path}: line {line}, {message}.", kind="did not parse")


def _line_col(text: str, offset: int) -> tuple[int, int]:
    lines = split_lines(text[:offset], keepends=True)
    if not lines:
        return 0, 0
    last = lines[-1]
    if last.endswith(("\n", "\r")):
        return len(lines), 0
    return len(lines) - 1, len(last)
