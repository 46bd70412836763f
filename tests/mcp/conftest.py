"""`tether mcp` as an MCP client starts it: the installed entry point over real stdio, driven by
the official SDK's own client (``stdio_client`` + ``ClientSession``); no protocol mocks."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from mcp import ClientSession, StdioServerParameters, stdio_client
from tests.fixtures.openai_server import ScriptedOpenAIServer

TETHER = str(Path(sys.executable).parent / "tether")


def scripted_env(server: ScriptedOpenAIServer | None, tmp_path: Path, **settings: str) -> dict[str, str]:
    """Environment for the server process: the user data dir (global docs index) inside ``tmp_path``,
    edit and complete roles on the scripted endpoint, and ``TETHER_*`` settings (``mcp__max_level``...)."""
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg")}
    if server is not None:
        slot = {"backend": "openai", "base_url": server.base_url, "model": "scripted-model", "max_retries": 0}
        env.update({"TETHER_MODELS__S": json.dumps(slot), "TETHER_ROLES__EDIT": '["s"]', "TETHER_ROLES__COMPLETE": '["s"]'})
    env.update({f"TETHER_{name.upper()}": value for name, value in settings.items()})
    return env


@asynccontextmanager
async def mcp_session(workspace: Path, env: dict[str, str], *extra: str) -> AsyncIterator[ClientSession]:
    """An initialized ClientSession on ``tether -C workspace mcp`` (its stderr in workspace/../mcp-stderr.log)."""
    params = StdioServerParameters(command=TETHER, args=["-C", str(workspace), "mcp", *extra], env=env)
    with open(workspace.parent / "mcp-stderr.log", "a", encoding="utf-8") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write, read_timeout_seconds=120) as session:
            await session.initialize()
            yield session
