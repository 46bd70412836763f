"""`tether bench edit-quality` against its SCRIPTED adversarial server, and its damage detector.

No model runs here: the bench's own scripted OpenAI-compatible server plays hostile replies,
and injected edit functions hand the judge exact proposals (damaging, harmless, invalid) so the
verdicts do not rest on any model's wording or on how the current pipeline reads replies.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tether.bench.edit_quality import Task, default_seeds, load_tasks, run_tasks
from tether.bench.edit_quality_damage import damage, open_fence, warnings_for
from tether.bench.edit_quality_hostile import KINDS, script_for
from tether.cli import main
from tether.config import load_settings
from tether.errors import GenerationError
from tether.proposals import Proposal, build_file_change
from tether.slider import Level

SEEDS = default_seeds()
CASE_KEYS = {
    "task",
    "kind",
    "file",
    "lines",
    "seconds",
    "tries",
    "replies",
    "failed_reply_kinds",
    "outcome",
    "valid",
    "changed_lines",
    "damaged",
    "damage",
    "warnings",
    "done",
    "error",
}


def _seed_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(SEEDS.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(SEEDS).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def test_scripted_adversarial_bench_json_shape(tmp_path, capsys):
    before = _seed_digest()
    names = ["sel_fix_perimeter", "sel_crlf_fix_truncate", "file_toml_bump_version"]
    args = ["-C", str(tmp_path), "bench", "edit-quality", "--backend", "scripted-adversarial", "--json"]
    assert main(args + [arg for name in names for arg in ("--only", name)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["bench"] == "edit-quality" and data["backend"] == "scripted-adversarial"
    assert data["tasks"] == 3 and [c["task"] for c in data["cases"]] == names
    outcomes = sum(data[k] for k in ("proposals", "no_change", "errors", "invalid_proposals", "crashes"))
    assert outcomes == 3 and data["valid"] == data["proposals"] + data["no_change"]
    assert data["crashes"] == 0 and data["invalid_proposals"] == 0
    assert 0 <= data["valid_share"] <= 1 and data["tries_max"] >= 1
    for case in data["cases"]:
        assert CASE_KEYS <= set(case)
        assert case["tries"] == len(case["replies"]) >= 1  # every scripted reply is judged
        assert case["script"] and set(case["script"]) <= set(KINDS)
        assert case["damaged"] == bool(case["damage"])
        assert (case["error"] is None) == case["valid"]
    assert data["damaged"] == len(data["damaged_tasks"])
    served = sum(row["served"] for row in data["by_kind"].values())
    assert served == sum(c["tries"] for c in data["cases"])
    assert _seed_digest() == before  # runs work on copies; seeds never change


def test_scripted_task_list_and_subsets():
    tasks = load_tasks(SEEDS)
    assert len(tasks) >= 30 and len({t.name for t in tasks}) == len(tasks)
    assert {Path(t.file).suffix for t in tasks} >= {".py", ".md", ".toml", ".json"}
    assert any(t.lines for t in tasks) and any(not t.lines and t.anchors for t in tasks)
    assert [t.name for t in load_tasks(SEEDS, limit=2)] == [t.name for t in tasks[:2]]
    for task in tasks:  # every hostile script builds for every task
        text = (SEEDS / "workspace" / task.file).read_bytes().decode("utf-8")
        assert len(script_for(0, task.file, text, task.selection, "x = 1\n")) == 3


def _proposal(task: Task, base: str, new: str) -> Proposal:
    return Proposal(
        level=Level.SELECTION if task.lines else Level.FILE, instruction=task.instruction, files=[build_file_change(task.file, base, new)]
    )


async def test_scripted_judge_counts_damaging_proposals(tmp_path):
    """Injected proposals: each kind of damage is counted, harmless ones and errors are not."""

    def rewrite(task: Task, text: str) -> str:
        lines = text.splitlines(keepends=True)
        if task.name == "outside":  # a line above the selection changes
            lines[0] = lines[0].replace("Plane", "Flat")
        elif task.name == "inside":  # only the selection changes
            lines[8] = lines[8].replace("r * r", "r ** 2")
        elif task.name == "anchor":  # a whole-file edit loses an anchor definition
            lines = [line for line in lines if not line.startswith("def rect_area")]
        elif task.name == "toml":
            lines.append("[project\n")
        elif task.name == "crlf":  # a kept line's CRLF becomes LF
            lines[3] = lines[3].replace("\r\n", "\n")
        return "".join(lines)

    async def edit(engine, task: Task) -> Proposal:
        base = engine.workspace.read_text(task.file)
        if task.name == "error":
            raise GenerationError("The model's reply was still unusable after 3 tries; nothing was changed.")
        if task.name == "crash":
            raise RuntimeError("boom")
        if task.name == "stale":  # a proposal made from other text: its diff cannot apply
            return _proposal(task, base.replace("math", "cmath"), base.replace("math", "numpy"))
        return _proposal(task, base, rewrite(task, base))

    tasks = [
        Task(name="outside", file="geometry.py", instruction="x", lines=(8, 9)),
        Task(name="inside", file="geometry.py", instruction="x", lines=(8, 9)),
        Task(name="anchor", file="geometry.py", instruction="x", anchors=["def rect_area(w, h):"]),
        Task(name="toml", file="pyproject.toml", instruction="x", anchors=["[project]"]),
        Task(name="crlf", file="textutils.py", instruction="x"),
        Task(name="error", file="geometry.py", instruction="x"),
        Task(name="crash", file="geometry.py", instruction="x"),
        Task(name="stale", file="geometry.py", instruction="x"),
    ]
    result = await run_tasks(load_settings(tmp_path, env={}), tasks, SEEDS, edit)
    cases = {c["task"]: c for c in result["cases"]}
    assert result["damaged_tasks"] == ["outside", "anchor", "toml", "crlf"]
    assert cases["outside"]["damage"][0].startswith("region: line 1 ")
    assert cases["anchor"]["damage"] == ["region: anchor lost: 'def rect_area(w, h):'"]
    assert cases["toml"]["damage"][0].startswith("parse: toml:")
    assert any(r.startswith("form: line 4 ") for r in cases["crlf"]["damage"])
    assert cases["inside"]["valid"] and not cases["inside"]["damaged"] and cases["inside"]["changed_lines"] == 2
    assert cases["error"]["outcome"] == "error" and not cases["error"]["damaged"]
    assert cases["error"]["error"]["type"] == "GenerationError"
    assert cases["crash"]["outcome"] == "crash" and cases["crash"]["error"]["type"] == "RuntimeError"
    assert cases["stale"]["outcome"] == "invalid_proposal" and not cases["stale"]["valid"]
    assert result["valid"] == 5 and result["errors"] == 1 and result["crashes"] == 1


@pytest.mark.parametrize(
    ("path", "before", "after", "selection", "anchors", "expected"),
    [
        ("a.md", "# t\n\n```sh\nls\n```\n", "# t\n\n```sh\nls\n", None, [], ["parse: markdown"]),
        ("a.md", "x\n", "x\n~~~\ny\n", None, [], ["parse: markdown"]),
        ("a.json", '{"a": 1}\n', '{"a": 1,}\n', None, [], ["parse: json"]),
        ("a.py", "x = 1\n", "x = (1\n", None, [], ["parse: python"]),
        ("a.py", "\ufeffx = 1\n", "x = 2\n", None, [], ["form: byte order mark removed"]),
        ("a.py", "x = 1\ny = 2", "x = 1\ny = 3\n", (1, 2), [], ["form: final newline added"]),
        ("a.py", "a = 1\r\nb = 2\r\n", "a = 1\r\nb = 3\n", (1, 2), [], ["form: line breaks the file did not use: LF"]),
        ("a.py", "a = 1\nb = 2\nc = 3\n", "a = 1\nb = 9\n", (1, 2), [], ["region: the 1 lines after"]),
        ("a.py", "def f(:\n", "def g(:\n", None, [], []),  # it did not parse before
        ("a.txt", "a\nb\n", "a\nB\n", None, ["a"], []),
    ],
)
def test_scripted_damage_kinds(path, before, after, selection, anchors, expected):
    reasons = damage(path, before, after, selection, anchors)
    assert len(reasons) == len(expected)
    for reason, prefix in zip(reasons, expected, strict=True):
        assert reason.startswith(prefix), reasons


def test_scripted_fences_and_warnings():
    assert open_fence("````md\n```\n````\n") is None  # a shorter fence does not close a longer one
    assert open_fence("```py\nx\n~~~\n") == "```py"
    before = "def a():\n    return 1\n\n\ndef b():\n    return 2\n\n\ndef c():\n    return 3\n"
    echoed = before + "\n\n" + before  # the whole file written where lines 9-10 (c) were asked for
    assert any(w.startswith("echo:") for w in warnings_for("a.py", before, echoed[: -len("def c():\n    return 3\n")], (8, 10)))
    assert warnings_for("a.py", before, before.replace("return 3", "return 4"), (8, 10)) == []
    assert warnings_for("a.py", before, before + "<think>\n", None) == ["artefact: added lines hold <think>"]
    pasted = before.replace("    return 3\n", "".join(f"    x{i} = {i}\n" for i in 30 * [0]) + "    return 3\n")
    assert warnings_for("a.py", before, pasted, (8, 10)) == ["growth: the selection went from 2 to 32 lines"]
    assert warnings_for("a.py", before, before + before, None, ["def c():"])[0].startswith("echo: anchor")
