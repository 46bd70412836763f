"""`tether bench repo`: the repo agent on the seeds tasks, per model, as JSON.

Each task in ``seeds/tasks/<name>/`` is a tiny repository plus ``task.toml`` (``instruction``,
``check``). Per model and task the folder is copied into a fresh git repository, the agent runs
with the check command (a leading ``python`` becomes this interpreter), and then:

- well-formed: model replies (plan and edits) that parsed as a plan or as an edit that applies,
  over all replies; valid: those that also passed validation (no new syntax errors);
- applied: proposals that applied to the repository in order, over proposals made (and, per
  task, runs that finished with every proposal applied);
- completed: runs that finished every step (a run stops when a step's edits stay invalid
  after the re-asks, or at a leash limit);
- check pass: tasks whose check passes in the repository itself after applying (and, counted
  separately, without the run having edited tests).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

from ..config import load_settings
from ..engine import Engine
from ..errors import TetherError
from ..ops.check import parse_check, run_check
from ..ops.repo import run_repo
from ..ops.repo_models import RepoOptions
from ..ops.review import accept_on_disk
from .seeds import default_seed_folder, seed_folder
from .stats import print_json, summary


def register(benches: argparse._SubParsersAction) -> None:
    p = benches.add_parser("repo", help="repo agent on seeds/tasks: well-formed edit, apply and check pass rates")
    p.add_argument("--model", action="append", dest="models", help="GGUF path (repeat for several; default: bundled)")
    p.add_argument("--tasks", default=str(default_tasks()), help="folder of task folders (default seeds/tasks)")
    p.add_argument("--only", action="append", help="run only this task (repeatable)")
    p.add_argument("--max-steps", type=int, default=2, help="leash: plan steps per task (default 2)")
    p.add_argument("--check-reasks", type=int, default=1, help="re-asks after a failed check (default 1)")
    p.add_argument("--max-reasks", type=int, default=1, help="re-asks after an invalid reply (default 1)")
    p.add_argument(
        "--edit-format",
        action="append",
        dest="formats",
        choices=["auto", "rewrite", "lines"],
        help="edit format (repeat to compare; default: auto)",
    )
    p.add_argument("--n-gpu-layers", type=int, default=-1, help="layers offloaded to the GPU (-1: all that fit, 0: CPU only; default -1)")
    p.add_argument("--n-threads", type=int, help="llama.cpp CPU threads (1 is fastest on a busy 2-core machine)")
    p.add_argument("--json", action="store_true", help="JSON output (the default; kept for symmetry)")
    p.set_defaults(func=lambda args: print_json(asyncio.run(run(args))))


def default_tasks() -> Path:
    return default_seed_folder("tasks")


def load_tasks(folder: Path, only: list[str] | None = None) -> list[tuple[str, Path, dict[str, Any]]]:
    tasks = []
    for spec in sorted(folder.glob("*/task.toml")):
        name = spec.parent.name
        if only and name not in only:
            continue
        tasks.append((name, spec.parent, tomllib.loads(spec.read_text(encoding="utf-8"))))
    return tasks


def check_argv(command: str) -> list[str]:
    argv = parse_check(command)
    return [sys.executable, *argv[1:]] if argv[0] in ("python", "python3") else argv


async def run(args: argparse.Namespace) -> dict[str, Any]:
    tasks = load_tasks(seed_folder(args.tasks, "--tasks"), args.only)
    models = args.models or [None]
    results = [await run_model(model, fmt, tasks, args) for model in models for fmt in args.formats or ["auto"]]
    return {"bench": "repo", "tasks": len(tasks), "max_steps": args.max_steps, "models": results}


async def run_model(model: str | None, fmt: str, tasks: list, args: argparse.Namespace) -> dict[str, Any]:
    bundled: dict[str, Any] = {"n_gpu_layers": args.n_gpu_layers}
    if model:
        bundled["path"] = model
    if args.n_threads:
        bundled["n_threads"] = args.n_threads
    cases = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tether-bench-repo-") as tmp:
        engine = None
        for name, folder, spec in tasks:
            root = _git_copy(folder, Path(tmp) / name)
            settings = load_settings(
                root,
                env={},
                overrides={
                    "level": "repo",
                    "models": {"bundled": bundled},
                    "edit": {"max_reasks": args.max_reasks},
                },
            )
            # One loaded model for every task: the first engine's router is reused.
            engine = Engine(settings, root, router=engine.router if engine else None)
            from ..ops.gather import default_providers

            engine.providers = default_providers(engine)
            cases.append(await run_case(engine, name, spec, fmt, args))
        if engine is not None:
            await engine.aclose()
    return {"model": model or "bundled", "edit_format": fmt, **_totals(cases, time.perf_counter() - started)}


async def run_case(engine: Engine, name: str, spec: dict[str, Any], fmt: str, args: argparse.Namespace) -> dict[str, Any]:
    argv = check_argv(spec["check"])
    # validated like CLI input: the format comes from argparse (choices) as a plain str
    options = RepoOptions.model_validate(
        {"task": spec["instruction"], "check": argv, "check_reasks": args.check_reasks, "max_steps": args.max_steps, "edit_format": fmt}
    )
    started = time.perf_counter()
    run_ = await run_repo(engine, options)
    case: dict[str, Any] = {
        "task": name,
        "status": run_.status,
        "error": run_.error.message if run_.error else None,
        "plan_steps": len(run_.plan.steps) if run_.plan else 0,
        "proposals": len(run_.proposals),
        "changed_lines": run_.changed_lines,
        "model_calls": run_.model_calls,
        "replies": run_.replies,
        "well_formed": run_.replies_well_formed,
        "valid": run_.replies_valid,
        "tests_edited": run_.tests_edited,
        "seconds": round(time.perf_counter() - started, 2),
    }
    case["proposals_applied"] = _apply_all(engine, run_.proposals)
    case["applied"] = run_.status == "done" and bool(run_.proposals) and case["proposals_applied"] == len(run_.proposals)
    passed = False
    if case["applied"]:
        passed = (await run_check(argv, engine.workspace.root, 120)).passed
    case["check_passed"] = passed
    case["check_passed_clean"] = passed and not run_.tests_edited
    return case


def _apply_all(engine: Engine, proposal_ids: list[str]) -> int:
    """Apply the proposals in order, as a reviewer accepting them all would; how many applied."""
    applied = 0
    for proposal_id in proposal_ids:
        try:
            accept_on_disk(engine, proposal_id)
        except TetherError:
            break
        applied += 1
    return applied


def _git_copy(folder: Path, root: Path) -> Path:
    shutil.copytree(folder, root, ignore=shutil.ignore_patterns("task.toml", "__pycache__", ".pytest_cache"))
    for cmd in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-q", "-m", "task"],
    ):
        subprocess.run(["git", *cmd], cwd=root, check=True, capture_output=True)
    return root


def _totals(cases: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    n = len(cases) or 1
    replies = sum(c["replies"] for c in cases)
    proposals = sum(c["proposals"] for c in cases)

    def rate(key: str) -> float:
        return round(sum(1 for c in cases if c[key]) / n, 3)

    def share(key: str) -> float:
        return round(sum(c[key] for c in cases) / replies, 3) if replies else 0.0

    return {
        "well_formed_rate": share("well_formed"),
        "valid_rate": share("valid"),
        "completed_rate": round(sum(1 for c in cases if c["status"] == "done") / n, 3),
        "apply_rate": round(sum(c["proposals_applied"] for c in cases) / proposals, 3) if proposals else 0.0,
        "runs_applied_rate": rate("applied"),
        "check_pass_rate": rate("check_passed"),
        "check_pass_rate_without_test_edits": rate("check_passed_clean"),
        "replies": replies,
        "model_calls": sum(c["model_calls"] for c in cases),
        "seconds_total": round(seconds, 1),
        "seconds_per_task": summary([c["seconds"] for c in cases], scale=1),
        "cases": cases,
    }
