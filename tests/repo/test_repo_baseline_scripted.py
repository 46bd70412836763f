"""A check that already fails on the untouched tree, against a SCRIPTED endpoint: reported as such.

Real git repositories and real check commands; only the model's replies are scripted
(tests/fixtures/openai_server.py). A check failing before any edit is not the edits' fault:
no re-ask is spent on it when the edits leave it failing the same way, and the run ends with
BaselineCheckError (exit 11), not CheckFailedError (exit 10).
"""

from __future__ import annotations

import json
import sys

import pytest
from tests.fixtures.openai_server import Reply
from tests.repo.helpers import CALC, CHECK, scripted_engine

from tether.errors import BaselineCheckError, CheckFailedError
from tether.ops.repo import raise_for_outcome, run_repo
from tether.ops.repo_models import RepoOptions

MUL = CALC + "\n\ndef mul(a, b):\n    return a * b\n"
TASK = "Add a function mul(a, b) to calc.py that returns a * b."
ALWAYS_FAILS = [sys.executable, "-c", "raise SystemExit(1)"]


def plan_reply(*files: str) -> Reply:
    return Reply(text=json.dumps({"steps": [{"intent": f"Edit {f}", "files": [f]} for f in files]}))


async def test_scripted_check_failing_before_any_edit_is_reported_as_such_and_not_reasked(calc_repo, openai_server):
    openai_server.script(
        plan_reply("calc.py", "app.py"),
        Reply(text=MUL),
        Reply(text="import calc\n" + "from calc import add\n\n\ndef total(items):\n    return sum(items)\n"),
    )
    engine = scripted_engine(calc_repo, openai_server)
    run = await run_repo(engine, RepoOptions(task=TASK, check=ALWAYS_FAILS, check_reasks=3))
    assert run.status == "done" and run.baseline_failed and not run.check.passed
    assert run.model_calls == 3 and [s.attempts for s in run.steps] == [1, 1]  # the plan and one call per step: no re-ask
    assert any("already fails before any edit" in w for w in run.warnings)
    assert "the check already fails before any edit" in run.outcome() and "It still fails the same way" in run.outcome()
    with pytest.raises(BaselineCheckError, match="already fails before any edit: `.*` failed \\(exit 1\\)") as caught:
        raise_for_outcome(run)
    assert caught.value.exit_code == 11 and "nothing was applied" in str(caught.value)
    await engine.aclose()


async def test_scripted_failing_baseline_still_reasks_when_the_edits_change_the_failure(calc_repo, openai_server):
    # calc_repo's test imports mul, so the check fails before the task; a wrong mul fails differently: asked again.
    wrong = CALC + "\n\ndef mul(a, b):\n    return a + b\n"
    openai_server.script(plan_reply("calc.py"), Reply(text=wrong), Reply(text=MUL))
    engine = scripted_engine(calc_repo, openai_server)
    run = await run_repo(engine, RepoOptions(task=TASK, check=CHECK))
    assert run.baseline_failed and run.check.passed and run.success, run.outcome()
    assert run.steps[0].attempts == 2
    raise_for_outcome(run)  # passed after the edits: no error
    await engine.aclose()


async def test_scripted_edits_that_break_a_passing_check_are_still_blamed(tmp_path, openai_server):
    from tests.conftest import make_git_repo

    test = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
    root = make_git_repo(tmp_path / "green", {"calc.py": CALC, "tests/test_calc.py": test})
    broken = CALC.replace("return a + b", "return a - b")
    openai_server.script(plan_reply("calc.py"), Reply(text=broken), Reply(text=broken))
    engine = scripted_engine(root, openai_server)
    run = await run_repo(engine, RepoOptions(task="Tidy calc.py.", check=CHECK))
    assert not run.baseline_failed and not run.check.passed and run.steps[0].attempts == 2
    with pytest.raises(CheckFailedError) as caught:
        raise_for_outcome(run)
    assert caught.value.exit_code == 10 and "already fails" not in str(caught.value)
    await engine.aclose()
