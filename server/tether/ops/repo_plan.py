"""Planning a repo run: ask the model for a schema-bound plan, then hold it to the leash.

The model sees the repo map (files the task mentions first) and a few docs chunks, and answers
with JSON bound by ``edits.plan.plan_schema``: at most ``max_steps`` steps, each naming files
from the workspace. A reply that is not a plan, or names a file that does not exist, is
re-asked (bounded by the model-call budget); a plan that reaches outside the workspace or past
the leash stops the run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..backends.base import Backend, GenerationRequest
from ..backends.runtime import Generation
from ..context.pack import ContextPack, Source
from ..edits.guards import confine, task_mentions_checks, touches_tests
from ..edits.loop import ask_until_valid
from ..edits.plan import Plan, PlanStep, parse_plan_json, plan_max_tokens, plan_schema
from ..errors import GenerationError, LeashError
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
    engine: Engine, backend: Backend, task: str, limits: LeashLimits, tools: RepoTools, budget: CallBudget
) -> tuple[Plan, ContextPack]:
    """The model's plan, checked against the workspace and the leash, and what the model saw."""
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
        pack.add(
            Source(
                kind="docs",
                url=hit.url,
                path=hit.path,
                heading=hit.heading or None,
                start_line=hit.start_line,
                end_line=hit.end_line,
                tokens=hit.tokens,
                untrusted=True,
            ),
            hit.text[:DOCS_CHUNK_CHARS],
        )
    docs = [(item.source.label(), item.text) for item in pack.of_kind("docs")]
    request = GenerationRequest(
        messages=plan_messages(task, repo_map, docs, limits.max_steps, limits.max_files),
        json_schema=plan_schema(files, limits.max_steps, limits.max_files),
        max_tokens=plan_max_tokens(limits.max_steps, limits.max_files),
        temperature=engine.settings.edit.temperature,
    )
    eligible = tools.eligible()

    def parse(generation: Generation) -> Plan:
        if generation.truncated:
            raise GenerationError("The plan was cut off (token limit); write a shorter plan with fewer, shorter steps.")
        return normalize_plan(parse_plan_json(generation.text), engine.workspace, eligible, "The model")

    want = 1 + engine.settings.edit.max_reasks
    plan = await budget.spend(lambda n: ask_until_valid(backend, request, parse, n), want, "planning")
    check_plan(plan, limits)
    return plan, pack


def normalize_plan(plan: Plan, workspace: Workspace, eligible: set[str] | None, who: str) -> Plan:
    """The plan with every path confined and made workspace-relative; duplicates within a step dropped."""
    steps = []
    for step in plan.steps:
        files: list[str] = []
        for path in step.files:
            rel = confine(workspace, path, eligible, who)
            if rel not in files:
                files.append(rel)
        steps.append(PlanStep(intent=" ".join(step.intent.split()), files=files))
    return Plan(steps=steps)


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
            f"The plan edits {len(files)} files; the repo level allows {limits.max_files} (--max-files). "
            "The run was stopped before any edit. Narrow the task or edit the plan."
        )
