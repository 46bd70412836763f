"""`tether acp`: the repo agent as an Agent Client Protocol agent over stdio (docs/acp.md)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from ..config import Settings
from .common import add_level_flag, add_model_flags, settings_from

HELP = "run as an Agent Client Protocol agent over stdio (Zed, Neovim...)"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("acp", help=HELP)
    add_level_flag(p)
    add_model_flags(p)
    p.set_defaults(func=run_acp)


def run_acp(args: argparse.Namespace) -> int:
    from ..acp_agent.server import serve_stdio

    def settings_for(folder: Path) -> Settings:
        """A session folder's settings, as any command loads them for -C FOLDER, with this command's flags."""
        return settings_from(argparse.Namespace(**{**vars(args), "workspace": str(folder)}))

    asyncio.run(serve_stdio(settings_for))
    return 0
