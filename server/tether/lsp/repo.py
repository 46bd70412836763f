"""``tether.editRepo``: the repo agent over LSP, and accepting its plan to continue.

``tether.editRepo {instruction}`` plans and returns the plan (a proposal of kind "plan");
``tether.accept`` on that proposal (or ``tether.editRepo {planId, plan?}`` with an edited plan)
runs the steps. ``tether/listRuns``, ``tether/getRun`` and ``tether/rejectRun`` list the
journaled runs (the CLI's too), read one, and turn a plan down. Edit proposals are announced as they are made (``tether/proposalsChanged``),
progress is reported on ``$/progress``, and ``$/cancelRequest`` or cancelling the progress
stops the run between model tokens. A check command runs only once the user approved it in a
``window/showMessageRequest``. The agent itself lives in ``tether.ops.repo``.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
from typing import TYPE_CHECKING, Literal

from lsprotocol import types
from pydantic import Field

from ..edits.plan import parse_plan_text, render_plan
from ..errors import InputError, ProposalError
from ..ops.check import parse_check
from ..ops.repo import continue_run, load_run, run_repo, save_run
from ..ops.repo import list_runs as ops_list_runs
from ..ops.repo_models import ErrorInfo, RepoOptions, RepoRun, RunHooks
from ..proposals import Proposal
from ..slider import Level
from . import proposals
from .documents import buffer_for_path, editable
from .errors import handles_errors, parse
from .progress import work_done
from .proposals import check_slider, notify_changed, proposal_out
from .registry import command
from .wire import AcceptResult, HunksParams, ProgressToken, ProposalOut, Wire

if TYPE_CHECKING:
    from .protocol import TetherServer

log = logging.getLogger(__name__)
APPROVE_TIMEOUT_S = 300.0
RUN_IT = "Run it"


class EditRepoParams(Wire):
    instruction: str | None = None
    check: str | None = Field(None, description="Command that checks the work; runs only after the user approves it.")
    plan_id: str | None = Field(None, description="Continue this planned run instead of planning a new one.")
    plan: str | None = Field(None, description="With planId: the edited plan (TOML or JSON) to run instead.")
    review_plan: bool = Field(True, description="False: run the steps right after planning.")
    max_files: int | None = Field(None, ge=1)
    max_steps: int | None = Field(None, ge=1)
    work_done_token: ProgressToken | None = None


class CheckOut(Wire):
    passed: bool
    summary: str
    output: str


class RunIdParams(Wire):
    run_id: str


class ListRunsParams(Wire):
    all: bool = Field(False, description="False: runs waiting for their plan to be run (planned); True: every journaled run.")


class StepOut(Wire):
    number: int
    intent: str
    files: list[str]
    proposals: list[str]


class RepoRunOut(Wire):
    """A repo run on the wire (the VS Code client mirrors it as ``RepoRun`` in src/protocol.ts)."""

    run_id: str
    task: str
    status: Literal["planned", "running", "done", "stopped"]
    success: bool
    outcome: str
    plan: str
    plan_proposal: ProposalOut | None = None
    steps: list[StepOut] = Field(default_factory=list, description="Steps run so far (the plan's steps are in `plan`).")
    proposals: list[ProposalOut]
    warnings: list[str]
    check: CheckOut | None = None
    error_type: str | None = None


async def edit_repo(ls: TetherServer, params: EditRepoParams) -> RepoRunOut:
    check_slider(ls, Level.REPO)
    engine = ls.session.engine
    if params.plan_id:
        plan = parse_plan_text(params.plan, "the edited plan")[0] if params.plan else None
        async with work_done(ls, params.work_done_token, "tether: editing the repository") as report:
            run = await continue_run(engine, params.plan_id, plan, hooks(ls, report))
        return run_out(ls, run)
    if not (params.instruction or "").strip():
        raise InputError("Say what to change: the instruction is empty (the client asks the user for one).")
    options = RepoOptions(
        task=params.instruction or "",
        check=parse_check(params.check) if params.check else None,
        max_files=params.max_files,
        max_steps=params.max_steps,
        plan_only=params.review_plan,
    )
    async with work_done(ls, params.work_done_token, "tether: planning a repository edit") as report:
        run = await run_repo(engine, options, hooks(ls, report))
    return run_out(ls, run)


async def accept(ls: TetherServer, params: HunksParams) -> AcceptResult:
    """``tether.accept`` / ``tether/acceptHunks`` for any proposal: a repo plan runs its steps
    (``accept_plan``), any other proposal's hunks are applied (``proposals.accept``)."""
    proposal = ls.session.engine.store.get(params.proposal_id)
    if proposal.kind == "plan":
        return await accept_plan(ls, proposal)
    return await proposals.accept(ls, params)


async def accept_plan(ls: TetherServer, plan: Proposal) -> AcceptResult:
    """``tether.accept`` on a plan proposal: run its steps as planned."""
    check_slider(ls, Level.REPO)
    async with work_done(ls, None, "tether: editing the repository") as report:
        run = await continue_run(ls.session.engine, plan.id, None, hooks(ls, report))
    if run.error is not None:
        ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=run.outcome()))
    return AcceptResult(
        applied=run.status == "done",
        proposal=proposal_out(ls, ls.session.engine.store.get(plan.id)),
        failure_reason=run.error.message if run.error else None,
    )


def hooks(ls: TetherServer, report) -> RunHooks:
    def read(rel: str) -> str:
        return editable(buffer_for_path(ls, rel)).text

    return RunHooks(progress=report, proposal=lambda proposal: notify_changed(ls), approve_check=_approver(ls), read=read)


def _approver(ls: TetherServer):
    async def approve(argv: list[str]) -> bool:
        request = types.ShowMessageRequestParams(
            type=types.MessageType.Warning,
            message=f"tether wants to run the check command `{shlex.join(argv)}` in a scratch copy of the workspace. Run it?",
            actions=[types.MessageActionItem(title=RUN_IT), types.MessageActionItem(title="Don't run")],
        )
        try:
            answer = await asyncio.wait_for(ls.window_show_message_request_async(request), APPROVE_TIMEOUT_S)
        except Exception as exc:  # no answer, or a client without message requests: do not run it
            log.info("check command not approved: %s", exc)
            return False
        return answer is not None and answer.title == RUN_IT

    return approve


def run_out(ls: TetherServer, run: RepoRun) -> RepoRunOut:
    store = ls.session.engine.store
    plan = store.get(run.id) if run.plan is not None else None
    check = run.check
    return RepoRunOut(
        run_id=run.id,
        task=run.task,
        status=run.status,
        success=run.success,
        outcome=run.outcome(),
        plan=render_plan(run.plan, run.task) if run.plan else "",
        plan_proposal=proposal_out(ls, plan) if plan else None,
        steps=[StepOut(number=s.number, intent=s.intent, files=s.files, proposals=s.proposals) for s in run.steps],
        proposals=[proposal_out(ls, store.get(pid)) for pid in run.proposals],
        warnings=run.warnings,
        check=CheckOut(passed=check.passed, summary=check.summary(), output=check.output) if check else None,
        error_type=run.error.type if run.error else None,
    )


class RunsResult(Wire):
    runs: list[RepoRunOut]


def list_runs(ls: TetherServer, everything: bool) -> RunsResult:
    """Journaled runs (``<data dir>/runs``, the CLI's too), newest first; only planned ones unless ``everything``."""
    return RunsResult(runs=[run_out(ls, run) for run in ops_list_runs(ls.session.engine) if everything or run.status == "planned"])


def reject_run(ls: TetherServer, run_id: str) -> RepoRunOut:
    """Turn down a planned run: it is journaled as stopped, so it can no longer be run. ProposalError unless planned."""
    run = load_run(ls.session.engine, run_id)
    if run.status != "planned":
        raise ProposalError(f"Run {run.id} is {run.status}; only a planned run can be rejected.")
    run.status = "stopped"
    run.error = ErrorInfo(type="ProposalError", message="The plan was rejected; nothing was run.", exit_code=ProposalError.exit_code)
    save_run(ls.session.engine, run)
    notify_changed(ls)
    return run_out(ls, run)


def register(server) -> None:
    @server.feature("tether/listRuns")
    @handles_errors(show=False)
    async def list_runs_method(ls, params):
        return list_runs(ls, parse(ListRunsParams, params, "tether/listRuns").all).dump()

    @server.feature("tether/getRun")
    @handles_errors(show=False)
    async def get_run_method(ls, params):
        return run_out(ls, load_run(ls.session.engine, parse(RunIdParams, params, "tether/getRun").run_id)).dump()

    @server.feature("tether/rejectRun")
    @handles_errors(show=False)
    async def reject_run_method(ls, params):
        return reject_run(ls, parse(RunIdParams, params, "tether/rejectRun").run_id).dump()

    @command(server, "tether.listRuns")
    async def list_runs_command(ls, *args):
        return list_runs(ls, parse(ListRunsParams, args, "tether.listRuns").all).dump()

    @command(server, "tether.editRepo")
    async def edit_repo_command(ls, *args):
        result = await edit_repo(ls, parse(EditRepoParams, args, "tether.editRepo"))
        kind = types.MessageType.Error if result.error_type else types.MessageType.Info
        ls.window_show_message(types.ShowMessageParams(type=kind, message=f"tether: {result.outcome}"))
        return result.dump()
