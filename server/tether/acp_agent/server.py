"""``tether acp``'s event loop: the agent on stdin/stdout until the client closes stdin."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import cast

from acp import Agent, run_agent

from ..config import Settings
from .agent import TetherAgent
from .transport import claim_stdout, stdio_transport


async def serve_stdio(settings_for: Callable[[Path], Settings]) -> None:
    """Serve one ACP client over stdio (newline-delimited JSON-RPC); returns at end of input.

    ``settings_for``: a workspace folder's settings (see ``TetherAgent``). stdout carries
    JSON-RPC only; logs go to stderr."""
    transport = await stdio_transport(sys.stdin.buffer, claim_stdout())
    agent = TetherAgent(settings_for)
    try:
        # The SDK's router looks each method up by name and answers "Method not found" for the
        # ones TetherAgent leaves out, so it need not implement the whole Agent protocol.
        await run_agent(cast(Agent, agent), transport)
    finally:
        await agent.aclose()
