"""`tether acp` over real stdio, driven by the ACP SDK's own client side, SCRIPTED model.

The installed entry point runs as a subprocess on a real git repository; the client here is
the SDK's ``ClientSideConnection`` with a small Client that records what the agent asks
(permission, file reads and writes) and answers as an editor would. The model is the scripted
OpenAI-compatible server (tests/fixtures/openai_server.py): a plan, then the file's new text.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from acp import PROTOCOL_VERSION, RequestError, spawn_agent_process, text_block
from acp.connection import StreamEvent
from acp.schema import (
    AgentPlanUpdate,
    AgentThoughtChunk,
    AllowedOutcome,
    ClientCapabilities,
    DeniedOutcome,
    FileEditToolCallContent,
    FileSystemCapabilities,
    ReadTextFileResponse,
    RequestPermissionResponse,
    ToolCallProgress,
    ToolCallStart,
    WriteTextFileResponse,
)
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer
from tests.repo.helpers import CALC, calc_repo, snapshot

from tether.config import load_settings
from tether.engine import Engine

TETHER = str(Path(sys.executable).parent / "tether")
MUL = CALC + "\n\ndef mul(a, b):\n    return a * b\n"
TASK = "Add a function mul(a, b) to calc.py that returns a * b."
WAIT_S = 120.0  # a bound for a hung agent, not a speed check: a loaded 2-core CI machine takes tens of seconds per turn


def plan(*files: str) -> Reply:
    return Reply(text=json.dumps({"steps": [{"intent": f"Add mul to {f}", "files": [f]} for f in files]}))


def env_for(server: ScriptedOpenAIServer, level: str | None = "repo") -> dict[str, str]:
    slot = {"backend": "openai", "base_url": server.base_url, "model": "scripted-model", "max_retries": 0}
    env = {"TETHER_MODELS__ADV": json.dumps(slot), "TETHER_ROLES__EDIT": '["adv"]', "HF_HUB_OFFLINE": "1"}
    return env | ({"TETHER_LEVEL": level} if level else {})


class EditorClient:
    """An ACP client as an editor plays it: answers permission with ``answer`` ("allow", "reject", "cancelled"),
    keeps file writes in its buffers (``fs/write_text_file``), and reads buffers first, then the disk."""

    def __init__(self, answer: str = "allow", buffers: dict[str, str] | None = None):
        self.answer = answer
        self.buffers = dict(buffers or {})
        self.updates: list[Any] = []
        self.permissions: list[Any] = []
        self.reads: list[str] = []
        self.writes: list[tuple[str, str]] = []

    async def request_permission(self, session_id: str, tool_call: Any, options: list[Any], **kwargs: Any) -> RequestPermissionResponse:
        self.permissions.append((tool_call, options))
        if self.answer == "cancelled":  # what a client answers once the person cancelled the turn
            return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))
        return RequestPermissionResponse(outcome=AllowedOutcome(outcome="selected", option_id=self.answer))

    async def session_update(self, session_id: str, update: Any, **kwargs: Any) -> None:
        self.updates.append(update)

    async def read_text_file(
        self, session_id: str, path: str, line: int | None = None, limit: int | None = None, **kwargs: Any
    ) -> ReadTextFileResponse:
        self.reads.append(path)
        return ReadTextFileResponse(content=self.buffers.get(path) or Path(path).read_text())

    async def write_text_file(self, session_id: str, path: str, content: str, **kwargs: Any) -> WriteTextFileResponse:
        self.writes.append((path, content))
        self.buffers[path] = content
        return WriteTextFileResponse()

    def of(self, kind: type) -> list[Any]:
        return [u for u in self.updates if isinstance(u, kind)]


FS = ClientCapabilities(fs=FileSystemCapabilities(read_text_file=True, write_text_file=True))


@asynccontextmanager
async def agent(
    client: Any, root: Path, env: dict[str, str], tmp_path: Path, observers: list[Callable] | None = None
) -> AsyncIterator[Any]:
    """`tether acp` started in ``root`` with ``env``; yields the SDK's client connection and the process."""
    with open(tmp_path / "acp-stderr.log", "wb") as stderr:
        async with spawn_agent_process(
            client, TETHER, "acp", env=env, cwd=root, transport_kwargs={"stderr": stderr}, observers=observers or []
        ) as (conn, process):
            yield conn, process
    assert process.returncode == 0, (tmp_path / "acp-stderr.log").read_text()


async def start(conn: Any, root: Path, capabilities: ClientCapabilities = FS) -> str:
    init = await asyncio.wait_for(conn.initialize(protocol_version=PROTOCOL_VERSION, client_capabilities=capabilities), WAIT_S)
    assert init.protocol_version == PROTOCOL_VERSION and init.agent_info.name == "tether"
    assert init.agent_capabilities.load_session is False and init.agent_capabilities.prompt_capabilities.image is False
    return (await asyncio.wait_for(conn.new_session(cwd=str(root), mcp_servers=[]), WAIT_S)).session_id


async def until(condition: Callable[[], Any], timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


async def test_scripted_prompt_streams_plan_and_diff_asks_then_writes_through_the_editor(tmp_path, openai_server):
    root = calc_repo(tmp_path)
    calc = str(root / "calc.py")
    dirty = "# unsaved line in the editor\n" + CALC
    client = EditorClient("allow", buffers={calc: dirty})
    openai_server.script(plan("calc.py"), Reply(text=MUL))
    before = snapshot(root)
    async with agent(client, root, env_for(openai_server), tmp_path) as (conn, process):
        session = await start(conn, root)
        response = await asyncio.wait_for(conn.prompt(session_id=session, prompt=[text_block(TASK)]), WAIT_S)
    assert response.stop_reason == "end_turn"
    plans = client.of(AgentPlanUpdate)
    assert [e.content for e in plans[0].entries] == ["Add mul to calc.py"] and plans[0].entries[0].status == "pending"
    assert plans[-1].entries[0].status == "completed"
    starts = client.of(ToolCallStart)
    step, write = starts[0], starts[-1]
    assert step.kind == "edit" and step.title == "Step 1: Add mul to calc.py" and step.status == "pending"
    diff = step.content[0]
    assert isinstance(diff, FileEditToolCallContent) and diff.path == calc and diff.old_text == CALC and diff.new_text == MUL
    assert len(client.permissions) == 1
    asked, options = client.permissions[0]
    assert asked.tool_call_id == write.tool_call_id and {o.kind for o in options} == {"allow_once", "reject_once"}
    assert write.content[0].old_text == dirty and write.content[0].new_text == "# unsaved line in the editor\n" + MUL
    # nothing before the answer: the permission request comes after every diff, the write after it
    assert client.writes == [(calc, "# unsaved line in the editor\n" + MUL)]
    assert snapshot(root) == before  # the editor holds the write (its buffer), not tether
    done = {u.tool_call_id: u.status for u in client.of(ToolCallProgress)}
    assert done == {step.tool_call_id: "completed", write.tool_call_id: "completed"}
    assert any("Step 1/1: editing calc.py" in u.content.text for u in client.of(AgentThoughtChunk))
    engine = Engine(load_settings(root, env={}), root)
    assert [p.status for p in engine.store.all() if p.kind == "edit"] == ["done"]


async def test_scripted_client_without_fs_gets_a_journaled_write_to_disk(tmp_path, openai_server):
    root = calc_repo(tmp_path)
    client = EditorClient("allow")
    openai_server.script(plan("calc.py"), Reply(text=MUL))
    async with agent(client, root, env_for(openai_server), tmp_path) as (conn, process):
        session = await start(conn, root, ClientCapabilities())
        response = await asyncio.wait_for(conn.prompt(session_id=session, prompt=[text_block(TASK)]), WAIT_S)
    assert response.stop_reason == "end_turn" and len(client.permissions) == 1
    assert client.writes == [] and client.reads == []
    assert (root / "calc.py").read_text() == MUL
    engine = Engine(load_settings(root, env={}), root)
    assert [p.status for p in engine.store.all() if p.kind == "edit"] == ["done"]


async def test_scripted_reject_writes_nothing_and_rejects_the_proposals(tmp_path, openai_server):
    root = calc_repo(tmp_path)
    client = EditorClient("reject")
    openai_server.script(plan("calc.py"), Reply(text=MUL))
    before = snapshot(root)
    async with agent(client, root, env_for(openai_server), tmp_path) as (conn, process):
        session = await start(conn, root, ClientCapabilities())
        response = await asyncio.wait_for(conn.prompt(session_id=session, prompt=[text_block(TASK)]), WAIT_S)
    assert response.stop_reason == "end_turn" and len(client.permissions) == 1
    assert client.writes == [] and snapshot(root) == before
    assert {u.status for u in client.of(ToolCallProgress)} == {"failed"}
    engine = Engine(load_settings(root, env={}), root)
    assert [p.status for p in engine.store.all() if p.kind == "edit"] == ["rejected"]


async def test_scripted_permission_answered_cancelled_ends_the_turn_cancelled_and_leaves_proposals_pending(tmp_path, openai_server):
    root = calc_repo(tmp_path)
    client = EditorClient("cancelled")
    openai_server.script(plan("calc.py"), Reply(text=MUL))
    before = snapshot(root)
    async with agent(client, root, env_for(openai_server), tmp_path) as (conn, process):
        session = await start(conn, root)
        response = await asyncio.wait_for(conn.prompt(session_id=session, prompt=[text_block(TASK)]), WAIT_S)
    assert response.stop_reason == "cancelled" and len(client.permissions) == 1
    assert client.writes == [] and snapshot(root) == before
    engine = Engine(load_settings(root, env={}), root)
    assert [p.status for p in engine.store.all() if p.kind == "edit"] == ["pending"]


async def test_scripted_cancel_mid_generation_answers_cancelled_and_writes_nothing(tmp_path, openai_server):
    root = calc_repo(tmp_path)
    client = EditorClient("allow")
    slow = Reply(text=MUL * 20, chunk_chars=1, chunk_delay_s=0.05)  # minutes of tokens unless cancelled
    openai_server.script(plan("calc.py"), slow)
    before = snapshot(root)
    async with agent(client, root, env_for(openai_server), tmp_path) as (conn, process):
        session = await start(conn, root)
        prompt = asyncio.create_task(conn.prompt(session_id=session, prompt=[text_block(TASK)]))
        await until(lambda: len(openai_server.posts("/chat/completions")) == 2)  # the edit is streaming
        await conn.cancel(session_id=session)
        response = await asyncio.wait_for(prompt, WAIT_S)
        assert response.stop_reason == "cancelled"
        await until(lambda: openai_server.disconnects >= 1, timeout=10)  # the stream was closed between tokens
        # the session keeps serving: the next prompt runs to the end
        openai_server.script(plan("calc.py"), Reply(text=MUL))
        client.answer = "reject"
        again = await asyncio.wait_for(conn.prompt(session_id=session, prompt=[text_block(TASK)]), WAIT_S)
        assert again.stop_reason == "end_turn"
    assert client.permissions and len(client.permissions) == 1  # only the second prompt got that far
    assert client.writes == [] and snapshot(root) == before


async def test_scripted_leash_below_repo_is_a_clear_error_and_malformed_lines_get_protocol_errors(tmp_path, openai_server):
    root = calc_repo(tmp_path)
    client = EditorClient("allow")
    seen: list[dict] = []

    def record(event: StreamEvent) -> None:
        if event.direction.value == "incoming":
            seen.append(event.message)

    async with agent(client, root, env_for(openai_server, level=None), tmp_path, observers=[record]) as (conn, process):
        session = await start(conn, root)
        with pytest.raises(RequestError) as refused:
            await asyncio.wait_for(conn.prompt(session_id=session, prompt=[text_block(TASK)]), WAIT_S)
        assert refused.value.code == -32001 and refused.value.data["type"] == "LeashError"
        assert "above the current autonomy level" in str(refused.value)
        assert openai_server.posts() == []  # refused before any model call

        process.stdin.write(b"{this is not json\n[1, 2]\n")  # raw lines, past the SDK's client
        await process.stdin.drain()
        await until(lambda: len([m for m in seen if "error" in m and m.get("id") is None]) >= 2)
        codes = [m["error"]["code"] for m in seen if "error" in m and m.get("id") is None]
        assert codes == [-32700, -32600]

        with pytest.raises(RequestError) as unknown:
            await asyncio.wait_for(conn.load_session(cwd=str(root), session_id=session, mcp_servers=[]), WAIT_S)
        assert unknown.value.code == -32601
        with pytest.raises(RequestError) as bad_session:
            await asyncio.wait_for(conn.prompt(session_id="nope", prompt=[text_block(TASK)]), WAIT_S)
        assert bad_session.value.code == -32602 and "No session 'nope'" in str(bad_session.value)
        with pytest.raises(RequestError) as bad_cwd:
            await asyncio.wait_for(conn.new_session(cwd=str(root / "missing"), mcp_servers=[]), WAIT_S)
        assert bad_cwd.value.code == -32602 and "absolute path of an existing folder" in str(bad_cwd.value)
        assert await start(conn, root)  # still serving
    assert (root / "calc.py").read_text() == CALC


@pytest.mark.parametrize("source", ["devnull", "file"])
def test_stdin_at_end_or_not_a_pipe_ends_cleanly(tmp_path, source):
    root = calc_repo(tmp_path)
    requests = tmp_path / "requests.jsonl"
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": PROTOCOL_VERSION}}
    requests.write_text(json.dumps(init) + "\n")
    path = "/dev/null" if source == "devnull" else str(requests)
    with open(path, "rb") as stdin:
        done = subprocess.run([TETHER, "acp", "--level", "repo"], stdin=stdin, capture_output=True, cwd=root, timeout=WAIT_S)
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr.decode()
    if source == "file":  # the one request read from a regular file is answered before the end
        assert json.loads(done.stdout)["result"]["protocolVersion"] == PROTOCOL_VERSION
    else:
        assert done.stdout == b""


class ChangingClient(EditorClient):
    """An editor whose file changes on disk while the person reads the permission request."""

    def __init__(self, path: Path):
        super().__init__("allow")
        self.path = path

    async def request_permission(self, session_id: str, tool_call: Any, options: list[Any], **kwargs: Any) -> RequestPermissionResponse:
        self.path.write_text(CALC + "\n\ndef div(a, b):\n    return a / b\n")  # where mul goes
        return await super().request_permission(session_id, tool_call, options, **kwargs)


async def test_scripted_turn_ending_in_an_error_fails_every_tool_call_it_started(tmp_path, openai_server):
    root = calc_repo(tmp_path)
    client = ChangingClient(root / "calc.py")
    openai_server.script(plan("calc.py"), Reply(text=MUL))
    async with agent(client, root, env_for(openai_server), tmp_path) as (conn, process):
        session = await start(conn, root, ClientCapabilities())
        with pytest.raises(RequestError) as refused:
            await asyncio.wait_for(conn.prompt(session_id=session, prompt=[text_block(TASK)]), WAIT_S)
        started = [u.tool_call_id for u in client.of(ToolCallStart)]
        failed = {u.tool_call_id: u.status for u in client.of(ToolCallProgress)}
    assert refused.value.code == -32001 and refused.value.data["type"] in ("StaleError", "ConflictError")
    assert len(started) == 2 and failed == dict.fromkeys(started, "failed")  # the step and the "Write 1 file" call


def test_invalid_params_get_a_short_message_naming_the_argument(tmp_path):
    root = calc_repo(tmp_path)
    lines = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": PROTOCOL_VERSION}},
        {"jsonrpc": "2.0", "id": 2, "method": "session/prompt", "params": {"prompt": [{"type": "text", "text": "x"}]}},
    ]
    sent = "".join(json.dumps(line) + "\n" for line in lines).encode()
    done = subprocess.run([TETHER, "acp", "--level", "repo"], input=sent, capture_output=True, cwd=root, timeout=WAIT_S)
    assert done.returncode == 0, done.stderr.decode()
    error = {reply["id"]: reply for reply in map(json.loads, done.stdout.splitlines())}[2]["error"]
    assert error["code"] == -32602 and error["message"] == "Invalid params: sessionId: Field required."
    assert error["data"]["errors"] == [{"loc": ["sessionId"], "msg": "Field required", "type": "missing"}]
    assert "pydantic" not in done.stdout.decode()
