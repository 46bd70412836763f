"""The repo agent's plan: steps, each with an intent, the files it edits, and files it creates, deletes or renames.

The model writes the plan as JSON constrained by ``plan_schema`` (a llama.cpp grammar, or
``response_format`` on OpenAI-compatible endpoints); people read and edit it as TOML
(``render_plan`` / ``parse_plan_text``). Both land in the same pydantic model, so a plan from
the model and a plan from a file are checked alike. The schema is inlined (no ``$defs``, which
some versions of llama.cpp's json-schema-to-grammar mishandle) and every list and string in it
is bounded, so constrained generation on a tiny model cannot run on forever.

A step names files four ways (docs/repo.md, "File operations"): ``files`` (existing files to
edit), ``create`` (new files; the model is asked for each one's whole text), ``delete`` (files
to remove; no model call) and ``rename`` (``{"from": OLD, "to": NEW}``; no model call, and the
moved file is edited too when ``files`` names it). A step needs at least one of them.
"""

from __future__ import annotations

import json
import tomllib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..backends.jsonout import extract_json
from ..errors import GenerationError, InputError

INTENT_MAX_CHARS = 200
FILES_PER_STEP_MAX = 4
# Above this many candidate files the schema stops listing them as an enum (the prompt would
# not show them all anyway); paths are then checked after parsing.
ENUM_FILES_MAX = 300
PATH_MAX_CHARS = 200


class PlanRename(BaseModel):
    """Move the file ``from`` (existing) to ``to`` (new); its text moves with it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    from_: str = Field(alias="from", min_length=1, max_length=PATH_MAX_CHARS, description="Workspace-relative path of an existing file.")
    to: str = Field(min_length=1, max_length=PATH_MAX_CHARS, description="Workspace-relative path it moves to (must not exist).")


class PlanStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    intent: str = Field(min_length=1, max_length=INTENT_MAX_CHARS, description="What to change, in one sentence.")
    files: list[str] = Field(
        default_factory=list, max_length=FILES_PER_STEP_MAX, description="Workspace-relative paths of existing files this step edits."
    )
    create: list[str] = Field(
        default_factory=list, max_length=FILES_PER_STEP_MAX, description="New files this step writes (the model writes each whole)."
    )
    delete: list[str] = Field(default_factory=list, max_length=FILES_PER_STEP_MAX, description="Existing files this step deletes.")
    rename: list[PlanRename] = Field(default_factory=list, max_length=FILES_PER_STEP_MAX, description="Files this step moves.")

    @model_validator(mode="after")
    def _names_a_file(self) -> PlanStep:
        if not (self.files or self.create or self.delete or self.rename):
            raise ValueError("a step must name at least one file: files, create, delete or rename")
        return self

    def paths(self) -> list[str]:
        """Every path the step touches, in order: renames (old, new), deletions, creations, edits."""
        seen: list[str] = []
        for path in [p for r in self.rename for p in (r.from_, r.to)] + self.delete + self.create + self.files:
            if path not in seen:
                seen.append(path)
        return seen


class Plan(BaseModel):
    """Steps run in order. The step count is a leash matter (checked by the agent), not a schema error."""

    model_config = ConfigDict(extra="forbid")

    steps: list[PlanStep] = Field(min_length=1)

    def files(self) -> list[str]:
        """Every file the plan touches, in first-mention order, for the ``max_files`` leash.

        Edited, created and deleted files count once each; a rename counts once, as its old path
        (a later edit of the new path under that name counts again).
        """
        seen: list[str] = []
        for step in self.steps:
            for path in step.files + step.create + step.delete + [r.from_ for r in step.rename]:
                if path not in seen and path not in [r.to for r in step.rename]:
                    seen.append(path)
        return seen


def plan_schema(files: list[str] | None, max_steps: int, max_files: int, file_ops: bool = True) -> dict[str, Any]:
    """The JSON schema the model's plan is constrained to, bounded by the leash.

    ``files``: the existing files the plan may name (an enum when there are at most
    ``ENUM_FILES_MAX``); new paths (``create``, ``rename.to``) are bounded strings. Without
    ``file_ops`` a step has ``intent`` and at least one of ``files`` only (the schema before file
    operations existed).
    """
    step = _inline(PlanStep.model_json_schema(by_alias=True))
    step.pop("title", None)
    _strip_titles(step)
    per_step = max(1, min(FILES_PER_STEP_MAX, max_files))
    existing: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": PATH_MAX_CHARS}
    if files and len(files) <= ENUM_FILES_MAX:
        existing = {"enum": list(files)}
    new_path = {"type": "string", "minLength": 1, "maxLength": PATH_MAX_CHARS}
    props = step["properties"]
    props["files"].update(maxItems=per_step, items=existing)
    props["delete"].update(maxItems=per_step, items=existing)
    props["create"].update(maxItems=per_step, items=new_path)
    props["rename"]["maxItems"] = per_step
    props["rename"]["items"]["properties"].update({"from": existing, "to": new_path})
    for prop in props.values():
        prop.pop("default", None)
    step["required"] = ["intent", "files"]  # a grammar-bound model always writes files (maybe [])
    if not file_ops:
        for key in ("create", "delete", "rename"):
            props.pop(key)
        props["files"]["minItems"] = 1
    return {
        "type": "object",
        "properties": {"steps": {"type": "array", "minItems": 1, "maxItems": max(1, max_steps), "items": step}},
        "required": ["steps"],
        "additionalProperties": False,
    }


def _strip_titles(node: Any) -> None:
    if isinstance(node, dict):
        for key in ("title", "description"):
            if isinstance(node.get(key), str):
                node.pop(key)
        for value in node.values():
            _strip_titles(value)
    elif isinstance(node, list):
        for value in node:
            _strip_titles(value)


def plan_max_tokens(max_steps: int, max_files: int) -> int:
    """Enough tokens for the longest plan the schema allows (so a constrained plan is never cut off)."""
    per_step = INTENT_MAX_CHARS // 2 + min(FILES_PER_STEP_MAX, max_files) * 24 * 2 + 48
    return 32 + max(1, max_steps) * per_step


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with every local ``$ref`` replaced by its definition."""
    defs = schema.get("$defs", {})

    def visit(node: Any) -> Any:
        if isinstance(node, list):
            return [visit(x) for x in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            target = dict(defs[node["$ref"].rsplit("/", 1)[-1]])
            return visit({**target, **{k: v for k, v in node.items() if k != "$ref"}})
        return {k: visit(v) for k, v in node.items() if k != "$defs"}

    inlined: dict[str, Any] = visit(schema)  # a dict visits to a dict
    return inlined


def parse_plan_json(text: str) -> Plan:
    """The model's reply as a Plan, or a GenerationError the model can be re-asked with."""
    try:
        data = json.loads(text, strict=False)  # raw newlines in strings: see edits/lines.py
    except ValueError:
        data = extract_json(text)  # raises GenerationError when there is no JSON at all
    return _validate(data, GenerationError, "The plan")


def parse_plan_text(text: str, name: str = "the plan file") -> tuple[Plan, str | None]:
    """A plan a person wrote or edited (TOML as ``render_plan`` writes it, or JSON) and its ``task``, if any."""
    stripped = text.lstrip()
    try:
        data = json.loads(text) if stripped.startswith("{") else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{name} is neither valid TOML nor JSON: {exc}. Fix it and run again.") from exc
    task = None
    if isinstance(data, dict):
        task = data.pop("task", None)
        if task is not None and not isinstance(task, str):
            raise InputError(f"{name}: `task` must be a string.")
    return _validate(data, InputError, name[:1].upper() + name[1:]), task


def _validate(data: Any, error: type[Exception], what: str) -> Plan:
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}" for err in exc.errors()[:5])
        raise error(
            f"{what} does not match the plan format ({problems}). It must be an object "
            '{"steps": [{"intent": "...", "files": ["path", ...]}, ...]}; a step may also have "create": ["new path", ...], '
            '"delete": ["path", ...] or "rename": [{"from": "path", "to": "new path"}].'
        ) from exc


def render_plan(plan: Plan, task: str = "") -> str:
    """The plan as TOML a person can edit and pass back with ``--plan FILE``."""
    lines = ["# tether plan: edit the steps, then run `tether repo --plan THIS_FILE -m TASK`.", ""]
    if task:
        lines += [f"task = {_toml_str(task)}", ""]
    for step in plan.steps:
        lines += ["[[steps]]", f"intent = {_toml_str(step.intent)}"]
        for key in ("files", "create", "delete"):
            paths: list[str] = getattr(step, key)
            if paths or (key == "files" and not step.paths()):
                lines.append(f"{key} = [{', '.join(_toml_str(f) for f in paths)}]")
        if step.rename:
            moves = ", ".join(f"{{from = {_toml_str(r.from_)}, to = {_toml_str(r.to)}}}" for r in step.rename)
            lines.append(f"rename = [{moves}]")
        lines.append("")
    return "\n".join(lines)


def _toml_str(value: str) -> str:
    # JSON string escapes are a subset of TOML basic-string escapes.
    return json.dumps(value, ensure_ascii=False)
