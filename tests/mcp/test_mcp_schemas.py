"""The MCP tools' input and output schemas are a public contract: generated from the pydantic
models and signatures, compared with the committed snapshot (tool_schemas.json), so they change
only on purpose. After an intended change: ``.venv/bin/python -m tests.mcp.test_mcp_schemas``."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from tether.config import load_settings
from tether.engine import Engine
from tether.mcp_server.server import TetherMCP
from tether.mcp_server.tools import REVIEW_TOOLS, TOOL_LEVELS

SNAPSHOT = Path(__file__).with_name("tool_schemas.json")


async def schemas(root: Path) -> dict[str, Any]:
    """Every tool (all levels, review tools included): its input and output schema and annotations."""
    app = TetherMCP(Engine(load_settings(root, env={}), root), [*TOOL_LEVELS, *REVIEW_TOOLS])
    tools = await app.list_tools()
    return {
        tool.name: {
            "inputSchema": tool.input_schema,
            "outputSchema": tool.output_schema,
            "annotations": tool.annotations.model_dump(by_alias=True, exclude_none=True) if tool.annotations else None,
        }
        for tool in sorted(tools, key=lambda t: t.name)
    }


async def test_tool_schemas_match_the_committed_snapshot(tmp_path):
    current = await schemas(tmp_path)
    assert set(current) == set(TOOL_LEVELS) | set(REVIEW_TOOLS)
    assert current == json.loads(SNAPSHOT.read_text(encoding="utf-8")), (
        "MCP tool schemas changed; if on purpose, run `.venv/bin/python -m tests.mcp.test_mcp_schemas` and commit tool_schemas.json"
    )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        data = asyncio.run(schemas(Path(folder)))
    SNAPSHOT.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
