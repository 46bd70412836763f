"""How proposals look on the CLI: JSON for machines, a short table for people."""

from __future__ import annotations

from typing import Any

from ..anchors import Located
from ..journal import IndexEntry
from ..proposals import HunkStatus, Proposal


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
    count = f"{hunks} hunks" + (f" ({conflicts} in conflict)" if conflicts else "")
    return f"{proposal.id}  {proposal.status:8} {proposal.level.value:9} {count}  {files}  — {proposal.instruction[:60]}"


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
    return f"{entry.id}  {entry.status:8} {entry.level.value:9} {hunks} hunks  {files}  — {entry.instruction[:60]}"
