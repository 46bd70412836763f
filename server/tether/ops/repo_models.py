"""The repo agent's records: what a run was asked (RepoOptions), what it did (RepoRun), its budget.

A RepoRun is journaled under ``<data dir>/runs/<id>.json`` as it goes (its id is the id of its
plan proposal), so a plan can be accepted and continued later (LSP) and ``tether undo --run``
knows which proposals belong together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from ..edits.plan import Plan
from ..edits.validate import InvalidEditError
from ..errors import GenerationError, LeashError, TetherError
from ..proposals import Proposal
from ..slider import LeashLimits
from .check import CheckResult

T = TypeVar("T")


class RepoOptions(BaseModel):
    """One request to the repo agent (CLI flags or LSP params, validated)."""

    model_config = ConfigDict(extra="forbid")

    task: str
    check: list[str] | None = Field(None, description="The check command's argv; None: no check.")
    check_timeout_s: float = Field(300.0, gt=0)
    check_reasks: int = Field(1, ge=0, le=3, description="Re-asks of a step whose edits made the check fail.")
    check_env: Literal["clean", "inherit"] = Field(
        "clean",
        description="clean: the check runs without tether's own virtualenv (VIRTUAL_ENV, its bin on PATH); inherit: as tether runs.",
    )
    max_files: int | None = Field(None, ge=1)
    max_steps: int | None = Field(None, ge=1)
    max_changed_lines: int | None = Field(None, ge=1)
    max_model_calls: int | None = Field(None, ge=1)
    plan: Plan | None = Field(None, description="Run this plan instead of asking the model for one.")
    edit_format: Literal["auto", "rewrite", "lines"] = Field(
        "auto", description="How files are edited; auto: schema-bound line edits where the backend has grammars (llama.cpp), else rewrites."
    )
    plan_only: bool = False
    file_ops: bool = Field(True, description="Let the model's plan create, delete and rename files (a plan file always may).")

    def limits(self, base: LeashLimits) -> LeashLimits:
        """The repo level's leash with this request's overrides on top."""
        update = {k: v for k in LeashLimits.model_fields if (v := getattr(self, k, None)) is not None}
        return base.model_copy(update=update)


class ErrorInfo(BaseModel):
    type: str
    message: str
    exit_code: int


class StepReport(BaseModel):
    number: int
    intent: str
    files: list[str]
    proposals: list[str] = Field(default_factory=list)
    changed_lines: int = 0
    attempts: int = 0
    check: CheckResult | None = None


class RepoRun(BaseModel):
    id: str
    task: str
    status: Literal["planned", "running", "done", "stopped"] = "running"
    model: str = ""
    plan: Plan | None = None
    plan_source: Literal["model", "user"] = "model"
    steps: list[StepReport] = Field(default_factory=list)
    proposals: list[str] = Field(default_factory=list, description="Edit proposals in the order they apply.")
    files: list[str] = Field(default_factory=list)
    changed_lines: int = 0
    model_calls: int = 0
    replies: int = Field(0, description="Model replies received (plan and edits).")
    replies_well_formed: int = Field(0, description="Replies that parsed as a plan or an edit that applies.")
    replies_valid: int = Field(0, description="Well-formed replies that also passed validation (syntax).")
    baseline_check: CheckResult | None = None
    check: CheckResult | None = None
    tests_edited: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    error: ErrorInfo | None = None
    diff: str = Field("", description="The net change of the whole run, one diff per file.")
    options: dict[str, Any] = Field(default_factory=dict)

    @property
    def success(self) -> bool:
        """Done, and the check (if any) passed without the run editing tests."""
        if self.status != "done" or self.error is not None:
            return False
        if self.check is None:
            return True
        return self.check.passed and not self.tests_edited

    @property
    def baseline_failed(self) -> bool:
        """The check failed on the untouched tree, before any edit (so a failure after is not the edits' doing)."""
        return self.baseline_check is not None and not self.baseline_check.passed

    def outcome(self) -> str:
        """One sentence for people: how the run ended."""
        if self.status == "planned":
            steps = len(self.plan.steps) if self.plan else 0
            return f"Planned {steps} step{'s' * (steps != 1)}; nothing was edited yet."
        if self.error is not None:
            return f"Stopped: {self.error.message}"
        n, lines, files = len(self.proposals), self.changed_lines, len(self.files)
        made = f"{n} proposal{'s' * (n != 1)}, {lines} changed line{'s' * (lines != 1)} in {files} file{'s' * (files != 1)}"
        if self.check is None:
            return f"Done: {made}; no check was run."
        if not self.check.passed and self.baseline_failed:
            assert self.baseline_check is not None
            how = "the same way" if self.check.same_failure(self.baseline_check) else f"after them too: {self.check.summary()}"
            return (
                f"Done: {made}; the check already fails before any edit: {self.baseline_check.summary()} It still fails {how}".rstrip(".")
                + "."
            )
        if not self.check.passed:
            return f"Done: {made}, but the check failed: {self.check.summary()}"
        if self.tests_edited:
            return (
                f"Done: {made}. The check passed, but the run edited {', '.join(self.tests_edited)}, so the pass "
                "does not count as its success: review those changes."
            )
        return f"Done: {made}; {self.check.summary()}"


RunEvent = Callable[[str], None]
ProposalEvent = Callable[[Proposal], None]
Approve = Callable[[list[str]], Awaitable[bool]]


@dataclass
class RunHooks:
    """Collaborators a front end passes in: progress messages, new proposals, check approval."""

    progress: RunEvent = lambda message: None
    proposal: ProposalEvent = lambda proposal: None
    approve_check: Approve | None = None  # asked once, before the check command first runs
    read: Callable[[str], str] | None = None  # a file's current text (an editor's buffer); default: the disk


class CallBudget:
    """The run's model-call leash, shared by planning and every step."""

    def __init__(self, run: RepoRun, limit: int):
        self.run = run
        self.limit = limit

    def left(self) -> int:
        return self.limit - self.run.model_calls

    async def spend(self, ask: Callable[[int], Awaitable[tuple[T, int]]], want: int, doing: str) -> T:
        """Run ``ask(allowed_calls)``, charging the calls it used; LeashError once the budget is gone."""
        allowed = min(want, self.left())
        if allowed <= 0:
            raise LeashError(
                f"The run used all {self.limit} model calls its leash allows before {doing}. "
                "Narrow the task or raise limits.repo.max_model_calls."
            )
        try:
            value, calls = await ask(allowed)
        except GenerationError as exc:
            self.run.model_calls += allowed
            if allowed < want:
                raise LeashError(
                    f"The run reached its limit of {self.limit} model calls while {doing} was still being re-asked. Last problem: {exc}"
                ) from exc
            raise
        except TetherError:  # a reply that reached past the leash, or a model that failed: one call spent
            self.run.model_calls += 1
            raise
        self.run.model_calls += calls
        return value

    def observe(self, error: GenerationError | None) -> None:
        """Count one reply's verdict (installed as ``edits.loop.reply_observer``)."""
        self.run.replies += 1
        if error is None or isinstance(error, InvalidEditError):
            self.run.replies_well_formed += 1
        if error is None:
            self.run.replies_valid += 1
