"""`tether repo --list` and `--continue RUN_ID`: a planned run is found and run later, on a SCRIPTED endpoint.

The same journal serves the editor (tether/listRuns, tether.editRepo {planId}): a run planned
here can be run from VS Code and the other way round. Real git repository, real entry point.
"""

from __future__ import annotations

import json

from tests.cli.test_repo_cli import MUL, TASK, env_for, plan
from tests.fixtures.openai_server import Reply
from tests.repo.helpers import CALC, calc_repo


def test_scripted_planned_run_is_listed_then_continued_and_applied(tether, tmp_path, openai_server):
    root = calc_repo(tmp_path)
    env = env_for(openai_server)
    assert tether("-C", str(root), "repo", "--list", env=env).stdout == ""
    openai_server.script(plan("calc.py"))
    planned = tether("-C", str(root), "repo", "-m", TASK, "--plan-only", "--json", env=env)
    assert planned.returncode == 0, planned.stderr
    run_id = json.loads(planned.stdout)["id"]
    assert f"`tether repo --continue {run_id}`" in planned.stderr
    (root / ".tether" / "runs" / "0badc0ffee00.json").write_text("{half a journal", encoding="utf-8")
    listed = tether("-C", str(root), "repo", "--list", env=env)
    assert listed.returncode == 0 and listed.stdout.startswith(f"{run_id}  planned  {TASK[:60]}")
    assert "0badc0ffee00" not in listed.stdout and "unreadable run journal" in listed.stderr

    openai_server.script(Reply(text=MUL))
    done = tether("-C", str(root), "repo", "--continue", run_id[:6], "--apply", env=env)
    assert done.returncode == 0, done.stderr
    assert "+def mul(a, b):" in done.stdout and (root / "calc.py").read_text() == MUL
    runs = json.loads(tether("-C", str(root), "repo", "--list", "--json", env=env).stdout)
    assert [(r["id"], r["status"], r["success"]) for r in runs] == [(run_id, "done", True)]
    again = tether("-C", str(root), "repo", "--continue", run_id, "--allow-dirty", env=env)
    assert again.returncode == 9 and "only a planned run" in again.stderr
    assert (root / "calc.py").read_text() != CALC
