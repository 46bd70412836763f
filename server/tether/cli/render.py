"""How proposals look on the CLI: JSON for machines, a short table for people."""

from __future__ import annotations

from typing import Any

from ..proposals import Proposal


def proposal_json(proposal: Proposal) -> dict[str, Any]:
    """The proposal without the full base/new texts, plus its diff and status."""
    data = proposal.model_dump(mode="json", exclude={"intent": True, "files": {"__all__": {"base_text", "new_text"}}})
    data["status"] = proposal.status
    data["changed_lines"] = proposal.changed_lines
    data["diff"] = proposal.diff()
    return data


def proposal_line(proposal: Proposal) -> str:
    files = ", ".join(f.path for f in proposal.files) or "(no changes)"
    hunks = sum(len(f.hunks) for f in proposal.files)
    return f"{proposal.id}  {proposal.status:8} {proposal.level.value:9} {hunks} hunks  {files}  — {proposal.instruction[:60]}"
