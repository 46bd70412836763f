"""Edit the repo: a bounded agent that plans, proposes small diffs, and checks its work.

    task -> plan (schema-bound JSON; a proposal of kind "plan" a person can read and edit)
         -> per step: context (repo map, the step's files, docs) -> file edits (validated,
            re-asked with the error) -> optional check command in a scratch copy
         -> one small proposal per file changed

The leash of the repo level (``limits.repo``, with per-run overrides) bounds the steps, the
files, the changed lines of each proposal and the model calls of the whole run; reaching a
limit stops the run with a LeashError recorded in the run (never a silent cut). The agent
writes nothing to the workspace: ``apply_run`` (the CLI's ``--apply``/``--branch``) applies a
finished run's proposals in order, and only when its check did not fail.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable
from pathlib import Path

from pydantic import ValidationError

from ..edits.guards import touches_tests
from ..edits.loop import reply_observer
from ..edits.plan import Plan, render_plan
from ..engine import Engine
from ..errors import BaselineCheckError, CheckFailedError, InputError, ProposalError, TetherError
from ..lines import split_lines
from ..proposals import Proposal
from ..slider import Level, check_slider
from ..workspace import write_atomic
from .check import Scratch, check_env, run_check
from .gitops import commit_files, start_branch
from .repo_models import CallBudget, ErrorInfo, RepoOptions, RepoRun, RunHooks
from .repo_plan import ask_plan, check_plan, normalize_plan
from .repo_steps import StepRunner
from .repo_tools import RepoTools
from .review import plan_accept, write_plans

log = logging.getLogger(__name__)


async def run_repo(engine: Engine, options: RepoOptions, hooks: RunHooks | None = None) -> RepoRun:
    """Plan and (unless ``plan_only``) run ``options.task``. Stops are recorded in the run, not raised."""
    check_slider(Level.REPO, engine.settings.level, engine.settings.max_level)
    if not options.task.strip():
        raise InputError("Say what to change: the task is empty.")
    hooks = hooks or RunHooks()
    limits = options.limits(engine.settings.limits_for(Level.REPO))
    backend = engine.backend("edit")
    run = RepoRun(id=uuid.uuid4().hex[:12], task=options.task.strip(), options=options.model_dump(exclude={"plan"}))
    budget = CallBudget(run, limits.max_model_calls)
    tools = RepoTools(engine)

    async def plan_then_execute() -> None:
        if options.plan is not None:
            run.plan_source = "user"
            run.plan = normalize_plan(options.plan, engine.workspace, tools.eligible(), "The plan file")
            check_plan(run.plan, limits)
            sources = []
        else:
            hooks.progress("Planning")
            run.plan, pack = await ask_plan(engine, backend, run.task, limits, tools, budget, options.file_ops)
            sources = pack.sources()
        run.model = backend.name
        plan_proposal = Proposal(
            id=run.id,
            kind="plan",
            level=Level.REPO,
            instruction=run.task,
            rationale=render_plan(run.plan, run.task),
            model=backend.name if run.plan_source == "model" else "",
            sources=sources,
            run_id=run.id,
        )
        hooks.proposal(engine.store.save(plan_proposal))
        if options.plan_only:
            run.status = "planned"
            return
        await _execute(engine, run, options, budget, hooks)

    return await _supervised(engine, run, budget, plan_then_execute())


async def continue_run(engine: Engine, run_id: str, plan: Plan | None = None, hooks: RunHooks | None = None) -> RepoRun:
    """Run the steps of a planned run (its plan accepted as is, or replaced by an edited ``plan``).
    Raises LeashError when the slider is below the repo level now (``slider.check_slider``)."""
    check_slider(Level.REPO, engine.settings.level, engine.settings.max_level)
    run = load_run(engine, run_id)
    if run.status != "planned":
        raise ProposalError(f"Run {run.id} is {run.status}; only a planned run waits for its plan to be accepted.")
    options = RepoOptions.model_validate({**run.options, "task": run.task, "plan_only": False})
    limits = options.limits(engine.settings.limits_for(Level.REPO))
    if plan is not None:
        run.plan = normalize_plan(plan, engine.workspace, RepoTools(engine).eligible(), "The edited plan")
        run.plan_source = "user"
        recorded = engine.store.get(run.id)  # the plan proposal shows the plan that ran
        engine.store.save(recorded.model_copy(update={"rationale": render_plan(run.plan, run.task), "model": ""}))
    if run.plan is None:  # a hand-edited run journal
        raise ProposalError(f"Run {run.id} has no plan to run; plan it again.")
    check_plan(run.plan, limits)
    run.status = "running"
    hooks = hooks or RunHooks()
    budget = CallBudget(run, limits.max_model_calls)
    return await _supervised(engine, run, budget, _execute(engine, run, options, budget, hooks))


async def _supervised(engine: Engine, run: RepoRun, budget: CallBudget, work: Awaitable[None]) -> RepoRun:
    """Await ``work`` counting model replies; a stop or cancellation is recorded, and the run journaled."""
    observing = reply_observer.set(budget.observe)
    try:
        await work
    except TetherError as exc:
        _stop(run, exc)
    except asyncio.CancelledError:
        _stop(run, TetherError("The run was cancelled; the proposals made so far stay pending."))
        raise
    finally:
        reply_observer.reset(observing)
        save_run(engine, run)
    return run


async def _execute(engine: Engine, run: RepoRun, options: RepoOptions, budget: CallBudget, hooks: RunHooks) -> None:
    backend = engine.backend("edit")
    limits = options.limits(engine.settings.limits_for(Level.REPO))
    check = options.check
    if check and hooks.approve_check is not None and not await hooks.approve_check(check):
        run.warnings.append("The check command was not approved, so no check ran.")
        check = None
    scratch = Scratch(engine.workspace.root) if check else None
    runner = StepRunner(engine, backend, run, options, limits, budget, hooks, scratch, check)
    try:
        if check and scratch is not None:
            hooks.progress("Running the check before any edit")
            run.baseline_check = await run_check(
                check, scratch.root, options.check_timeout_s, env=check_env(options.check_env == "inherit", workspace=engine.workspace.root)
            )
            runner.check_passing = run.baseline_check.passed
            if not run.baseline_check.passed:
                run.warnings.append(
                    f"The check already fails before any edit: {run.baseline_check.summary()} "
                    "A step is asked again only when its edits change how the check fails."
                )
                hooks.progress("The check already fails before any edit; its failure is not counted against the edits")
        assert run.plan is not None
        for number, step in enumerate(run.plan.steps, 1):
            report = await runner.run_step(number, step)
            run.steps.append(report)
            run.check = report.check or run.check
            save_run(engine, run)
        run.status = "done"
    finally:
        if scratch is not None:
            scratch.close()
        net = runner.net_changes()
        run.files = [c.path for c in net]
        run.changed_lines = sum(h.changed_lines for c in net for h in c.hunks)
        run.diff = "".join(c.diff() for c in net)
        run.tests_edited = touches_tests(run.files)


def _stop(run: RepoRun, exc: TetherError) -> None:
    run.status = "stopped"
    run.error = ErrorInfo(type=type(exc).__name__, message=str(exc), exit_code=exc.exit_code)
    log.info("repo run %s stopped: %s", run.id, exc)


def raise_for_outcome(run: RepoRun) -> None:
    """The run's error; BaselineCheckError (exit 11) when its check failed before any edit and still
    fails; CheckFailedError (exit 10) when its check failed or only passed with edited tests."""
    if run.error is not None:
        kind = next((cls for cls in _error_classes() if cls.__name__ == run.error.type), TetherError)
        raise kind(run.error.message)
    if run.status == "done" and run.check is not None and not run.check.passed and run.baseline_check is not None and run.baseline_failed:
        how = "the same way" if run.check.same_failure(run.baseline_check) else f"after them too ({run.check.summary().rstrip('.')})"
        baseline = BaselineCheckError(
            f"The check already fails before any edit: {run.baseline_check.summary()} It still fails {how}, so the "
            f"{len(run.proposals)} proposals were neither blamed nor re-asked for it. Make the check pass on the untouched tree "
            "(a check that needs tether's own virtualenv: --check-env inherit), then review the proposals; nothing was applied."
        )
        baseline.detail = _output_tail(run.check.output)
        raise baseline
    if run.status == "done" and run.check is not None and not run.success:
        error = CheckFailedError(run.outcome() + " Nothing was applied; the proposals stay pending for review.")
        error.detail = "" if run.check.passed else _output_tail(run.check.output)
        raise error


def _output_tail(output: str, lines: int = 15) -> str:
    """The last ``lines`` non-blank lines of a check's output, for an error's detail block."""
    kept = [line for line in split_lines(output) if line.strip()]
    return "\n".join(kept[-lines:])


def _error_classes() -> list[type[TetherError]]:
    found, todo = [], [TetherError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return found


def apply_run(engine: Engine, run: RepoRun, branch: str | None = None) -> list[str]:
    """Apply a finished run's proposals in order; with ``branch``, on a new branch, one commit each.

    Every proposal is first applied in memory on top of the ones before it, so a file that
    changed since the run (StaleError) stops the whole apply before anything is written.
    """
    raise_for_outcome(run)
    overlay: dict[str, str | None] = {}  # None: deleted or moved away by an earlier proposal

    def read(rel: str) -> str:
        if rel not in overlay:
            return engine.workspace.read_text(rel)
        text = overlay[rel]
        if text is None:
            raise InputError(f"{rel} does not exist.")
        return text

    staged = []
    for proposal_id in run.proposals:
        proposal = engine.store.get(proposal_id)
        plans = plan_accept(proposal, None, read)
        for plan in plans:
            if plan.from_path is not None:
                overlay[plan.from_path] = None
            overlay[plan.to_path or plan.path] = None if plan.op == "delete" else plan.new_text
        staged.append((proposal, plans))
    if branch is not None:
        start_branch(engine.workspace.root, branch)
    intents = {pid: step.intent for step in run.steps for pid in step.proposals}
    commits = []
    for proposal, plans in staged:
        write_plans(engine, proposal, plans)
        if branch is not None:
            paths = [p for plan in plans for p in ([plan.path] if plan.op == "write" else [plan.from_path, plan.to_path]) if p]
            commits.append(commit_files(engine.workspace.root, paths, commit_message(run, proposal, intents, paths)))
    return commits


def commit_message(run: RepoRun, proposal: Proposal, intents: dict[str, str], paths: list[str]) -> str:
    title = f"tether: {intents.get(proposal.id, run.task)}"
    title = title if len(title) <= 72 else title[:69] + "..."
    body = f"Task: {run.task}\nFiles: {', '.join(paths)}\nProposal: {proposal.id} (run {run.id})"
    if proposal.model:
        body += f"\nModel: {proposal.model}"
    for warning in proposal.warnings:
        body += f"\nWarning: {warning}"
    return f"{title}\n\n{body}\n"


# ---- the run journal -------------------------------------------------------------------------


def runs_dir(engine: Engine) -> Path:
    return engine.data_path("runs")


def save_run(engine: Engine, run: RepoRun) -> None:
    folder = runs_dir(engine)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / f"{run.id}.json", run.model_dump_json(indent=1))


def list_runs(engine: Engine) -> list[RepoRun]:
    """Every journaled run, newest first (by journal write time); an unreadable journal is logged and skipped."""
    folder = runs_dir(engine)
    paths = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True) if folder.is_dir() else []
    runs = []
    for path in paths:
        try:
            runs.append(RepoRun.model_validate_json(path.read_text(encoding="utf-8")))
        except (ValidationError, OSError) as exc:
            log.warning("skipping the unreadable run journal %s: %s", path, exc)
    return runs


def load_run(engine: Engine, run_id: str | None = None) -> RepoRun:
    """A journaled run by id (or unique prefix); the newest one when ``run_id`` is None."""
    folder = runs_dir(engine)
    paths = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns) if folder.is_dir() else []
    if run_id:
        paths = [p for p in paths if p.stem.startswith(run_id)]
        if len(paths) > 1:
            raise ProposalError(f"{run_id!r} matches {len(paths)} runs; give more of the id.")
    if not paths:
        raise ProposalError(f"No repo run {run_id!r}." if run_id else "There is no repo run yet.")
    try:
        return RepoRun.model_validate_json(paths[-1].read_text(encoding="utf-8"))
    except (ValidationError, OSError) as exc:
        raise ProposalError(f"The run journal {paths[-1]} is unreadable: {exc}.") from exc
