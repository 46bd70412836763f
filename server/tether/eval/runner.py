"""Running the eval: each task through the ops, each result through the task's tests.

Roles (docs/cli.md, ``tether eval``):

- ``complete``: the FIM hole of each task (``tasks.fim_hole``) is completed by the completion
  op (``ops.complete.complete``, as ``tether complete`` calls it) at the cursor; the result is
  the file with the completion inserted there.
- ``edit``: the selection-edit op (``ops.edit.edit_selection``, as ``tether edit --lines``) is
  asked to implement the function from its docstring (``tasks.edit_file``); the result is the
  proposal's new file text.

Each result runs with the task's tests in a child process (``execute.run_program``). The ops
run in a temporary workspace (one file at a time, removed after its task), with the model
slots and roles of the settings given, and proposals kept in that workspace's data folder.

Figures per role (``RoleSummary``): pass@1 = passed / tasks (one greedy sample a task, so the
unbiased estimator of Chen et al. 2021 reduces to the plain share; an invalid result counts as
a failure), the valid share (the op returned a non-empty completion or a proposal with a
change, rather than an error or nothing), the mean op latency (ms, wall clock, the model's
calls and tether's own work), and tokens/s: tokens the model streamed, as the slot's backend
counts them (llama.cpp: its tokenizer; OpenAI-compatible: an estimate, characters / 3.5) over
the seconds spent in the model's streams (prompt processing included; re-asks included).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import re
import tempfile
import time
from collections.abc import AsyncGenerator, Callable, Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from ..backends.base import Backend, Capabilities, Chunk, GenerationRequest
from ..backends.router import Router, default_factory
from ..config import ModelConfig, Settings
from ..engine import Engine
from ..errors import ConfigError, LeashError, ModelError, TetherError
from ..ops.complete import complete
from ..ops.edit import edit_selection
from ..ops.gather import default_providers
from .execute import check_program, run_program
from .tasks import Task, edit_file, fim_hole

Role = Literal["complete", "edit"]
ROLES: tuple[Role, ...] = ("complete", "edit")
HOLE_RULE = "the middle non-blank line of the canonical solution (index len // 2), masked after its indent"
EDIT_INSTRUCTION = (
    "Implement the function {name} as its docstring describes: replace its `pass` body with working code. "
    "Keep the signature and the docstring."
)
# Errors about the setup, not the task: the eval stops with them instead of counting a failure.
_SETUP_ERRORS = (ConfigError, ModelError, LeashError)


class TaskResult(BaseModel):
    """One task under one role. ``status``: passed / failed / timeout (the tests' run) or
    invalid (no usable completion or proposal: then ``error`` says why: the op's error, an empty
    completion, or an edit proposing no change). ``latency_ms``: the op's wall time; ``tokens``: tokens the model streamed;
    ``detail``: the tail of the tests' stderr."""

    task_id: str
    role: Role
    valid: bool
    passed: bool
    status: Literal["passed", "failed", "timeout", "invalid"]
    latency_ms: float
    tokens: int
    generation_s: float
    error: str | None = None
    detail: str = ""


class ModelIdentity(BaseModel):
    """Which model a role's figures are for: the slot, its backend, and the GGUF ``path`` (with its
    ``quantization`` from the header, models/gguf_info.py, when readable) or the endpoint's
    ``base_url`` and ``model``."""

    slot: str
    backend: str
    path: str | None = None
    quantization: str | None = None
    base_url: str | None = None
    model: str | None = None

    def label(self) -> str:
        """One line for a person: ``bundled (llamacpp, /m/SmolLM2.gguf, Q8_0)``."""
        where = [self.path, self.quantization] if self.backend == "llamacpp" else [self.base_url, self.model]
        return f"{self.slot} ({', '.join([self.backend, *(w for w in where if w)])})"


class RoleSummary(BaseModel):
    """The figures of one role over ``n`` tasks (see the module docstring for each). ``model``:
    the slot that answered (the first that did, under failover); ``model_identity``: what it is."""

    role: Role
    model: str
    model_identity: ModelIdentity
    n: int
    valid: int
    valid_share: float
    passed: int
    pass_at_1: float
    timeouts: int
    mean_latency_ms: float
    tokens: int
    generation_s: float
    tokens_per_s: float | None
    tokens_counted_by: Literal["tokenizer", "estimate"]


class EvalReport(BaseModel):
    """What ``tether eval --json`` prints: the task source, the settings of the run, one summary
    per role (in the order run) and every task's result."""

    tasks: str
    n_tasks: int
    timeout_s: float
    hole_rule: str
    machine: dict[str, str | int | None]
    roles: list[RoleSummary]
    results: list[TaskResult]


class _Meter:
    """What the models streamed during one op: (backend, text) per call, and seconds spent."""

    def __init__(self) -> None:
        self.calls: list[tuple[Backend, str]] = []
        self.seconds = 0.0
        self.exact = True
        self.used: dict[str, Backend] = {}  # slots that streamed, in order; cleared per role, not per op

    def reset(self) -> None:
        self.calls, self.seconds = [], 0.0

    async def tokens(self) -> int:
        return sum([await backend.count_tokens(text) for backend, text in self.calls])


class _CountingBackend(Backend):
    """A slot's backend, unchanged, with its streamed text and time recorded on a meter."""

    def __init__(self, inner: Backend, meter: _Meter, exact: bool):
        self.inner, self.meter, self.exact = inner, meter, exact
        self.name = inner.name

    async def capabilities(self) -> Capabilities:
        return await self.inner.capabilities()

    async def count_tokens(self, text: str) -> int:
        return await self.inner.count_tokens(text)

    async def stream(self, request: GenerationRequest) -> AsyncGenerator[Chunk, None]:
        start, pieces = time.perf_counter(), []
        try:
            async with contextlib.aclosing(self.inner.stream(request)) as chunks:
                async for chunk in chunks:
                    pieces.append(chunk.text)
                    yield chunk
        finally:
            self.meter.seconds += time.perf_counter() - start
            # llama.cpp's reply starts with the priming text it was given, which it did not generate
            text = "".join(pieces)
            self.meter.calls.append((self.inner, text.removeprefix(request.assistant_prefix)))
            self.meter.used.setdefault(self.inner.name, self.inner)
            self.meter.exact &= self.exact

    async def aclose(self) -> None:
        await self.inner.aclose()

    def describe(self) -> dict[str, object]:
        return self.inner.describe()


async def run_eval(
    settings: Settings,
    tasks: list[Task],
    roles: Iterable[Role],
    timeout_s: float,
    source: str,
    progress: Callable[[str], None] | None = None,
) -> EvalReport:
    """Every task under every role in ``roles``, in order; ``progress("<role> <task_id>")`` after each.

    ``timeout_s``: wall-clock seconds for each tests' run. Raises ConfigError, ModelError or
    LeashError (a role with no usable model, a slider below the role's level); any other
    TetherError of an op counts as that task's invalid result."""
    meter = _Meter()

    def factory(name: str, config: ModelConfig) -> Backend:
        return _CountingBackend(default_factory(name, config), meter, exact=config.backend == "llamacpp")

    results: list[TaskResult] = []
    summaries: list[RoleSummary] = []
    with tempfile.TemporaryDirectory(prefix="tether-eval-ws-") as folder:
        root = Path(folder)
        run_settings = settings.merged({"data_dir": str(root / ".tether")})
        engine = Engine(run_settings, root, router=Router(run_settings, factory))
        engine.providers = default_providers(engine)
        try:
            for role in roles:
                meter.exact, meter.used = True, {}
                done = []
                for task in tasks:
                    done.append(await _one(engine, meter, task, role, timeout_s))
                    if progress is not None:
                        progress(f"{role} {task.task_id}")
                results += done
                identity = _identity(run_settings, role, meter.used)
                summaries.append(_summary(role, identity, done, meter.exact))
        finally:
            await engine.aclose()
    return EvalReport(
        tasks=source,
        n_tasks=len(tasks),
        timeout_s=timeout_s,
        hole_rule=HOLE_RULE,
        machine={"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()},
        roles=summaries,
        results=results,
    )


async def _one(engine: Engine, meter: _Meter, task: Task, role: Role, timeout_s: float) -> TaskResult:
    """One task under one role: the op in the workspace, then the tests in a child process."""
    path = (re.sub(r"[^A-Za-z0-9_]+", "_", task.task_id).strip("_") or "task") + ".py"
    file = engine.workspace.root / path
    meter.reset()
    start = time.perf_counter()
    source: str | None = None
    error: str | None = None
    try:
        if role == "complete":
            hole = fim_hole(task)
            file.write_text(hole.text, encoding="utf-8")
            completion = await complete(engine, path, hole.text, hole.line, hole.col)
            source = hole.before + completion.text + hole.after if completion.text.strip() else None
            error = None if source is not None else "the completion op returned an empty completion"
        else:
            target = edit_file(task)
            file.write_text(target.text, encoding="utf-8")
            instruction = EDIT_INSTRUCTION.format(name=task.entry_point)
            proposal = await edit_selection(engine, path, instruction, target.start_line, target.end_line, text=target.text)
            source = proposal.files[0].new_text if proposal.files else None
            error = None if source is not None else "the edit op proposed no change"
    except _SETUP_ERRORS:
        raise
    except TetherError as exc:
        error = str(exc)
    finally:
        file.unlink(missing_ok=True)
    latency = round((time.perf_counter() - start) * 1000, 1)
    tokens, seconds = await meter.tokens(), round(meter.seconds, 3)
    if source is None:
        return TaskResult(
            task_id=task.task_id,
            role=role,
            valid=False,
            passed=False,
            status="invalid",
            latency_ms=latency,
            tokens=tokens,
            generation_s=seconds,
            error=error,
        )
    program = check_program(source, task.test, task.entry_point)
    outcome = await asyncio.to_thread(run_program, program, timeout_s)
    return TaskResult(
        task_id=task.task_id,
        role=role,
        valid=True,
        passed=outcome.passed,
        status=outcome.status,
        latency_ms=latency,
        tokens=tokens,
        generation_s=seconds,
        detail=outcome.detail,
    )


def _identity(settings: Settings, role: Role, used: dict[str, Backend]) -> ModelIdentity:
    """The slot that answered ``role`` (the first that streamed; else the role's first slot)."""
    from ..backends.bundled import bundled_model_path
    from ..models.gguf_info import read_gguf

    slots = settings.roles.get(role) or []
    slot = next(iter(used), slots[0] if slots else role)
    config = settings.models.get(slot)
    if config is None:
        return ModelIdentity(slot=slot, backend="?")
    if config.backend != "llamacpp":
        return ModelIdentity(slot=slot, backend=config.backend, base_url=config.base_url, model=config.model)
    path: Path | None = None
    quant = None
    with contextlib.suppress(TetherError, OSError):  # the bundled model missing, a header unreadable
        path = Path(config.path).expanduser() if config.path else bundled_model_path()
        quant = read_gguf(path).quantization
    return ModelIdentity(slot=slot, backend="llamacpp", path=str(path) if path else None, quantization=quant)


def _summary(role: Role, identity: ModelIdentity, results: list[TaskResult], exact: bool) -> RoleSummary:
    n = len(results)
    valid = sum(r.valid for r in results)
    passed = sum(r.passed for r in results)
    tokens = sum(r.tokens for r in results)
    seconds = sum(r.generation_s for r in results)
    return RoleSummary(
        role=role,
        model=identity.slot,
        model_identity=identity,
        n=n,
        valid=valid,
        valid_share=round(valid / n, 4) if n else 0.0,
        passed=passed,
        pass_at_1=round(passed / n, 4) if n else 0.0,
        timeouts=sum(r.status == "timeout" for r in results),
        mean_latency_ms=round(sum(r.latency_ms for r in results) / n, 1) if n else 0.0,
        tokens=tokens,
        generation_s=round(seconds, 3),
        tokens_per_s=round(tokens / seconds, 1) if seconds > 0 else None,
        tokens_counted_by="tokenizer" if exact else "estimate",
    )
