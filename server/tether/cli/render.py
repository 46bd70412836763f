"""How proposals look on the CLI: JSON for machines, a short table for people.

Text for people is plain when the stream is not a terminal (pipes, files, tests) and a rich
table with colour when it is (``rich.console.Console`` decides, honouring ``NO_COLOR`` and
``FORCE_COLOR``). Diffs are written unchanged to a pipe, so ``git apply`` still reads them.
"""

from __future__ import annotations

import sys
from typing import IO, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..anchors import Located
from ..journal import IndexEntry
from ..lines import split_lines
from ..pack import Source
from ..proposals import HunkStatus, Proposal

STATUS_STYLE = {"pending": "yellow", "accepted": "green", "rejected": "dim", "conflict": "bold red", "partial": "yellow", "done": "green"}


def plural(count: int, word: str, many: str | None = None) -> str:
    """``"1 hunk"``, ``"2 hunks"``: the count and the word, pluralised by adding "s" (or ``many``)."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def console(stream: IO[str] | None = None) -> Console:
    """A rich Console on ``stream`` (default stdout); ``is_terminal`` is false for pipes and files."""
    return Console(file=stream or sys.stdout, force_terminal=None, highlight=False, soft_wrap=True)


def proposal_json(proposal: Proposal, located: dict[str, list[Located]] | None = None) -> dict[str, Any]:
    """The proposal without the full base/new texts, plus its diff and status.

    With ``located`` (``ops.review.locate_proposal``: the hunks placed in the files as they are
    now), each hunk of a located file gets its current ``status`` (``conflict`` for a pending
    hunk whose own lines were edited) and ``at``: ``{"start", "end"}``, 0-based lines of the
    current file, end exclusive (see docs/lsp.md, Hunk states); ``at`` is null when it has no place.
    """
    data = proposal.model_dump(mode="json", exclude={"intent": True, "files": {"__all__": {"base_text", "new_text"}}})
    data["status"] = proposal.status
    data["changed_lines"] = proposal.changed_lines
    data["diff"] = proposal.diff()
    for change in data["files"]:
        places = {loc.hunk_id: loc for loc in (located or {}).get(change["path"], [])}
        for hunk in change["hunks"]:
            loc = places.get(hunk["id"])
            if loc is None:
                continue
            hunk["status"] = loc.status.value
            hunk["at"] = None if loc.start is None else {"start": loc.start, "end": loc.end}
    return data


def proposal_line(proposal: Proposal, located: dict[str, list[Located]] | None = None) -> str:
    """One line per proposal: id, status, level, hunks (and how many are in conflict), files, instruction."""
    files = ", ".join(f.label() for f in proposal.files) or "(no changes)"  # "new file: p", "renamed: a -> b", like git status
    hunks = sum(len(f.hunks) for f in proposal.files)
    conflicts = sum(1 for places in (located or {}).values() for loc in places if loc.status == HunkStatus.CONFLICT)
    count = plural(hunks, "hunk") + (f" ({conflicts} in conflict)" if conflicts else "")
    return f"{proposal.id}  {proposal.status:8} {proposal.level.value:9} {count}  {files}  — {what(proposal)[:60]}"


def what(proposal: Proposal) -> str:
    """The instruction, or for a repo run's proposal "step N: intent" (the run's task is its group's title)."""
    if proposal.run_id and proposal.step is not None:
        return f"step {proposal.step}: {proposal.step_intent}"
    return proposal.instruction


def run_label(proposal: Proposal) -> str:
    """``"run 1a2b3c4d5e6f step 2: add a helper"`` for a repo run's proposal, ``""`` otherwise."""
    if not proposal.run_id:
        return ""
    if proposal.kind == "plan":
        return f"run {proposal.run_id} (its plan)"
    return f"run {proposal.run_id} step {proposal.step}: {proposal.step_intent}"


def grouped(proposals: list[Proposal]) -> list[tuple[str, list[Proposal]]]:
    """Proposals grouped by repo run, in order of first appearance: ``(run_id or "", members)``.

    Proposals outside any run each form a group of one with run id ``""``.
    """
    groups: list[tuple[str, list[Proposal]]] = []
    runs: dict[str, list[Proposal]] = {}
    for proposal in proposals:
        if not proposal.run_id:
            groups.append(("", [proposal]))
        elif proposal.run_id in runs:
            runs[proposal.run_id].append(proposal)
        else:
            runs[proposal.run_id] = [proposal]
            groups.append((proposal.run_id, runs[proposal.run_id]))
    return groups


def print_list(proposals: list[Proposal], located: dict[str, dict[str, list[Located]]], stream: IO[str] | None = None) -> None:
    """``tether proposals list``: one line per proposal; a repo run's proposals under one "run ID: task" line.

    ``located``: proposal id -> ``ops.review.locate_proposal``'s result. A table on a terminal.
    """
    out = console(stream)
    if not out.is_terminal:
        for run_id, members in grouped(proposals):
            if run_id:
                print(f"run {run_id}  {plural(len(members), 'proposal')}  — {members[0].instruction[:60]}", file=out.file)
            for proposal in members:
                print(("  " if run_id else "") + proposal_line(proposal, located.get(proposal.id)), file=out.file)
        return
    table = Table(box=None, pad_edge=False)
    for column in ("id", "status", "level", "hunks", "files", "what"):
        table.add_column(column, overflow="fold")
    for run_id, members in grouped(proposals):
        if run_id:
            table.add_row(
                Text(f"run {run_id}", style="bold"),
                "",
                "",
                plural(len(members), "proposal"),
                "",
                Text(members[0].instruction, style="bold"),
            )
        for p in members:
            places = located.get(p.id) or {}
            conflicts = sum(1 for locs in places.values() for loc in locs if loc.status == HunkStatus.CONFLICT)
            hunks = plural(sum(len(f.hunks) for f in p.files), "hunk") + (f" ({conflicts} in conflict)" if conflicts else "")
            files = ", ".join(f.label() for f in p.files) or "(no changes)"
            table.add_row(
                ("  " if run_id else "") + p.id, Text(p.status, style=STATUS_STYLE.get(p.status, "")), p.level.value, hunks, files, what(p)
            )
    out.print(table)


def hunk_rows(proposal: Proposal, located: dict[str, list[Located]]) -> list[tuple[str, str, str, str]]:
    """``(hunk id, file, lines now, status)`` per hunk, in the proposal's order.

    Lines are 1-based and inclusive, in the file as it is now (``anchors.locate``): ``"4-6"``,
    ``"before 4"`` for a pure addition, ``"-"`` with no place (rejected, file missing). Status
    is the located one (``conflict`` for a pending hunk whose lines you edited), else the stored one.
    """
    rows = []
    for change in proposal.files:
        places = {loc.hunk_id: loc for loc in located.get(change.path, [])}
        for hunk in change.hunks:
            loc = places.get(hunk.id)
            status = (loc.status if loc else hunk.status).value
            if loc is None or loc.start is None or loc.end is None:
                lines = "-"
            elif loc.start == loc.end:
                lines = f"before {loc.start + 1}"
            else:
                lines = f"{loc.start + 1}" if loc.end == loc.start + 1 else f"{loc.start + 1}-{loc.end}"
            rows.append((hunk.id, change.label(), lines, status))
    return rows


def source_line(source: Source) -> str:
    """One source the model saw: ``"file: a.py:1-40 (320 tokens)"``, ``"docs: URL — heading"``."""
    label = source.label()
    if source.kind == "docs":
        label = f"docs: {label}"
    return label + (f" ({plural(source.tokens, 'token')})" if source.tokens else "")


def print_review(proposal: Proposal, located: dict[str, list[Located]], stream: IO[str] | None = None) -> None:
    """What a reviewer needs beside the diff: the proposal, its run and step, each hunk's id,
    lines now and status, and the sources the model saw. Plain lines off a terminal
    (``Hunk ID  FILE  lines N-M  STATUS``), rich tables on one.
    """
    out = console(stream)
    head = f"Proposal {proposal.id}  {proposal.status}  {proposal.level.value}  — {proposal.instruction}"
    rows = hunk_rows(proposal, located)
    run = run_label(proposal)
    if not out.is_terminal:
        lines = [head] + ([f"  {run}"] if run else [])
        lines += [f"{plural(len(rows), 'hunk')} (lines now, 1-based):"]
        lines += [f"  {hid}  {path}  lines {where}  {status}" for hid, path, where, status in rows]
        lines += [f"Sources the model saw ({len(proposal.sources)}):"] + [f"  {source_line(s)}" for s in proposal.sources]
        print("\n".join(lines), file=out.file)
        return
    out.print(Text(head, style="bold"))
    if run:
        out.print(f"  {run}")
    table = Table(box=None, pad_edge=False, title_justify="left", title=f"{plural(len(rows), 'hunk')} (lines now, 1-based)")
    for column in ("hunk", "file", "lines", "status"):
        table.add_column(column)
    for hid, path, where, status in rows:
        table.add_row(hid, path, where, Text(status, style=STATUS_STYLE.get(status, "")))
    out.print(table)
    out.print(f"Sources the model saw ({len(proposal.sources)}):")
    for source in proposal.sources:
        out.print(Text(f"  {source_line(source)}", style="dim"))


def write_diff(diff: str, stream: IO[str] | None = None) -> None:
    """The diff as is (pipes, files: byte for byte what ``Proposal.diff`` made), coloured on a terminal."""
    out = console(stream)
    if not out.is_terminal:
        out.file.write(diff)
        return
    for line in split_lines(diff):
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else "cyan" if line.startswith("@@") else ""
        out.print(Text(line, style=style))


def conflict_notes(located: dict[str, list[Located]]) -> list[str]:
    """One sentence per conflict hunk, with its current lines (1-based, inclusive) and the way out."""
    notes = []
    for path, places in located.items():
        for loc in places:
            if loc.status == HunkStatus.CONFLICT:
                first, last = (loc.start or 0) + 1, max(loc.end or 0, (loc.start or 0) + 1)
                notes.append(
                    f"hunk {loc.hunk_id} of {path} is in conflict: {loc.reason} (now lines {first}-{last}); "
                    "reject it, or accept it with --take-proposal to replace your version of those lines."
                )
    return notes


def entry_line(entry: IndexEntry) -> str:
    """One proposal from the journal's index, shaped like ``proposal_line`` (no journal read)."""
    files = ", ".join(entry.files) or "(no changes)"
    hunks = sum(entry.hunks.values())
    return f"{entry.id}  {entry.status:8} {entry.level.value:9} {plural(hunks, 'hunk')}  {files}  — {entry.instruction[:60]}"
