"""`tether repo` and `tether undo` through the installed entry point, on a SCRIPTED endpoint.

The model is the scripted OpenAI-compatible server (tests/fixtures/openai_server.py), set up
through TETHER_* environment variables as a CI job would; everything else is real: git
repositories, the check command, the exit codes, stdout and stderr.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

from tests.conftest import git
from tests.fixtures.openai_server import Reply
from tests.repo.helpers import CALC, calc_repo

MUL = CALC + "\n\ndef mul(a, b):\n    return a * b\n"
TASK = "Add a function mul(a, b) to calc.py that returns a * b."
CHECK = shlex.join([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])


def env_for(server) -> dict[str, str]:
    slot = {"backend": "openai", "base_url": server.base_url, "model": "scripted-model", "max_retries": 0}
    return {"TETHER_LEVEL": "repo", "TETHER_MODELS__ADV": json.dumps(slot), "TETHER_ROLES__EDIT": '["adv"]'}


def plan(*files: str) -> Reply:
    return Reply(text=json.dumps({"steps": [{"intent": f"Edit {f}", "files": [f]} for f in files]}))


def test_scripted_repo_cli_prints_the_diff_writes_output_and_applies_on_a_branch(tether, tmp_path, openai_server):
    root = calc_repo(tmp_path)
    env = env_for(openai_server)
    openai_server.script(plan("calc.py"), Reply(text=MUL))
    out = tmp_path / "changes.diff"
    result = tether("-C", str(root), "repo", "-m", TASK, "--check", CHECK, "--output", str(out), env=env)
    assert result.returncode == 0, result.stderr
    assert "+def mul(a, b):" in result.stdout and out.read_text() == result.stdout
    assert "Done: 1 proposal," in result.stderr and "1. Edit calc.py  [calc.py]" in result.stderr
    assert (root / "calc.py").read_text() == CALC
    check = subprocess.run(["git", "apply", "--check", str(out)], cwd=root, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr

    openai_server.script(plan("calc.py"), Reply(text=MUL))
    result = tether("-C", str(root), "repo", "-m", TASK, "--check", CHECK, "--branch", "tether/mul", "--json", env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["success"] and report["applied"] and len(report["commits"]) == 1
    assert report["proposals"][0]["status"] == "done"
    assert git(root, "rev-parse", "--abbrev-ref", "HEAD").strip() == "tether/mul"
    message = git(root, "log", "-1", "--format=%B")
    assert message.startswith("tether: Edit calc.py") and f"Task: {TASK}" in message and "Proposal: " in message
    assert git(root, "status", "--porcelain").strip() == ""

    undo = tether("-C", str(root), "undo", "--run", env=env)
    assert undo.returncode == 0, undo.stderr
    assert "restored calc.py" in undo.stdout and (root / "calc.py").read_text() == CALC
    assert tether("-C", str(root), "undo", env=env).returncode == 9  # nothing applied is left


def test_scripted_repo_cli_exit_codes(tether, tmp_path, openai_server):
    root = calc_repo(tmp_path)
    env = env_for(openai_server)
    openai_server.script(plan("../../etc/passwd"))
    result = tether("-C", str(root), "repo", "-m", TASK, env=env)
    assert result.returncode == 7 and "outside the workspace" in result.stderr and result.stdout == ""

    # the check fails before any edit (the test wants mul) and the same way after: its own exit code, 11
    openai_server.script(plan("calc.py"), Reply(text=CALC.replace("a - b", "b - a")))
    result = tether("-C", str(root), "repo", "-m", TASK, "--check", CHECK, "--apply", env=env)
    assert result.returncode == 11 and "Error: The check already fails before any edit" in result.stderr
    assert "nothing was applied" in result.stderr and (root / "calc.py").read_text() == CALC

    # a check that passed before the edits and fails after them: exit 10
    sub_check = shlex.join([sys.executable, "-c", "import calc; assert calc.sub(5, 3) == 2"])
    openai_server.script(plan("calc.py"), Reply(text=CALC.replace("a - b", "b - a")))
    result = tether("-C", str(root), "repo", "-m", TASK, "--check", sub_check, "--apply", env=env)
    assert result.returncode == 10 and "check failed" in result.stderr and "Nothing was applied" in result.stderr
    assert (root / "calc.py").read_text() == CALC
    # one error line, then the check's output tail as an indented detail block
    lines = result.stderr.splitlines()
    error_at = next(i for i, line in enumerate(lines) if line.startswith("Error: "))
    detail = lines[error_at + 1 :]
    assert detail and all(line.startswith("  ") for line in detail) and any("AssertionError" in line for line in detail)

    (root / "calc.py").write_text(CALC + "# wip\n")
    result = tether("-C", str(root), "repo", "-m", TASK, env=env)
    assert result.returncode == 8 and "uncommitted changes (calc.py)" in result.stderr
    git(root, "checkout", "--", "calc.py")

    result = tether("-C", str(root), "repo", "-m", TASK, "--branch", "main", env=env)
    assert result.returncode == 3 and "already exists" in result.stderr
    result = tether("-C", str(root), "repo", env=env)
    assert result.returncode == 3 and "Say what to change" in result.stderr


def test_scripted_repo_cli_plan_only_then_run_the_edited_plan_file(tether, tmp_path, openai_server):
    root = calc_repo(tmp_path)
    env = env_for(openai_server)
    openai_server.script(plan("app.py"))
    plan_file = tmp_path / "plan.toml"
    result = tether("-C", str(root), "repo", "-m", TASK, "--plan-only", "--output", str(plan_file), env=env)
    assert result.returncode == 0, result.stderr
    assert 'files = ["app.py"]' in result.stdout and plan_file.read_text() == result.stdout
    plan_file.write_text(plan_file.read_text().replace('"app.py"', '"calc.py"').replace("Edit app.py", "Add mul"))
    openai_server.script(Reply(text=MUL))
    result = tether("-C", str(root), "repo", "--plan", str(plan_file), "--apply", env=env)
    assert result.returncode == 0, result.stderr
    assert "Plan (user)" in result.stderr and (root / "calc.py").read_text() == MUL
    assert len(openai_server.posts("/chat/completions")) == 2  # the plan file saved a planning call
    bad = tmp_path / "bad.toml"
    bad.write_text('[[steps]]\nintent = "x"\nfiles = ["calc.py"]\nshell = "make"\n')
    result = tether("-C", str(root), "repo", "-m", TASK, "--plan", str(bad), "--allow-dirty", env=env)
    assert result.returncode == 3 and "does not match the plan format" in result.stderr
