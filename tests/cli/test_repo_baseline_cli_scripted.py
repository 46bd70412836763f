"""`tether repo --check` on a tree where the check already fails, through the installed entry point, SCRIPTED model.

A real failing check (``python -c 'raise SystemExit(1)'``) and a check that prints its
VIRTUAL_ENV and PATH: the baseline failure gets exit code 11 and its own message in the plain
and the JSON output, no re-ask is spent on it, and the check runs without tether's virtualenv
unless ``--check-env inherit``.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path

from tests.cli.test_repo_cli import MUL, TASK, env_for, plan
from tests.fixtures.openai_server import Reply
from tests.repo.helpers import calc_repo

FAILS = shlex.join([sys.executable, "-c", "raise SystemExit(1)"])
SHOW_ENV = shlex.join(
    [
        sys.executable,
        "-c",
        "import os; print('VENV=' + str(os.environ.get('VIRTUAL_ENV'))); print('PATH=' + os.environ['PATH']); raise SystemExit(1)",
    ]
)
VENV_BIN = str(Path(sys.prefix) / "bin")


def test_scripted_repo_cli_reports_a_check_failing_before_any_edit_plain_and_json(tether, tmp_path, openai_server):
    root = calc_repo(tmp_path)
    env = env_for(openai_server)
    openai_server.script(plan("calc.py"), Reply(text=MUL))
    result = tether("-C", str(root), "repo", "-m", TASK, "--check", FAILS, "--check-reasks", "3", "--apply", env=env)
    assert result.returncode == 11, result.stderr
    assert "+def mul(a, b):" in result.stdout  # the proposals are still there to review
    assert "Warning: The check already fails before any edit" in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: The check already fails before any edit: `") and "failed (exit 1)" in last
    assert "failed the check" not in result.stderr and "nothing was applied" in last
    assert len(openai_server.posts("/chat/completions")) == 2  # the plan and one edit: no re-ask
    assert (root / "calc.py").read_text() != MUL

    openai_server.script(plan("calc.py"), Reply(text=MUL))
    result = tether("-C", str(root), "repo", "-m", TASK, "--check", FAILS, "--json", env=env)
    assert result.returncode == 11
    report = json.loads(result.stdout)
    assert report["baseline_failed"] and not report["baseline_check"]["passed"] and not report["success"]
    assert report["model_calls"] == 2 and report["steps"][0]["attempts"] == 1
    assert "the check already fails before any edit" in report["outcome"]
    assert report["error"]["type"] == "BaselineCheckError" and report["error"]["exit_code"] == 11  # one JSON document


def test_scripted_repo_cli_check_runs_without_tethers_virtualenv_unless_inherited(tether, tmp_path, openai_server):
    root = calc_repo(tmp_path)
    env = {**env_for(openai_server), "VIRTUAL_ENV": sys.prefix, "PATH": os.pathsep.join([VENV_BIN, os.environ["PATH"]])}
    for flags, inherited in (([], False), (["--check-env", "inherit"], True)):
        openai_server.script(plan("calc.py"), Reply(text=MUL))
        result = tether("-C", str(root), "repo", "-m", TASK, "--check", SHOW_ENV, "--json", *flags, env=env)
        assert result.returncode == 11, result.stderr
        seen = dict(line.split("=", 1) for line in json.loads(result.stdout)["baseline_check"]["output"].splitlines() if "=" in line)
        assert (seen["VENV"] == sys.prefix) is inherited
        assert (VENV_BIN in seen["PATH"].split(os.pathsep)) is inherited
