"""`tether mcp` over real stdio: what the agent is told when it is refused or errs (the leash's
bound named, short argument errors, review errors), and answers kept at end of input."""

from __future__ import annotations

from mcp_types import CallToolResult, TextContent
from tests.conftest import make_git_repo
from tests.mcp.conftest import mcp_session, scripted_env

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
