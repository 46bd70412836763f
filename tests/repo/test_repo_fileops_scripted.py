"""The repo agent creating, deleting and renaming files, against a SCRIPTED OpenAI-compatible server.

Real git repositories, the real agent, proposal store, review and undo; only the model's replies
are scripted. Each file operation is a proposal like any other: reviewed per file, journaled,
undoable, confined to the workspace, and counted by the leash.
"""

from __future__ import annotations

import json
import os

import pytest
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer
from tests.repo.helpers import APP, CALC, scripted_engine, snapshot

from tether.errors import StaleError
from tether.ops.repo import apply_run, run_repo
from tether.ops.repo_models import RepoOptions
from tether.ops.review import accept_on_disk, reject
from tether.ops.undo import undo_proposal, undo_run

HELPERS = "def double(x):\n    return 2 * x\n"
TASK = "Reorganise the calc package."


def plan_reply(*steps: dict) -> Reply:
    return Reply(text=json.dumps({"steps": [{"files": [], **step} for step in steps]}))


def chats(server: ScriptedOpenAIServer) -> list[dict]:
    return [r.body for r in server.posts("/chat/completions")]


async def test_scripted_run_creates_a_file_reviewed_accepted_and_undone(calc_repo, openai_server):
    openai_server.script(
        plan_reply({"intent": "Add a helpers module with double()", "create": ["pkg/helpers.py"]}),
        Reply(text=f"```python\n{HELPERS}```\n"),
    )
    engine = scripted_engine(calc_repo, openai_server)
    before = snapshot(calc_repo)
    run = await run_repo(engine, RepoOptions(task=TASK))
    assert run.status == "done", run.outcome()
    assert run.model_calls == 2 and run.files == ["pkg/helpers.py"] and run.changed_lines == 2
    assert run.diff.startswith("diff --git a/pkg/helpers.py b/pkg/helpers.py\nnew file mode 100644\n--- /dev/null\n")
    asked = chats(openai_server)[1]["messages"][-1]["content"]
    assert "Write the new file pkg/helpers.py" in asked and "Add a helpers module" in asked
    proposal = engine.store.get(run.proposals[0])
    change = proposal.files[0]
    assert (change.op, change.path, change.base_text, change.new_text) == ("create", "pkg/helpers.py", "", HELPERS)
    assert len(change.hunks) == 1 and change.hunks[0].old_lines == [] and change.hunks[0].diff.startswith("@@ -0,0 +1,2 @@")
    assert snapshot(calc_repo) == before  # nothing written until accepted
    accept_on_disk(engine, proposal.id)
    assert (calc_repo / "pkg/helpers.py").read_text() == HELPERS
    assert engine.store.get(proposal.id).status == "done"
    assert undo_proposal(engine).id == proposal.id
    assert not (calc_repo / "pkg/helpers.py").exists() and snapshot(calc_repo) == before
    assert engine.store.get(proposal.id).status == "pending"
    await engine.aclose()


async def test_scripted_run_deletes_a_file_reject_leaves_it_and_undo_recreates_it(calc_repo, openai_server):
    openai_server.script(plan_reply({"intent": "Remove the unused app module", "delete": ["app.py"]}))
    engine = scripted_engine(calc_repo, openai_server)
    before = snapshot(calc_repo)
    run = await run_repo(engine, RepoOptions(task=TASK))
    assert run.status == "done" and run.model_calls == 1, run.outcome()  # the deletion needed no model call
    assert "deleted file mode 100644\n--- a/app.py\n+++ /dev/null\n" in run.diff
    proposal = engine.store.get(run.proposals[0])
    change = proposal.files[0]
    assert change.op == "delete" and change.new_text == "" and change.hunks[0].changed_lines == len(APP.splitlines())
    reject(engine, proposal.id)
    assert snapshot(calc_repo) == before and engine.store.get(proposal.id).status == "rejected"
    # a second run, accepted this time, then undone
    openai_server.script(plan_reply({"intent": "Remove the unused app module", "delete": ["app.py"]}))
    run = await run_repo(engine, RepoOptions(task=TASK))
    accept_on_disk(engine, run.proposals[0])
    assert not (calc_repo / "app.py").exists()
    undo_run(engine)
    assert (calc_repo / "app.py").read_text() == APP and snapshot(calc_repo) == before
    await engine.aclose()


async def test_scripted_run_renames_a_file_with_its_edit_and_undo_renames_it_back(calc_repo, openai_server):
    edited = CALC.replace("def add(a, b):", "def add(a, b):  # moved")
    openai_server.script(
        plan_reply({"intent": "Move calc.py to arith.py", "rename": [{"from": "calc.py", "to": "arith.py"}], "files": ["arith.py"]}),
        Reply(text=edited),
    )
    engine = scripted_engine(calc_repo, openai_server)
    before = snapshot(calc_repo)
    run = await run_repo(engine, RepoOptions(task=TASK))
    assert run.status == "done" and run.model_calls == 2, run.outcome()
    assert run.diff.startswith("diff --git a/calc.py b/arith.py\nrename from calc.py\nrename to arith.py\n--- a/calc.py\n+++ b/arith.py\n")
    assert run.files == ["arith.py"] and len(run.proposals) == 1
    change = engine.store.get(run.proposals[0]).files[0]
    assert (change.op, change.old_path, change.path, change.new_text) == ("rename", "calc.py", "arith.py", edited)
    assert apply_run(engine, run) == []
    assert not (calc_repo / "calc.py").exists() and (calc_repo / "arith.py").read_text() == edited
    undo_run(engine)
    assert snapshot(calc_repo) == before
    # a rename without edits: one empty hunk stands for the move, and no model call is made
    openai_server.script(plan_reply({"intent": "Move app.py", "rename": [{"from": "app.py", "to": "main.py"}]}))
    run = await run_repo(engine, RepoOptions(task=TASK))
    change = engine.store.get(run.proposals[0]).files[0]
    assert run.model_calls == 1 and len(change.hunks) == 1 and change.hunks[0].changed_lines == 0
    assert "similarity index 100%\nrename from app.py\nrename to main.py\n" in run.diff
    accept_on_disk(engine, run.proposals[0], [change.hunks[0].id])
    assert (calc_repo / "main.py").read_text() == APP and not (calc_repo / "app.py").exists()
    await engine.aclose()


async def test_scripted_file_operations_are_decided_per_file(calc_repo, openai_server):
    # one step creating two files: two proposals, one accepted, one rejected
    openai_server.script(
        plan_reply({"intent": "Add two modules", "create": ["one.py", "two.py"]}),
        Reply(text="```python\nONE = 1\n```"),
        Reply(text="```python\nTWO = 2\n```"),
    )
    engine = scripted_engine(calc_repo, openai_server)
    run = await run_repo(engine, RepoOptions(task=TASK))
    first, second = (engine.store.get(pid) for pid in run.proposals)
    accept_on_disk(engine, first.id)
    reject(engine, second.id)
    assert (calc_repo / "one.py").read_text() == "ONE = 1\n" and not (calc_repo / "two.py").exists()
    await engine.aclose()


async def test_scripted_new_file_reply_is_validated_like_a_rewrite(calc_repo, openai_server):
    openai_server.script(
        plan_reply({"intent": "Add helpers", "create": ["helpers.py"]}),
        Reply(text="```python\ndef double(x:\n    return 2 * x\n```"),  # a syntax error: re-asked
        Reply(text="```python\n```"),  # empty: re-asked
        Reply(text=f"```python\n{HELPERS}```"),
    )
    engine = scripted_engine(calc_repo, openai_server)
    run = await run_repo(engine, RepoOptions(task=TASK))
    assert run.status == "done" and run.model_calls == 4 and run.replies_valid == 2, run.outcome()
    reasks = [c["messages"][-1]["content"] for c in chats(openai_server)[2:]]
    assert "syntax error" in reasks[0] and "empty" in reasks[1]
    assert engine.store.get(run.proposals[0]).files[0].new_text == HELPERS
    await engine.aclose()


async def test_scripted_new_deleted_and_renamed_files_count_toward_max_files(calc_repo, openai_server):
    engine = scripted_engine(calc_repo, openai_server)
    before = snapshot(calc_repo)
    openai_server.script(
        plan_reply(
            {"intent": "Add helpers", "create": ["helpers.py"]},
            {"intent": "Drop app", "delete": ["app.py"]},
            {"intent": "Move calc", "rename": [{"from": "calc.py", "to": "arith.py"}]},
        )
    )
    run = await run_repo(engine, RepoOptions(task=TASK, max_files=2))
    assert run.status == "stopped" and run.error.type == "LeashError", run.outcome()
    assert "edits 3 files; the repo level allows 2" in run.error.message and run.proposals == []
    assert snapshot(calc_repo) == before
    await engine.aclose()


@pytest.mark.parametrize(
    "target, kind, says",
    [
        ("../outside.py", "LeashError", "outside the workspace"),
        (".git/hooks/pre-commit", "LeashError", "inside git's or tether's own data"),
        (".tether/evil.json", "LeashError", "inside git's or tether's own data"),
        ("linked/new.py", "LeashError", "outside the workspace"),
        (".env", "LeashError", "looks like it holds secrets"),
        ("app.py", "GenerationError", "already exists"),
    ],
)
async def test_scripted_create_outside_onto_existing_or_into_git_is_refused(calc_repo, openai_server, tmp_path, target, kind, says):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.symlink(outside, calc_repo / "linked")
    openai_server.script(*[plan_reply({"intent": "Write it", "create": [target]})] * 3)
    engine = scripted_engine(calc_repo, openai_server)
    before = snapshot(calc_repo)
    run = await run_repo(engine, RepoOptions(task=TASK))
    assert run.status == "stopped" and run.error.type == kind and says in run.error.message, run.error
    assert run.proposals == [] and snapshot(calc_repo) == before and list(outside.iterdir()) == []
    await engine.aclose()


async def test_scripted_accept_refuses_a_file_that_changed_or_appeared_since(calc_repo, openai_server):
    openai_server.script(
        plan_reply({"intent": "Add helpers", "create": ["helpers.py"]}, {"intent": "Drop app", "delete": ["app.py"]}),
        Reply(text=f"```python\n{HELPERS}```"),
    )
    engine = scripted_engine(calc_repo, openai_server)
    run = await run_repo(engine, RepoOptions(task=TASK, max_steps=2))
    create, delete = run.proposals
    (calc_repo / "helpers.py").write_text("# mine\n")
    (calc_repo / "app.py").write_text(APP + "# mine\n")
    with pytest.raises(StaleError, match="exists now"):
        accept_on_disk(engine, create)
    with pytest.raises(StaleError, match="changed since"):
        accept_on_disk(engine, delete)
    assert (calc_repo / "helpers.py").read_text() == "# mine\n" and (calc_repo / "app.py").read_text() == APP + "# mine\n"
    assert engine.store.get(create).status == "pending" and engine.store.get(create).warnings == []
    # undo refuses a created file that was edited since
    (calc_repo / "helpers.py").unlink()
    accept_on_disk(engine, create)
    (calc_repo / "helpers.py").write_text(HELPERS + "# mine\n")
    with pytest.raises(StaleError, match="changed since tether created it"):
        undo_proposal(engine, create)
    assert (calc_repo / "helpers.py").read_text() == HELPERS + "# mine\n"
    await engine.aclose()


async def test_scripted_later_step_edits_the_file_an_earlier_step_created(calc_repo, openai_server):
    more = HELPERS + "\n\ndef triple(x):\n    return 3 * x\n"
    openai_server.script(
        plan_reply({"intent": "Add helpers", "create": ["helpers.py"]}, {"intent": "Add triple", "files": ["helpers.py"]}),
        Reply(text=f"```python\n{HELPERS}```"),
        Reply(text=more),
    )
    engine = scripted_engine(calc_repo, openai_server)
    run = await run_repo(engine, RepoOptions(task=TASK, max_steps=2))
    assert run.status == "done" and len(run.proposals) == 2, run.outcome()
    assert [engine.store.get(p).files[0].op for p in run.proposals] == ["create", "modify"]
    assert run.diff.count("diff --git") == 1 and "+def triple(x):" in run.diff  # the net change: one new file
    apply_run(engine, run)
    assert (calc_repo / "helpers.py").read_text() == more
    undo_run(engine)
    assert not (calc_repo / "helpers.py").exists()
    await engine.aclose()


async def test_scripted_file_operations_commit_on_a_branch_as_git_sees_them(calc_repo, openai_server):
    import git

    openai_server.script(
        plan_reply(
            {"intent": "Add helpers", "create": ["helpers.py"]},
            {"intent": "Drop app", "delete": ["app.py"]},
            {"intent": "Move calc", "rename": [{"from": "calc.py", "to": "arith.py"}]},
        ),
        Reply(text=f"```python\n{HELPERS}```"),
    )
    engine = scripted_engine(calc_repo, openai_server)
    run = await run_repo(engine, RepoOptions(task=TASK, max_steps=3))
    commits = apply_run(engine, run, branch="tether/files")
    repo = git.Repo(calc_repo)
    assert len(commits) == 3 and repo.active_branch.name == "tether/files" and not repo.is_dirty(untracked_files=True)
    changes = [repo.git.show("--name-status", "--format=", c).strip() for c in commits]
    assert changes == ["A\thelpers.py", "D\tapp.py", "R100\tcalc.py\tarith.py"]
    await engine.aclose()


async def test_scripted_without_file_ops_the_plan_may_only_edit(calc_repo, openai_server):
    openai_server.script(
        plan_reply({"intent": "Add helpers", "create": ["helpers.py"]}),
        plan_reply({"intent": "Add mul", "files": ["calc.py"]}),
        Reply(text=CALC + "\n\ndef mul(a, b):\n    return a * b\n"),
    )
    engine = scripted_engine(calc_repo, openai_server)
    run = await run_repo(engine, RepoOptions(task=TASK, file_ops=False))
    assert run.status == "done" and run.replies == 3 and run.files == ["calc.py"], run.outcome()
    first = chats(openai_server)[0]
    step = first["response_format"]["json_schema"]["schema"]["properties"]["steps"]["items"]
    assert set(step["properties"]) == {"intent", "files"} and step["properties"]["files"]["minItems"] == 1
    assert '"create"' not in first["messages"][-1]["content"]
    assert "Leave out create, delete and rename." in chats(openai_server)[1]["messages"][-1]["content"]
    await engine.aclose()


async def test_scripted_check_sees_created_and_deleted_files_in_its_scratch_copy(tmp_path, openai_server):
    from tests.conftest import make_git_repo
    from tests.repo.helpers import CHECK

    test = (
        "import os\n\nfrom helpers import double\n\n\ndef test_double():\n    assert double(2) == 4\n\n\n"
        "def test_legacy_is_gone():\n    assert not os.path.exists('legacy.py')\n"
    )
    root = make_git_repo(tmp_path / "scratchy", {"calc.py": CALC, "legacy.py": "OLD = True\n", "tests/test_h.py": test})
    openai_server.script(
        plan_reply({"intent": "Add helpers, drop legacy", "create": ["helpers.py"], "delete": ["legacy.py"]}),
        Reply(text=f"```python\n{HELPERS}```"),
    )
    engine = scripted_engine(root, openai_server)
    before = snapshot(root)
    run = await run_repo(engine, RepoOptions(task=TASK, check=CHECK))
    assert not run.baseline_check.passed and run.check.passed and run.success, run.outcome()
    assert snapshot(root) == before  # the check ran in the scratch copy only
    assert sorted(engine.store.get(p).files[0].op for p in run.proposals) == ["create", "delete"]
    await engine.aclose()
