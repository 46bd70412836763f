"""`tether mcp` over real stdio with the SDK's client: tools per max_level, edits that write
nothing, accept only when allowed, docs with their sources, protocol errors (issue 12).

Model replies come from the SCRIPTED OpenAI-compatible server (tests/fixtures/openai_server.py).
"""

from __future__ import annotations

import asyncio
import json
import subprocess

import pytest
from mcp import ClientSession, MCPError
from mcp_types import CallToolResult, TextContent, TextResourceContents
from tests.conftest import make_git_repo
from tests.fixtures.openai_server import Reply
from tests.mcp.conftest import TETHER, mcp_session, scripted_env

from tether.docs.index import DocsIndex
from tether.docs.ingest import Ingester

READ_ONLY = {"docs_search", "context", "digest", "list_proposals", "show_proposal"}
BASE = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
NEW = BASE.replace("    return a - b\n", '    """Subtract b from a."""\n    return a - b\n')


def structured(result: CallToolResult) -> dict:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


def error_text(result: CallToolResult) -> str:
    assert result.is_error
    return " ".join(block.text for block in result.content if isinstance(block, TextContent))


async def tool_names(session: ClientSession) -> dict[str, dict]:
    listed = await session.list_tools()
    return {tool.name: tool.output_schema or {} for tool in listed.tools}


async def test_tools_listed_follow_mcp_max_level_and_allow_accept(tmp_path):
    ws = make_git_repo(tmp_path / "ws", {"calc.py": BASE})
    cases = {
        "complete": ({"mcp__max_level": "complete"}, READ_ONLY | {"complete"}),
        "selection": ({"mcp__max_level": "selection"}, READ_ONLY | {"complete", "propose_edit"}),
        "file (default)": ({}, READ_ONLY | {"complete", "propose_edit"}),
        "repo": ({"mcp__max_level": "repo"}, READ_ONLY | {"complete", "propose_edit", "propose_repo_change"}),
        "repo under max_level file": ({"mcp__max_level": "repo", "max_level": "file"}, READ_ONLY | {"complete", "propose_edit"}),
        "accept allowed": ({"mcp__allow_accept": "true"}, READ_ONLY | {"complete", "propose_edit", "accept_hunks", "reject_hunks"}),
    }

    async def listed(settings: dict[str, str]) -> dict[str, dict]:
        async with mcp_session(ws, scripted_env(None, tmp_path, **settings)) as session:
            return await tool_names(session)

    results = await asyncio.gather(*(listed(settings) for settings, _ in cases.values()))
    for (name, (_, expected)), tools in zip(cases.items(), results, strict=True):
        assert set(tools) == expected, name
        for tool, schema in tools.items():  # structured output: every tool declares an object schema
            assert schema.get("type") == "object" and schema.get("properties"), tool


async def test_scripted_propose_edit_gives_a_diff_git_applies_and_writes_nothing(tmp_path, openai_server):
    ws = make_git_repo(tmp_path / "ws", {"calc.py": BASE, ".env": "TOKEN=abc\n"})
    openai_server.script(Reply(text='```python\ndef sub(a, b):\n    """Subtract b from a."""\n    return a - b\n```'))
    env = scripted_env(openai_server, tmp_path)
    async with mcp_session(ws, env) as session:
        made = structured(
            await session.call_tool("propose_edit", {"path": "calc.py", "instruction": "Document sub.", "start_line": 5, "end_line": 6})
        )
        assert (ws / "calc.py").read_text() == BASE  # proposed, not written
        assert made["status"] == "pending" and made["level"] == "selection"
        [change] = made["files"]
        [hunk] = change["hunks"]
        # a pure insertion before line 6: start_line 6, end_line 5 (no line replaced)
        assert (change["path"], hunk["status"], hunk["start_line"], hunk["end_line"]) == ("calc.py", "pending", 6, 5)
        (tmp_path / "edit.diff").write_text(made["diff"])
        check = subprocess.run(["git", "apply", "--check", str(tmp_path / "edit.diff")], cwd=ws, capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        assert any(source["path"] == "calc.py" for source in made["sources"])

        listed = structured(await session.call_tool("list_proposals", {}))
        assert [p["id"] for p in listed["proposals"]] == [made["id"]]
        assert structured(await session.call_tool("show_proposal", {"proposal_id": made["id"]}))["diff"] == made["diff"]
        page = await session.read_resource(f"tether-proposal://{made['id']}")
        [content] = page.contents
        assert isinstance(content, TextResourceContents) and json.loads(content.text)["diff"] == made["diff"]
        assert f"tether-proposal://{made['id']}" in {str(r.uri) for r in (await session.list_resources()).resources}

        # Errors of the ops are tool errors with their sentence; the server goes on.
        outside = await session.call_tool("propose_edit", {"path": "../elsewhere.py", "instruction": "x"})
        assert "outside the workspace" in error_text(outside)
        secret = await session.call_tool("propose_edit", {"path": ".env", "instruction": "x"})
        assert "looks like a secret" in error_text(secret)
        assert "No proposal 'ffffffffffff'" in error_text(await session.call_tool("show_proposal", {"proposal_id": "ffffffffffff"}))

        # Accepting is not offered by default: the tool is unknown (a protocol error).
        with pytest.raises(MCPError) as refused:
            await session.call_tool("accept_hunks", {"proposal_id": made["id"]})
        assert refused.value.error.code == -32602 and "Unknown tool" in refused.value.error.message
    assert (ws / "calc.py").read_text() == BASE
    assert len(openai_server.posts("/chat/completions")) == 1

    async with mcp_session(ws, {**env, "TETHER_MCP__ALLOW_ACCEPT": "true"}) as session:
        done = structured(await session.call_tool("accept_hunks", {"proposal_id": made["id"], "hunk_ids": [hunk["id"]]}))
        assert done["written"] == ["calc.py"] and done["proposal"]["status"] == "done"
        assert (ws / "calc.py").read_text() == NEW
        again = await session.call_tool("accept_hunks", {"proposal_id": made["id"]})
        assert "no pending hunk" in error_text(again)


async def test_docs_search_returns_chunks_with_their_sources_and_pages_are_resources(tmp_path):
    ws = make_git_repo(tmp_path / "ws", {"app.py": "print('hi')\n"})
    pages = ws / "guide"
    pages.mkdir()
    (pages / "retries.md").write_text("# Retries\n\nA failed delivery is retried three times, then parked in the dead letter queue.\n")
    (pages / "auth.md").write_text("# Auth\n\nTokens are sent in the Authorization header.\n")
    with DocsIndex(ws / ".tether" / "docs.sqlite") as index:
        await Ingester(index, base_dir=ws).add("guide", name="My guide")
    async with mcp_session(ws, scripted_env(None, tmp_path)) as session:
        found = structured(await session.call_tool("docs_search", {"query": "dead letter queue", "k": 2}))
        top = found["hits"][0]
        assert top["source"] == "My guide" and top["path"].endswith("retries.md") and "dead letter queue" in top["text"]
        assert top["citation"].startswith(top["path"]) and top["start_line"] >= 1
        docs = [r for r in (await session.list_resources()).resources if str(r.uri).startswith("tether-docs://My%20guide/")]
        assert len(docs) == 2
        retries = next(r for r in docs if "Retries" in r.name or "retries" in r.name)
        [content] = (await session.read_resource(str(retries.uri))).contents
        assert isinstance(content, TextResourceContents) and "dead letter queue" in content.text
        with pytest.raises(MCPError):
            await session.read_resource("tether-docs://My%20guide/999999")


async def test_malformed_json_rpc_and_unknown_tools_get_protocol_errors_and_the_server_keeps_serving(tmp_path):
    ws = make_git_repo(tmp_path / "ws", {"app.py": "x = 1\n"})
    init = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}
    lines = [
        json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": init}).encode(),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}).encode(),
        b"{this is not json",
        b'{"hello": "world"}',
        b"\xff\xfe\x00 raw bytes",
        json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "rm_rf", "arguments": {}}}).encode(),
        json.dumps({"jsonrpc": "2.0", "id": 3, "method": "no/such/method"}).encode(),
        json.dumps({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "list_proposals", "arguments": {}}}).encode(),
    ]
    env = {**scripted_env(None, tmp_path), "PATH": "/usr/bin:/bin"}
    proc = await asyncio.create_subprocess_exec(
        TETHER,
        "-C",
        str(ws),
        "mcp",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"\n".join(lines) + b"\n")
    await proc.stdin.drain()
    replies = []
    while not any(reply.get("id") == 4 for reply in replies):  # stdin stays open until the last answer came
        replies.append(json.loads(await asyncio.wait_for(proc.stdout.readline(), timeout=30)))
    proc.stdin.close()
    assert await asyncio.wait_for(proc.wait(), timeout=30) == 0
    by_id = {reply.get("id"): reply for reply in replies if reply.get("id") is not None}
    errors = [reply["error"]["code"] for reply in replies if reply.get("id") is None]
    assert by_id[1]["result"]["serverInfo"]["name"] == "tether"
    assert sorted(errors) == [-32700, -32700, -32600]  # two unreadable lines, one JSON that is no JSON-RPC message
    assert by_id[2]["error"]["code"] == -32602 and "Unknown tool: rm_rf" in by_id[2]["error"]["message"]
    assert by_id[3]["error"]["code"] == -32601
    assert by_id[4]["result"]["structuredContent"] == {"proposals": []}


async def test_scripted_propose_repo_change_plans_and_proposes_steps_without_writing(tmp_path, openai_server):
    ws = make_git_repo(tmp_path / "ws", {"calc.py": BASE})
    mul = BASE + "\n\ndef mul(a, b):\n    return a * b\n"
    plan = {"steps": [{"intent": "Add mul to calc.py", "files": ["calc.py"]}]}
    openai_server.script(Reply(text=json.dumps(plan)), Reply(text=mul))
    async with mcp_session(ws, scripted_env(openai_server, tmp_path, mcp__max_level="repo")) as session:
        run = structured(await session.call_tool("propose_repo_change", {"task": "Add a function mul(a, b) to calc.py."}))
    assert run["status"] == "done" and run["error"] is None, run
    assert "Add mul to calc.py" in run["plan"]
    [step] = run["steps"]
    [proposal] = run["proposals"]
    assert step["proposals"] == [proposal["id"]] and "+def mul(a, b):" in proposal["diff"]
    assert (ws / "calc.py").read_text() == BASE
