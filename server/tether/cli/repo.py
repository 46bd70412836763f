"""`tether repo` (the REPO level: plan, edit, check, from a terminal or CI) and `tether undo`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..edits.plan import PlanStep, parse_plan_text, render_plan
from ..errors import InputError, TetherError
from ..lines import split_lines
from ..ops.check import parse_check
from ..ops.repo_models import RepoOptions, RepoRun, RunHooks
from ..proposals import FileChange
from .common import add_level_flag, add_model_flags, engine_from, print_json, run_op
from .render import plural, proposal_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("repo", help="plan and propose edits across the repository (prints a unified diff)")
    p.add_argument("-m", "--message", help="the task (optional with --plan FILE when the file has `task`)")
    p.add_argument("--check", help="command that checks the work, e.g. 'python -m pytest -q' (run without a shell)")
    p.add_argument("--check-timeout", type=float, default=300.0, help="seconds before the check is killed (300)")
    p.add_argument("--check-reasks", type=int, default=1, help="re-asks of a step after a failed check (1)")
    p.add_argument(
        "--check-env",
        choices=["clean", "inherit"],
        default="clean",
        help="clean: run the check without tether's own virtualenv (VIRTUAL_ENV, its bin on PATH); inherit: with it",
    )
    p.add_argument(
        "--edit-format",
        choices=["auto", "rewrite", "lines"],
        default="auto",
        help="auto: schema-bound line edits on llama.cpp, whole-file rewrites on endpoints",
    )
    p.add_argument("--max-files", type=int, help="leash: files the run may edit, create, delete or rename")
    p.add_argument(
        "--no-file-ops",
        action="store_false",
        dest="file_ops",
        help="the model's plan may only edit existing files (no create/delete/rename)",
    )
    p.add_argument("--max-steps", type=int, help="leash: plan steps")
    p.add_argument("--max-lines", type=int, dest="max_changed_lines", help="leash: changed lines per proposal")
    p.add_argument("--max-calls", type=int, dest="max_model_calls", help="leash: model calls in the run")
    plan = p.add_mutually_exclusive_group()
    plan.add_argument("--plan-only", action="store_true", help="print the plan (TOML) and stop")
    plan.add_argument("--plan", metavar="FILE", help="run this plan (TOML or JSON) instead of asking for one")
    plan.add_argument(
        "--continue",
        dest="continue_run",
        metavar="RUN_ID",
        help="run the steps of a planned run (--plan-only here, or Edit Repo in an editor)",
    )
    plan.add_argument("--list", action="store_true", help="list the journaled runs, newest first, and stop")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--apply", action="store_true", help="apply the proposals if the run finished and its check passed")
    out.add_argument("--branch", metavar="NAME", help="like --apply, on a new branch NAME, one commit per proposal")
    p.add_argument("--allow-dirty", action="store_true", help="run even with uncommitted changes")
    p.add_argument("--json", action="store_true", help="print the run report (with proposals) as JSON")
    p.add_argument("--output", help="also write the diff (with --plan-only: the plan) to this file")
    add_level_flag(p)
    add_model_flags(p)
    p.set_defaults(func=run_repo_cmd)

    p = sub.add_parser("undo", help="revert the last applied proposal (or, with --run, a whole repo run)")
    p.add_argument("id", nargs="?", help="proposal id (default: the newest applied one)")
    p.add_argument(
        "--run", nargs="?", const="", metavar="RUN_ID", help="undo every applied proposal of a repo run (default: the newest run)"
    )
    p.add_argument(
        "--forget",
        metavar="ID",
        help="drop applied proposal ID from undo without touching files (you reverted it by hand): its applied hunks become rejected",
    )
    p.add_argument("--json", action="store_true", help="print the undone proposals as JSON")
    p.set_defaults(func=run_undo)


def options_from(args: argparse.Namespace) -> RepoOptions:
    plan, task = None, args.message
    if args.plan:
        path = Path(args.plan)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"Cannot read the plan file {path}: {exc.strerror or exc}.") from exc
        plan, file_task = parse_plan_text(text, f"the plan file {path}")
        task = task or file_task
    if not task or not task.strip():
        raise InputError("Say what to change: pass -m 'TASK' (or a plan file with a `task` line).")
    return RepoOptions(
        task=task,
        check=parse_check(args.check) if args.check else None,
        check_timeout_s=args.check_timeout,
        check_reasks=args.check_reasks,
        check_env=args.check_env,
        max_files=args.max_files,
        max_steps=args.max_steps,
        max_changed_lines=args.max_changed_lines,
        max_model_calls=args.max_model_calls,
        plan=plan,
        plan_only=args.plan_only,
        edit_format=args.edit_format,
        file_ops=args.file_ops,
    )


def run_repo_cmd(args: argparse.Namespace) -> int:
    from ..ops.gitops import check_branch, require_clean
    from ..ops.repo import apply_run, continue_run, list_runs, raise_for_outcome, run_repo

    if args.list:
        return _list(engine_from(args), list_runs, args.json)
    continuing = args.continue_run is not None
    options = None if continuing else options_from(args)
    engine = engine_from(args)
    if continuing or (options is not None and not options.plan_only):
        require_clean(engine.workspace.root, args.allow_dirty)
    if args.branch:
        check_branch(engine.workspace.root, args.branch)
    hooks = RunHooks(progress=lambda message: print(f"tether: {message}", file=sys.stderr))
    if options is None:
        run: RepoRun = run_op(engine, continue_run(engine, args.continue_run, None, hooks))
    else:
        run = run_op(engine, run_repo(engine, options, hooks))
    if options is not None and options.plan_only and run.plan is not None:
        print(f"Run {run.id} is planned: `tether repo --continue {run.id}` runs it (or Run in an editor).", file=sys.stderr)
        text = render_plan(run.plan, run.task)
        if args.output:
            Path(args.output).write_text(text, encoding="utf-8")
        if args.json:
            print_json(_report(engine, run))
        else:
            sys.stdout.write(text)
        try:
            raise_for_outcome(run)
        except TetherError as exc:
            exc.json_reported = bool(args.json)  # the report printed above carries it
            raise
        return 0
    if args.output:
        Path(args.output).write_text(run.diff, encoding="utf-8")
    commits: list[str] = []
    applied = False
    if (args.apply or args.branch) and run.success and run.proposals:
        commits = apply_run(engine, run, args.branch)
        applied = True
    if args.json:
        report = {**_report(engine, run), "applied": applied, "commits": commits}
        try:
            raise_for_outcome(run)
        except TetherError as exc:  # the report carries the error, so no second JSON document follows
            report["error"] = {"type": type(exc).__name__, "message": str(exc), "exit_code": exc.exit_code}
            exc.json_reported = True
            print_json(report)
            raise
        print_json(report)
        return 0
    sys.stdout.write(run.diff)
    _summary(run, applied, args.branch, commits)
    raise_for_outcome(run)
    return 0


def _list(engine, list_runs, as_json: bool) -> int:
    """``tether repo --list``: one line per run (id, status, task, outcome), or the reports as JSON."""
    runs = list_runs(engine)
    if as_json:
        print_json([_report(engine, run) for run in runs])
        return 0
    for run in runs:
        print(f"{run.id}  {run.status:<8} {split_lines(run.task)[0][:60]}  ({run.outcome()})")
    if not runs:
        print("No repo run yet.", file=sys.stderr)
    return 0


def _report(engine, run: RepoRun) -> dict[str, Any]:
    data = run.model_dump(mode="json")
    data["success"] = run.success
    data["outcome"] = run.outcome()
    data["baseline_failed"] = run.baseline_failed
    data["proposals"] = [proposal_json(engine.store.get(pid)) for pid in run.proposals]
    return data


def _summary(run: RepoRun, applied: bool, branch: str | None, commits: list[str]) -> None:
    err = sys.stderr
    if run.plan is not None:
        print(f"Plan ({run.plan_source}):", file=err)
        for number, step in enumerate(run.plan.steps, 1):
            print(f"  {number}. {step.intent}  [{step_files(step)}]", file=err)
    for warning in run.warnings:
        print(f"Warning: {warning}", file=err)
    print(f"Run {run.id}: {run.outcome()} ({run.model_calls} model calls)", file=err)
    if applied:
        where = f"on branch {branch} ({len(commits)} commits)" if branch else "to the workspace"
        print(f"Applied {plural(len(run.proposals), 'proposal')} {where}; `tether undo --run` reverts them.", file=err)
    elif run.proposals:
        print(
            f"Proposals are pending: `tether proposals list`, `tether proposals accept ID`, `tether proposals reject --run {run.id}`.",
            file=err,
        )


def run_undo(args: argparse.Namespace) -> int:
    """Undo (writing base texts back), or ``--forget`` (writing nothing). A file already back at
    its base text is reported as such (``already_undone`` in ``--json``)."""
    from ..ops.undo import Already, forget, undo_proposal, undo_run

    engine = engine_from(args)
    if args.forget:
        if args.id or args.run is not None:
            raise InputError("--forget ID names the one proposal to drop; give no other ID or --run with it.")
        proposal = forget(engine, args.forget)
        if args.json:
            print_json([proposal_json(proposal)])
        else:
            print(f"Forgot proposal {proposal.id}: its applied hunks are marked rejected; no file was touched.")
        return 0
    already: Already = {}
    if args.run is not None:
        proposals = undo_run(engine, args.run or None, already)
    else:
        proposals = [undo_proposal(engine, args.id, already)]
    if args.json:
        print_json([proposal_json(p) | {"already_undone": already.get(p.id, [])} for p in proposals])
        return 0
    for proposal in proposals:
        by_hand = already.get(proposal.id, [])
        restored = [_undone(f) for f in proposal.files if f.path not in by_hand]
        parts = [f"restored {', '.join(restored)}"] if restored else []
        if by_hand:
            parts.append(f"{', '.join(by_hand)} already back at {'its' if len(by_hand) == 1 else 'their'} base text (left as it is)")
        print(f"Undid proposal {proposal.id}: {'; '.join(parts)}.")
    return 0


def step_files(step: PlanStep) -> str:
    """A plan step's files as git names them: "calc.py, new file: a.py, deleted file: b.py, renamed: c.py -> d.py"."""
    names = [f"renamed: {r.from_} -> {r.to}" for r in step.rename]
    names += [f"deleted file: {p}" for p in step.delete] + [f"new file: {p}" for p in step.create]
    return ", ".join(names + [p for p in step.files if p not in step.create])


def _undone(change: FileChange) -> str:
    if change.op == "create":
        return f"{change.path} (deleted the new file)"
    if change.op == "delete":
        return f"{change.path} (recreated)"
    if change.op == "rename":
        return f"{change.old_path} (renamed back from {change.path})"
    return change.path
