"""The repo agent's plumbing on the bundled model through llama.cpp (real GGUF, constrained output).

SmolLM2-135M cannot be relied on to do a task well; what these tests hold it to is what holds
for any reply: its plan and its line edits are grammar-bound by the JSON schemas, so a reply
parses and an edit applies, or the run ends in a clear GenerationError; nothing is written to
the workspace. The agent's behaviour on exact replies is in test_repo_agent_scripted.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import make_git_repo
from tests.repo.helpers import snapshot

from tether.config import load_settings
from tether.engine import Engine
from tether.ops.gather import default_providers
from tether.ops.repo import run_repo
from tether.ops.repo_models import RepoOptions

pytestmark = pytest.mark.model

FILES = {"people.py": "def is_adult(age):\n    return age > 18\n", "tests/test_people.py": "from people import is_adult\n"}
TASK = "In people.py, is_adult must return True for age 18 too: use >= instead of >."


@pytest.fixture
def engine(tmp_path: Path, bundled_gguf: Path):
    root = make_git_repo(tmp_path / "people", FILES)
    settings = load_settings(root, env={}, overrides={"level": "repo", "models": {"bundled": {"path": str(bundled_gguf), "n_ctx": 2048}}})
    engine = Engine(settings, root)
    engine.providers = default_providers(engine)
    yield engine


async def test_bundled_model_plan_is_schema_valid_and_names_only_workspace_code(engine):
    before = snapshot(engine.workspace.root)
    # file_ops=False: the schema before file operations, whose enum makes the assertions below hold for any reply
    run = await run_repo(engine, RepoOptions(task=TASK, plan_only=True, max_steps=2, file_ops=False))
    await engine.aclose()
    assert snapshot(engine.workspace.root) == before
    if run.status != "planned":  # a reply that stayed unusable (e.g. cut off) is a clear error, never a plan
        assert run.error is not None and run.error.type == "GenerationError" and run.error.message, run.model_dump()
        assert run.plan is None or not run.plan.steps
        return
    assert run.replies == run.replies_valid == run.model_calls == 1
    assert 1 <= len(run.plan.steps) <= 2
    # the schema's enum holds the workspace's files, tests left out since the task is not about them
    assert set(run.plan.files()) == {"people.py"}
    assert engine.store.get(run.id).kind == "plan"


async def test_bundled_model_line_edits_are_always_well_formed_and_write_nothing(engine):
    before = snapshot(engine.workspace.root)
    options = RepoOptions(task=TASK, max_steps=1, edit_format="lines", max_model_calls=4, file_ops=False)
    run = await run_repo(engine, options)
    await engine.aclose()
    assert run.replies >= 2 and run.replies_well_formed == run.replies, run.model_dump()
    assert run.status == "done" or run.error.type in ("GenerationError", "LeashError"), run.error
    assert snapshot(engine.workspace.root) == before
    for proposal_id in run.proposals:
        assert engine.store.get(proposal_id).files[0].path == "people.py"
