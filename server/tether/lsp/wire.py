"""Wire models of the ``tether.*`` commands and ``tether/*`` methods: params in, results out.

camelCase on the wire (snake_case also accepted on input), ``extra="forbid"`` on what clients
send so a typo is an error, not a silently ignored field. docs/lsp.md documents every field.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from ..slider import Level

ProgressToken = int | str


class Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


# -- params ------------------------------------------------------------------------------


class PositionIn(Wire):
    line: int = Field(ge=0)
    character: int = Field(ge=0)


class RangeIn(Wire):
    start: PositionIn
    end: PositionIn


class EditSelectionParams(Wire):
    uri: str
    range: RangeIn
    instruction: str | None = None
    work_done_token: ProgressToken | None = None


class EditFileParams(Wire):
    uri: str
    instruction: str | None = None
    work_done_token: ProgressToken | None = None


class CreateProposalParams(Wire):
    uri: str
    instruction: str | None = None
    range: RangeIn | None = None
    work_done_token: ProgressToken | None = None


class HunksParams(Wire):
    proposal_id: str
    hunk_ids: list[str] | None = None
    overwrite_conflicts: bool = Field(
        default=False,
        description="Accept: also accept named hunks in conflict, replacing the person's current version of their lines "
        "(the hunk's ``range``) with the proposal's. Without it, naming a conflict hunk refuses the whole accept.",
    )


class ProposalRef(Wire):
    proposal_id: str | None = None


class ProposalIdParams(Wire):
    proposal_id: str


class LevelParams(Wire):
    level: Level


class ListParams(Wire):
    all: bool = False


class NoParams(Wire):
    pass


# -- results -----------------------------------------------------------------------------


class SourceOut(Wire):
    kind: str
    path: str | None = None
    start_line: int | None = None
    end_line: int | None = None
    url: str | None = None
    heading: str | None = None
    tokens: int | None = None
    untrusted: bool = False


class PositionOut(Wire):
    line: int = Field(description="0-based line.")
    character: int = Field(description="Column in the client's position encoding (UTF-16 code units by default).")


class RangeOut(Wire):
    start: PositionOut
    end: PositionOut


class HunkOut(Wire):
    id: str
    old_start: int
    old_lines: list[str]
    new_lines: list[str]
    diff: str
    status: Literal["pending", "accepted", "rejected", "conflict"]
    range: RangeOut | None = Field(
        default=None,
        description="Where the hunk's own lines are in the current buffer (whole lines, end exclusive at column 0; "
        "empty for a hunk that only adds lines). Pending: the lines it replaces; accepted: its new lines; "
        "conflict: the person's version of that stretch. Absent for rejected hunks and when it cannot be placed.",
    )


class FileOut(Wire):
    path: str
    uri: str
    base_hash: str
    new_text: str
    hunks: list[HunkOut]
    op: Literal["modify", "create", "delete", "rename"] = "modify"  # what happens to the file (docs/lsp.md, File operations)
    old_path: str | None = None  # a rename's old workspace-relative path
    old_uri: str | None = None  # a rename's old URI


class ProposalOut(Wire):
    id: str
    kind: Literal["edit", "plan"]
    level: Level
    instruction: str
    rationale: str
    model: str
    created_at: str
    status: Literal["pending", "partial", "done", "rejected", "empty"]
    warnings: list[str]
    sources: list[SourceOut]
    files: list[FileOut]


class ProposalSummary(Wire):
    id: str
    level: Level
    instruction: str
    status: str
    files: list[str]
    hunks: int


class AcceptResult(Wire):
    applied: bool
    proposal: ProposalOut
    failure_reason: str | None = None


class RejectResult(Wire):
    proposal: ProposalOut


class ListResult(Wire):
    proposals: list[ProposalOut]


class LevelResult(Wire):
    level: Level
    max_level: Level


class ContextResult(Wire):
    proposal_id: str
    sources: list[SourceOut]
    text: str


class ModelStatus(Wire):
    name: str
    kind: str
    loaded: bool


ServerState = Literal["ready", "loading", "error"]


class StatusResult(Wire):
    level: Level
    max_level: Level
    models: list[ModelStatus]
    state: ServerState
    error: str | None = None


class ProposalsChanged(Wire):
    proposals: list[ProposalSummary]
    relocated: list[ProposalOut] | None = Field(
        default=None,
        description="After a didChange: the proposals on that document whose hunk ranges or statuses moved, re-located.",
    )
