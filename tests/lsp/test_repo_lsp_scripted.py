"""``tether.editRepo`` over real stdio, the model being the SCRIPTED OpenAI-compatible server.

The real server process, a real git workspace, a pytest-lsp client acting as an editor; only
the model's replies are scripted (tests/fixtures/openai_server.py), so the test can walk the
whole flow: plan proposal, accept to continue, edit proposals streamed, check approval asked
with window/showMessageRequest, cancellation.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsp_editor import TIMEOUT, command, config, initialize, poll, request
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import LanguageClient
from tests.conftest import make_git_repo
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

pytestmark = [pytest.mark.asyncio(loop_scope="module")]

CALC = "def add(a, b):\n    return a + b\n"
MUL = CALC + "\n\ndef mul(a, b):\n    return a * b\n"
TEST = "from calc import mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n"
CHECK = f"{sys.executable} -m pytest -q -p no:cacheprovider"
TASK = "Add mul(a, b) to calc.py."


def plan(*files: str) -> Reply:
    return Reply(text=json.dumps({"steps": [{"intent": f"Edit {f}", "files": [f]} for f in files]}))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_git_repo(tmp_path_factory.mktemp("lsp-repo") / "ws", {"calc.py": CALC, "tests/test_calc.py": TEST})


@pytest_lsp.fixture(scope="module", config=config())
async def client(lsp_client: LanguageClient, workspace: Path, server: ScriptedOpenAIServer):
    lsp_client.answers = []  # type: ignore[attr-defined]

    @lsp_client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def show_message_request(ls: LanguageClient, params: types.ShowMessageRequestParams):
        ls.asked.append(params.message)  # type: ignore[attr-defined]
        title = ls.answers.pop(0) if ls.answers else None  # type: ignore[attr-defined]
        return types.MessageActionItem(title=title) if title else None

    lsp_client.asked = []  # type: ignore[attr-defined]
    slot = {"backend": "openai", "baseUrl": server.base_url, "model": "scripted-model", "maxRetries": 0}
    options = {"level": "repo", "models": {"adv": slot}, "roles": {"edit": ["adv"]}}
    await initialize(lsp_client, workspace, options)
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


async def test_scripted_edit_repo_plans_then_accepting_the_plan_runs_it(client: LanguageClient, workspace: Path, server):
    doc = (workspace / "calc.py").as_uri()
    client.editor.open(doc, CALC)  # type: ignore[attr-defined]
    server.script(plan("calc.py"))
    result = await command(client, "tether.editRepo", {"instruction": TASK})
    assert result["status"] == "planned" and result["proposals"] == []
    assert result["planProposal"]["kind"] == "plan" and 'files = ["calc.py"]' in result["plan"]
    before = len(client.editor.changed)  # type: ignore[attr-defined]
    server.script(Reply(text=MUL))
    accepted = await command(client, "tether.accept", {"proposalId": result["runId"]})
    assert accepted["applied"] is True and accepted["proposal"]["kind"] == "plan"
    await poll(lambda: len(client.editor.changed) > before, what="tether/proposalsChanged")  # type: ignore[attr-defined]
    listed = await command(client, "tether.listProposals", {})
    edit = next(p for p in listed["proposals"] if p["level"] == "repo" and p["kind"] == "edit")
    assert edit["files"][0]["path"] == "calc.py" and "Step 1/1" in edit["rationale"]
    assert (workspace / "calc.py").read_text() == CALC  # nothing written until the edit is accepted
    done = await command(client, "tether.accept", {"proposalId": edit["id"]})
    assert done["applied"] and client.editor.text(doc) == MUL  # type: ignore[attr-defined]
    with pytest.raises(Exception, match="only a planned run"):
        await command(client, "tether.accept", {"proposalId": result["runId"]})


async def test_scripted_check_runs_only_after_the_user_approves_it(client: LanguageClient, workspace: Path, server):
    client.answers[:] = ["Don't run"]  # type: ignore[attr-defined]
    server.script(plan("calc.py"), Reply(text=MUL + "\n"))
    result = await command(client, "tether.editRepo", {"instruction": TASK, "check": CHECK, "reviewPlan": False})
    assert result["status"] == "done" and "check" not in result
    assert any("not approved" in w for w in result["warnings"])
    assert "wants to run the check command" in client.asked[-1]  # type: ignore[attr-defined]
    client.answers[:] = ["Run it"]  # type: ignore[attr-defined]
    server.script(plan("calc.py"), Reply(text=MUL + "\n"))
    result = await command(client, "tether.editRepo", {"instruction": TASK, "check": CHECK, "reviewPlan": False})
    assert result["check"]["passed"] is True and result["success"] is True


async def test_scripted_edited_plan_and_cancellation(client: LanguageClient, workspace: Path, server):
    server.script(plan("tests/test_calc.py"))
    planned = await command(client, "tether.editRepo", {"instruction": "Add mul and test it."})
    edited = planned["plan"].replace('"tests/test_calc.py"', '"calc.py"')
    server.script(Reply(text=MUL + "\n\n", chunk_delay_s=0.5, chunk_chars=2))
    params = types.ExecuteCommandParams(command="tether.editRepo", arguments=[{"planId": planned["runId"], "plan": edited}])
    asked = len(server.posts("/chat/completions"))
    pending = asyncio.wrap_future(client.protocol.send_request(types.WORKSPACE_EXECUTE_COMMAND, params, msg_id="cancel-repo"))
    await poll(lambda: len(server.posts("/chat/completions")) > asked, timeout=TIMEOUT, what="the step's model request")
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="cancel-repo"))
    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(pending, 10)
    await poll(lambda: server.disconnects >= 1, what="the model stream to be closed")
    assert (workspace / "calc.py").read_text() == CALC


async def test_scripted_runs_are_listed_read_and_a_plan_can_be_rejected(client: LanguageClient, workspace: Path, server):
    server.script(plan("calc.py"))
    planned = await command(client, "tether.editRepo", {"instruction": TASK})
    assert planned["task"] == TASK and planned["steps"] == []
    listed = await request(client, "tether/listRuns", {})
    assert listed["runs"][0]["runId"] == planned["runId"] and all(r["status"] == "planned" for r in listed["runs"])
    assert (await request(client, "tether/getRun", {"runId": planned["runId"]}))["plan"] == planned["plan"]
    rejected = await request(client, "tether/rejectRun", {"runId": planned["runId"]})
    assert rejected["status"] == "stopped" and rejected["errorType"] == "ProposalError" and "rejected" in rejected["outcome"]
    assert planned["runId"] not in [r["runId"] for r in (await request(client, "tether/listRuns", {}))["runs"]]
    everything = await command(client, "tether.listRuns", {"all": True})
    assert planned["runId"] in [r["runId"] for r in everything["runs"]]
    assert any(r["status"] == "done" and r["steps"] and r["steps"][0]["intent"] == "Edit calc.py" for r in everything["runs"])
    with pytest.raises(Exception, match="only a planned run"):
        await command(client, "tether.accept", {"proposalId": planned["runId"]})
    with pytest.raises(Exception, match="only a planned run can be rejected"):
        await request(client, "tether/rejectRun", {"runId": planned["runId"]})
