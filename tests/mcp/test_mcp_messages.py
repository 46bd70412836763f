"""`tether mcp` over real stdio: what the agent is told when it is refused or errs (the leash's
bound named, short argument errors, review errors), and answers kept at end of input."""

from __future__ import annotations

import json
import subprocess

from mcp_types import CallToolResult, TextContent
from tests.conftest import make_git_repo
from tests.fixtures.openai_server import Reply
from tests.mcp.conftest import TETHER, mcp_session, scripted_env

BASE = "def add(a, b):\n    return a + b\n"


def error_text(result: CallToolResult) -> str:
    assert result.is_error, result
    return " ".join(block.text for block in result.content if isinstance(block, TextContent))


async def test_whole_file_edit_under_mcp_max_level_names_that_setting(tmp_path):
    ws = make_git_repo(tmp_path / "ws", {"calc.py": BASE})
    async with mcp_session(ws, scripted_env(None, tmp_path, mcp__max_level="selection")) as session:
        said = error_text(await session.call_tool("propose_edit", {"path": "calc.py", "instruction": "Document add."}))
    assert "mcp.max_level = 'selection'" in said and "TETHER_MCP__MAX_LEVEL=file" in said
    assert "TETHER_MAX_LEVEL" not in said
    async with mcp_session(ws, scripted_env(None, tmp_path, mcp__max_level="repo", max_level="selection")) as session:
        said = error_text(await session.call_tool("propose_edit", {"path": "calc.py", "instruction": "Document add."}))
    assert "max_level = 'selection'" in said and "TETHER_MAX_LEVEL=file" in said and "mcp.max_level" not in said


def rpc(id_: int | None, method: str, params: dict | None = None) -> str:
    message = {"jsonrpc": "2.0", "method": method} | ({"id": id_} if id_ is not None else {})
    return json.dumps(message | ({"params": params} if params is not None else {}))


INIT = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}


def test_scripted_requests_piped_then_end_of_input_are_all_answered(tmp_path, openai_server):
    ws = make_git_repo(tmp_path / "ws", {"calc.py": BASE})
    # a slow model: the edit is still running when stdin ends
    openai_server.script(Reply(text='```python\ndef add(a, b):\n    """Add."""\n    return a + b\n```', delay_s=1.0))
    edit = {"name": "propose_edit", "arguments": {"path": "calc.py", "instruction": "Document add.", "start_line": 1, "end_line": 2}}
    lines = [
        rpc(1, "initialize", INIT),
        rpc(None, "notifications/initialized"),
        rpc(2, "tools/call", edit),
        rpc(3, "tools/list"),
        rpc(4, "tools/call", {"name": "list_proposals", "arguments": {}}),
    ]
    (tmp_path / "requests.jsonl").write_text("\n".join(lines) + "\n")
    with open(tmp_path / "requests.jsonl", "rb") as stdin:
        done = subprocess.run(
            [TETHER, "-C", str(ws), "mcp"], stdin=stdin, capture_output=True, env=scripted_env(openai_server, tmp_path), timeout=60
        )
    assert done.returncode == 0, done.stderr.decode()
    by_id = {reply["id"]: reply for reply in map(json.loads, done.stdout.splitlines())}
    assert sorted(by_id) == [1, 2, 3, 4]
    assert by_id[2]["result"]["structuredContent"]["status"] == "pending" and "tools" in by_id[3]["result"]


async def test_scripted_bad_arguments_decided_rejects_and_plan_only_get_short_plain_answers(tmp_path, openai_server):
    ws = make_git_repo(tmp_path / "ws", {"calc.py": BASE})
    plan = {"steps": [{"intent": "Document add", "files": ["calc.py"]}]}
    openai_server.script(Reply(text=json.dumps(plan)), Reply(text='```python\ndef add(a, b):\n    """Add."""\n    return a + b\n```'))
    env = scripted_env(openai_server, tmp_path, mcp__max_level="repo", mcp__allow_accept="true")
    async with mcp_session(ws, env) as session:
        bad = error_text(await session.call_tool("context", {"path": "calc.py", "start_line": 0}))
        assert bad.startswith("Invalid arguments for context: start_line: ") and "greater than or equal to 1" in bad
        assert "pydantic" not in bad
        missing = error_text(await session.call_tool("complete", {"path": "calc.py", "line": 1}))
        assert missing == "Invalid arguments for complete: column: Field required."

        planned = (await session.call_tool("propose_repo_change", {"task": "Document add.", "plan_only": True})).structured_content
        assert planned is not None and planned["status"] == "planned"
        assert "THIS_FILE" not in planned["plan"] and "without plan_only" in planned["plan"]
        assert f"tether repo --continue {planned['run_id']}" in planned["plan"] and 'intent = "Document add"' in planned["plan"]

        made = (
            await session.call_tool("propose_edit", {"path": "calc.py", "instruction": "Document add.", "start_line": 1, "end_line": 2})
        ).structured_content
        assert made is not None
        first = await session.call_tool("reject_hunks", {"proposal_id": made["id"]})
        assert not first.is_error
        again = error_text(await session.call_tool("reject_hunks", {"proposal_id": made["id"]}))
        assert "no pending hunk to reject" in again
    assert (ws / "calc.py").read_text() == BASE


def test_stdin_at_end_from_dev_null_ends_cleanly(tmp_path):
    ws = make_git_repo(tmp_path / "ws", {"calc.py": BASE})
    with open("/dev/null", "rb") as stdin:
        done = subprocess.run(
            [TETHER, "-C", str(ws), "mcp"], stdin=stdin, capture_output=True, env=scripted_env(None, tmp_path), timeout=60
        )
    assert done.returncode == 0 and done.stdout == b"" and b"Traceback" not in done.stderr, done.stderr.decode()
