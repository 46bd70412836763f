"""`tether bench edit-quality`: small edit tasks on seed files; valid proposals, tries, damaged files.

Tasks live in ``seeds/edit-quality/tasks.toml`` (selection and whole-file edits: docstrings,
renames, added parameters, bug fixes, markdown, TOML and JSON edits) over the files in
``seeds/edit-quality/workspace/``. Each task runs on a fresh git repository holding a copy of
that folder, through the public edit entry points (``tether.ops.edit.edit_selection`` /
``edit_file``), so the bench measures whatever edit pipeline is current. Per task:

- outcome: ``proposal`` (its diff passes ``git apply --check``), ``no_change`` (an empty
  proposal), ``error`` (a TetherError: the pipeline refused, nothing proposed),
  ``invalid_proposal`` (a diff git will not apply) or ``crash`` (any other exception);
  valid = proposal or no_change;
- tries: model replies the pipeline judged (``tether.edits.loop.reply_observer``), and the
  verdict of each (None: usable, else the problem it was re-asked with);
- seconds; changed lines;
- damaged: the proposal, applied with ``git apply``, damages the file by the mechanical
  definition in ``edit_quality_damage`` (parse, region, form); an error is never damage;
- done: the task's ``expect``/``forbid``/``grow`` strings hold (a rough "did what was asked").

``--backend scripted-adversarial`` runs every task against a local scripted OpenAI-compatible
server replaying hostile replies (``edit_quality_hostile``): there damaged must be 0 and
every other outcome is the pipeline's business.
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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Settings, load_settings
from ..engine import Engine
from ..errors import ConfigError, GenerationError, TetherError
from ..lines import split_lines
from ..proposals import Proposal
from .edit_quality_damage import damage, warnings_for
from .edit_quality_report import by_kind, error_kind, failure_kind, totals
from .seeds import default_seed_folder, seed_folder
from .stats import print_json


@dataclass
class Task:
    """One task from tasks.toml; ``lines`` is 1-based inclusive, None for a whole-file edit."""

    name: str
    file: str
    instruction: str
    lines: tuple[int, int] | None = None
    anchors: list[str] = field(default_factory=list)
    expect: list[str] = field(default_factory=list)
    forbid: list[str] = field(default_factory=list)
    grow: list[str] = field(default_factory=list)

    @property
    def selection(self) -> tuple[int, int] | None:
        """0-based [start, end) lines, as edit_selection takes them."""
        return (self.lines[0] - 1, self.lines[1]) if self.lines else None


# edit(engine, task) -> Proposal: the operation under test (injected by tests).
EditFn = Callable[[Engine, Task], Awaitable[Proposal]]
# script(index, task, workspace) -> kinds of the replies set up for the task (adversarial runs).
ScriptFn = Callable[[int, Task, Path], list[str]]


def register(benches: argparse._SubParsersAction) -> None:
    p = benches.add_parser("edit-quality", help="edit tasks on seed files: valid proposals, tries, damaged files")
    p.add_argument("--tasks", type=int, dest="limit", metavar="N", help="run only the first N tasks")
    p.add_argument("--only", action="append", metavar="NAME", help="run only this task (repeatable)")
    p.add_argument("--model", help="model slot (from the workspace's settings) or GGUF path; default: the edit role")
    p.add_argument("--threads", type=int, help="llama.cpp CPU threads for the model")
    p.add_argument(
        "--backend",
        choices=["model", "scripted-adversarial"],
        default="model",
        help="model: the configured model (default); scripted-adversarial: a local scripted server replaying hostile replies",
    )
    p.add_argument("--seeds", default=str(default_seeds()), help="folder with tasks.toml and workspace/")
    p.add_argument("--json", action="store_true", help="JSON output (the default; kept for symmetry)")
    p.set_defaults(func=lambda args: print_json(asyncio.run(run(args))))


def default_seeds() -> Path:
    return default_seed_folder("edit-quality")


def load_tasks(seeds: Path, only: list[str] | None = None, limit: int | None = None) -> list[Task]:
    data = tomllib.loads((seeds / "tasks.toml").read_text(encoding="utf-8"))
    tasks = []
    for raw in data.get("task", []):
        lines = raw.pop("lines", None)
        tasks.append(Task(**raw, lines=tuple(lines) if lines else None))
    if only:
        unknown = set(only) - {t.name for t in tasks}
        if unknown:
            raise ConfigError(f"No edit-quality task named {', '.join(sorted(unknown))}; see {seeds / 'tasks.toml'}.")
        tasks = [t for t in tasks if t.name in only]
    return tasks[:limit] if limit else tasks


async def run(args: argparse.Namespace, edit: EditFn | None = None) -> dict[str, Any]:
    seeds = seed_folder(args.seeds, "--seeds")
    tasks = load_tasks(seeds, args.only, args.limit)
    if args.backend == "scripted-adversarial":
        from .edit_quality_server import MODEL, ScriptedServer

        with ScriptedServer() as server:
            settings = adversarial_settings(Path(args.workspace), server.base_url, MODEL)
            result = await run_tasks(settings, tasks, seeds, edit or edit_task, _scripter(server), _progress)
        cases = result.pop("cases")
        return {"bench": "edit-quality", "backend": args.backend, "model": MODEL, **result, "by_kind": by_kind(cases), "cases": cases}
    settings, model = model_settings(args)
    result = await run_tasks(settings, tasks, seeds, edit or edit_task, progress=_progress)
    return {"bench": "edit-quality", "backend": args.backend, "model": model, "threads": args.threads, **result}


def model_settings(args: argparse.Namespace) -> tuple[Settings, str]:
    """The person's settings with ``--model`` (slot or GGUF path) and ``--threads`` applied."""
    base = load_settings(Path(args.workspace))
    slot = (base.roles.get("edit") or ["bundled"])[0]
    overrides: dict[str, Any] = {}
    if args.model and args.model in base.models:
        slot = args.model
    elif args.model:
        if not Path(args.model).is_file():
            raise ConfigError(f"--model {args.model} names neither a model slot in the settings nor a file.")
        slot = "bundled"
        overrides["models"] = {"bundled": {"backend": "llamacpp", "path": str(Path(args.model).resolve())}}
    overrides["roles"] = {"edit": [slot]}
    if args.threads and base.models[slot].backend == "llamacpp":
        overrides.setdefault("models", {}).setdefault(slot, {})["n_threads"] = args.threads
    settings = base.merged(overrides)
    config = settings.models[slot]
    return settings, f"{slot}: {config.path or config.model or config.base_url or 'bundled SmolLM2'}"


def adversarial_settings(workspace: Path, base_url: str, model: str) -> Settings:
    slot = {"backend": "openai", "base_url": base_url, "model": model, "max_retries": 0, "timeout_s": 30}
    return load_settings(workspace, env={}, overrides={"models": {"adversarial": slot}, "roles": {"edit": ["adversarial"]}})


def _scripter(server: Any) -> ScriptFn:
    from .edit_quality_hostile import script_for

    def script(index: int, task: Task, root: Path) -> list[str]:
        text = _read(root / task.file)
        others = sorted(p for p in root.iterdir() if p.is_file() and p.name != task.file)
        same = [p for p in others if p.suffix == Path(task.file).suffix] or others
        replies = script_for(index, task.file, text, task.selection, _read(same[0]) if same else "")
        server.script([(reply, finish) for _, reply, finish in replies])
        return [kind for kind, _, _ in replies]

    return script


async def edit_task(engine: Engine, task: Task) -> Proposal:
    from ..ops.edit import edit_file, edit_selection

    if task.selection is not None:
        return await edit_selection(engine, task.file, task.instruction, *task.selection)
    return await edit_file(engine, task.file, task.instruction)


async def run_tasks(
    settings: Settings,
    tasks: list[Task],
    seeds: Path,
    edit: EditFn,
    script: ScriptFn | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run ``tasks`` one by one, each on a fresh git copy of ``seeds/workspace``; totals and cases."""
    from ..ops.gather import default_providers

    cases = []
    started = time.perf_counter()
    engine: Engine | None = None
    with tempfile.TemporaryDirectory(prefix="tether-bench-editq-") as tmp:
        try:
            for index, task in enumerate(tasks):
                root = git_copy(seeds / "workspace", Path(tmp) / task.name)
                # One loaded model for every task: the first engine's router is reused.
                engine = Engine(settings, root, router=engine.router if engine else None)
                engine.providers = default_providers(engine)
                kinds = script(index, task, root) if script else None
                case = await run_case(engine, task, edit)
                if kinds is not None:
                    case["script"] = kinds[: max(case["tries"], 1)]
                cases.append(case)
                if progress is not None:
                    progress(
                        f"[{index + 1}/{len(tasks)}] {task.name}: {case['outcome']}, {case['tries']} tries, "
                        f"{case['seconds']} s{', DAMAGED' if case['damaged'] else ''}"
                    )
        finally:
            if engine is not None:
                await engine.aclose()
    return totals(cases, time.perf_counter() - started)


async def run_case(engine: Engine, task: Task, edit: EditFn) -> dict[str, Any]:
    """Run one task in ``engine``'s workspace (a git repository) and judge the result."""
    from ..edits.loop import reply_observer

    root = engine.workspace.root
    before = _read(root / task.file)
    verdicts: list[str | None] = []
    kinds: list[str] = []

    def observe(exc: GenerationError | None) -> None:
        verdicts.append(None if exc is None else _short(exc))
        if exc is not None:
            kinds.append(failure_kind(exc))

    token = reply_observer.set(observe)
    case: dict[str, Any] = {
        "task": task.name,
        "kind": "selection" if task.lines else "file",
        "file": task.file,
        "lines": list(task.lines) if task.lines else None,
    }
    started = time.perf_counter()
    proposal: Proposal | None = None
    error: BaseException | None = None
    try:
        proposal = await edit(engine, task)
    except TetherError as exc:
        error = exc
    except Exception as exc:  # a crash is a finding: reported, never hidden
        error = exc
    finally:
        reply_observer.reset(token)
    case["seconds"] = round(time.perf_counter() - started, 2)
    case["tries"] = len(verdicts)
    case["replies"] = verdicts
    case["failed_reply_kinds"] = kinds
    case.update(judge(root, task, before, proposal, error))
    return case


def judge(root: Path, task: Task, before: str, proposal: Proposal | None, error: BaseException | None) -> dict[str, Any]:
    """Outcome, validity, damage and done-ness of one task's result in git repository ``root``."""
    out: dict[str, Any] = {
        "outcome": "error",
        "valid": False,
        "changed_lines": 0,
        "damaged": False,
        "damage": [],
        "warnings": [],
        "done": None,
        "error": None,
    }
    if proposal is None:
        kind = "error" if isinstance(error, TetherError) else "crash"
        out.update(outcome=kind, error={"type": type(error).__name__, "kind": error_kind(error), "message": str(error)})
        return out
    out["changed_lines"] = proposal.changed_lines
    diff = proposal.diff()
    if not diff:
        out.update(outcome="no_change", valid=True, done=_done(task, before, before))
        return out
    patch = root.parent / f"{root.name}.diff"
    patch.write_text(diff, encoding="utf-8", newline="")
    check = _git(root, "apply", "--check", "--whitespace=nowarn", str(patch))
    if check.returncode != 0:
        out.update(
            outcome="invalid_proposal", error={"type": "GitApply", "kind": "diff does not apply", "message": check.stderr.strip()[:500]}
        )
        return out
    _git(root, "apply", "--whitespace=nowarn", str(patch))
    after = _read(root / task.file)
    reasons = damage(task.file, before, after, task.selection, task.anchors)
    changed = split_lines(_git(root, "status", "--porcelain", "--untracked-files=all").stdout)
    reasons += [f"region: another file changed: {line[3:]}" for line in changed if line[3:] != task.file]
    expected = next((c.new_text for c in proposal.files if c.path == task.file), None)
    if expected is not None and expected != after:
        out["applied_differs_from_proposal"] = True
    out.update(
        outcome="proposal",
        valid=True,
        damaged=bool(reasons),
        damage=reasons,
        done=_done(task, before, after),
        warnings=warnings_for(task.file, before, after, task.selection, task.anchors),
    )
    return out


def git_copy(folder: Path, root: Path) -> Path:
    """``folder`` copied to ``root`` and committed in a new git repository (bytes kept as they are)."""
    shutil.copytree(folder, root)
    (root / ".gitattributes").write_text("* -text\n", encoding="utf-8")  # never convert line breaks
    for cmd in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-q", "-m", "seed"],
    ):
        subprocess.run(["git", *cmd], cwd=root, check=True, capture_output=True)
    return root


def _done(task: Task, before: str, after: str) -> bool:
    return (
        all(s in after for s in task.expect)
        and not any(s in after for s in task.forbid)
        and all(after.count(s) > before.count(s) for s in task.grow)
    )


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)  # stdout carries the JSON only


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:197] + "..."


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
