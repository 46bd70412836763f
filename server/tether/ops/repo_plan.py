"""Planning a repo run: ask the model for a schema-bound plan, then hold it to the leash.

The model sees the repo map (files the task mentions first) and a few docs chunks, and answers
with JSON bound by ``edits.plan.plan_schema``: at most ``max_steps`` steps, each naming files
from the workspace to edit or delete, and new paths to create or rename to. A reply that is not a plan, or names a file that does not exist, is
re-asked (bounded by the model-call budget); a plan that reaches outside the workspace or past
the leash stops the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

from ..backends.base import Backend, GenerationRequest
from ..backends.runtime import Generation
from ..context.files import is_excluded
from ..edits.guards import confine, confine_new, task_mentions_checks, touches_tests
from ..edits.loop import ask_until_valid
from ..edits.plan import Plan, PlanRename, PlanStep, parse_plan_json, plan_max_tokens, plan_schema
from ..errors import GenerationError, InputError, LeashError
from ..pack import ContextPack, Source
from ..prompts.repo import plan_messages
from ..slider import LeashLimits
from ..workspace import Workspace
from .repo_models import CallBudget
from .repo_tools import RepoTools

if TYPE_CHECKING:
    from ..engine import Engine

DOCS_CHUNKS = 2
DOCS_CHUNK_CHARS = 1200


async def ask_plan(
    engine: Engine, backend: Backend, task: str, limits: LeashLimits, tools: RepoTools, budget: CallBudget, file_ops: bool = True
) -> tuple[Plan, ContextPack]:
    """The model's plan, checked against the workspace and the leash, and what the model saw.

    ``file_ops``: whether the plan may create, delete and rename files (the schema and prompt
    offer them; without, a plan that has them anyway is re-asked).
    """
    caps = await backend.capabilities()
    files = tools.list_files()
    if not task_mentions_checks(task):
        # A task that is not about tests or CI gets a plan that cannot name them (the schema's
        # enum leaves them out); an endpoint that ignores the schema still gets its edits flagged.
        files = [f for f in files if not touches_tests([f])] or files
    repo_map = await tools.repo_map(task, max_tokens=max(200, caps.n_ctx // 3))
    hits = await tools.docs_search(task, k=DOCS_CHUNKS)
    pack = ContextPack()
    pack.add(Source(kind="repomap", tokens=await backend.count_tokens(repo_map)), repo_map)
    for hit in hits:
        pack.add(hit.as_source(), hit.text[:DOCS_CHUNK_CHARS])
    docs = [(item.source.label(), item.text) for item in pack.of_kind("docs")]
    request = GenerationRequest(
        messages=plan_messages(task, repo_map, docs, limits.max_steps, limits.max_files, file_ops),
        json_schema=plan_schema(files, limits.max_steps, limits.max_files, file_ops),
        max_tokens=plan_max_tokens(limits.max_steps, limits.max_files),
        temperature=engine.settings.edit.temperature,
    )
    eligible = tools.eligible()

    def parse(generation: Generation) -> Plan:
        if generation.truncated:
            raise GenerationError("The plan was cut off at the token limit.", ask="Write a shorter plan with fewer, shorter steps.")
        plan = parse_plan_json(generation.text)
        if not file_ops and any(step.create or step.delete or step.rename for step in plan.steps):
            raise GenerationError(
                "The plan creates, deletes or renames files, but this run may only edit existing files (--no-file-ops).",
                ask="Leave out create, delete and rename.",
            )
        return normalize_plan(plan, engine.workspace, eligible, MODEL)

    want = 1 + engine.settings.edit.max_reasks
    plan = await budget.spend(lambda n: ask_until_valid(backend, request, parse, n), want, "planning")
    check_plan(plan, limits)
    return plan, pack


MODEL = "The model"  # ``who`` for a plan the model wrote (its mistakes are re-asked)


def normalize_plan(
    plan: Plan, workspace: Workspace, eligible: set[str] | None, who: str, excluded: Callable[[str], bool] | None = None
) -> Plan:
    """``_normalize_plan``; for a plan a person wrote (``who`` other than ``MODEL``: a plan file, an
    edited plan) a path it may not name is bad input: InputError (exit 3), nothing to re-ask."""
    try:
        return _normalize_plan(plan, workspace, eligible, who, excluded)
    except GenerationError as exc:
        if who == MODEL:
            raise
        raise InputError(f"{who} cannot run: {exc.for_model()}") from exc


def _normalize_plan(
    plan: Plan, workspace: Workspace, eligible: set[str] | None, who: str, excluded: Callable[[str], bool] | None = None
) -> Plan:
    """The plan with every path confined and made workspace-relative; duplicates within a step dropped.

    ``files``, ``delete`` and ``rename.from`` must name existing eligible files, or files an
    earlier step (or this step's renames) creates; ``create`` and ``rename.to`` must name new
    paths inside the workspace that context rules do not exclude (``excluded``, default
    ``context.files.is_excluded``). A step's ``files`` naming a path this step renames away means
    the moved file. Raises LeashError (stop the run) or GenerationError (re-ask), see ``edits.guards``.
    """
    if excluded is None:
        excluded = partial(is_excluded, workspace.root)
    made: set[str] = set()  # created or renamed to by the steps so far: they exist once those run
    gone: set[str] = set()  # deleted or renamed away by the steps so far

    def old(path: str) -> str:
        rel = _rel_or_none(workspace, path)
        if rel is not None and rel in made:
            return rel
        if rel is not None and rel in gone:
            raise GenerationError(f"{path!r} was deleted or renamed by an earlier step; a later step cannot name it.")
        return confine(workspace, path, eligible, who)

    def new(path: str) -> str:
        rel = _rel_or_none(workspace, path)
        if rel is not None and rel in made:
            raise GenerationError(f"{path!r} is created twice in the plan.", ask="Create it once and edit it with `files` after.")
        rel = confine_new(workspace, path, excluded, who)
        made.add(rel)
        gone.discard(rel)
        return rel

    steps = []
    for step in plan.steps:
        renames = []
        for move in step.rename:
            source = old(move.from_)
            gone.add(source)
            made.discard(source)
            renames.append(PlanRename(from_=source, to=new(move.to)))
        moved = {r.from_: r.to for r in renames}
        deletes = _unique(old(path) for path in step.delete)
        gone.update(deletes)
        made.difference_update(deletes)
        creates = _unique(new(path) for path in step.create)
        files = _unique(moved.get(rel, rel) for rel in (_moved_or_old(path, moved, workspace, old) for path in step.files))
        if set(files) & set(deletes):
            raise GenerationError("A step cannot both edit and delete the same file.")
        steps.append(PlanStep(intent=" ".join(step.intent.split()), files=files, create=creates, delete=deletes, rename=renames))
    return Plan(steps=steps)


def _moved_or_old(path: str, moved: dict[str, str], workspace: Workspace, old: Callable[[str], str]) -> str:
    rel = _rel_or_none(workspace, path)
    if rel is not None and (rel in moved or rel in moved.values()):
        return rel
    return old(path)


def _rel_or_none(workspace: Workspace, path: str) -> str | None:
    try:
        return workspace.rel(path)
    except InputError:
        return None


def _unique(paths: Iterable[str]) -> list[str]:
    out: list[str] = []
    for path in paths:
        if path not in out:
            out.append(path)
    return out


def check_plan(plan: Plan, limits: LeashLimits) -> None:
    """Refuse a plan that reaches further than the repo level's leash."""
    if len(plan.steps) > limits.max_steps:
        raise LeashError(
            f"The plan has {len(plan.steps)} steps; the repo level allows {limits.max_steps}. The run was stopped "
            "before any edit. Narrow the task, edit the plan (--plan-only, then --plan FILE) or raise the limit."
        )
    files = plan.files()
    if len(files) > limits.max_files:
        raise LeashError(
            f"The plan edits {len(files)} files; the repo level allows {limits.max_files} (--max-files; "
            "created, deleted and renamed files count too). "
            "The run was stopped before any edit. Narrow the task or edit the plan."
        )
