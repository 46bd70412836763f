"""Sweep's next-edit prompt format (``next_edit.format = "sweep"``), for sweepai's next-edit models.

Source: the sweepai/sweep-next-edit model cards on Hugging Face ("Prompt format") and the
sweepai/vscode-nes client's stop tokens. A raw completion prompt of ``<|file_sep|>`` sections:

    <|file_sep|>{path}
    {file lines around the region}
    <|file_sep|>{path}.diff            (one per recent edit, oldest first)
    original:
    {lines before the edit}
    updated:
    {lines after the edit}
    <|file_sep|>original/{path}:{start}:{end}
    {the region as it was before the person's last edit}
    <|file_sep|>current/{path}:{start}:{end}
    {the region now, <|cursor|> at the cursor}
    <|file_sep|>updated/{path}:{start}:{end}

The model writes the updated region and stops at the next ``<|file_sep|>`` (or ``</s>``).
``start``/``end``: the region's first and last line, 1-based (the cards do not say which base;
1-based is tether's reading). The recent edits come from ``EditHistory.events_text`` (unified
diffs) and are read back here into original/updated pairs.
"""

from __future__ import annotations

import re

from ..backends.base import GenerationRequest
from ..lines import split_lines
from .next_edit import Region

FILE_SEP = "<|file_sep|>"
CURSOR = "<|cursor|>"
STOPS = [FILE_SEP, "</s>"]
FILE_LINES = 300  # lines of the file shown around the region
_EVENT = re.compile(r'User edited "(?P<path>[^"\n]*)":\n```diff\n@@[^\n]*@@\n(?P<body>.*?)```', re.S)


def events_as_changes(events: str) -> list[tuple[str, str, str]]:
    """(path, original lines, updated lines) for each edit in ``EditHistory.events_text``'s
    output, oldest first; text that is not such an event is ignored."""
    changes = []
    for found in _EVENT.finditer(events):
        old, new = [], []
        for line in split_lines(found["body"], keepends=True):
            if line.startswith("-"):
                old.append(line[1:])
            elif line.startswith("+"):
                new.append(line[1:])
        changes.append((found["path"], "".join(old), "".join(new)))
    return changes


def sweep_request(path: str, text: str, region: Region, events: str, max_tokens: int) -> GenerationRequest:
    """A raw prompt in Sweep's format (module docstring) for ``region`` of ``text`` (the document
    ``path``). The region "before the last edit" undoes the newest edit of ``path`` in ``events``
    when its updated lines appear once in the region, else it is the region as it is."""
    lines = split_lines(text, keepends=True)
    half = FILE_LINES // 2
    shown = "".join(lines[max(0, region.start_line - half) : region.end_line + half])
    changes = events_as_changes(events)
    original = region.text
    own = [c for c in changes if c[0] == path]
    if own and own[-1][2] and original.count(own[-1][2]) == 1:
        original = original.replace(own[-1][2], own[-1][1])
    where = f"{path}:{region.start_line + 1}:{region.end_line}"
    marked = region.text[: region.cursor] + CURSOR + region.text[region.cursor :]
    parts = [f"{FILE_SEP}{path}\n{_nl(shown)}"]
    parts += [f"{FILE_SEP}{p}.diff\noriginal:\n{_nl(old)}updated:\n{_nl(new)}" for p, old, new in changes]
    parts += [f"{FILE_SEP}original/{where}\n{_nl(original)}", f"{FILE_SEP}current/{where}\n{_nl(marked)}", f"{FILE_SEP}updated/{where}\n"]
    return GenerationRequest(prompt="".join(parts), max_tokens=max_tokens, temperature=0.0, stop=list(STOPS))


def parse_sweep(reply: str) -> str:
    """The updated region in a Sweep reply: the text before any ``<|file_sep|>`` / ``</s>`` (a
    reply that stopped on one lacks it), the cursor marker taken out."""
    for stop in STOPS:
        reply = reply.split(stop, 1)[0]
    return reply.replace(CURSOR, "")


def _nl(text: str) -> str:
    return text if not text or text.endswith(("\n", "\r")) else text + "\n"
