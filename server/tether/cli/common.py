"""Helpers shared by CLI commands: building the engine from flags, printing JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

from ..config import Settings, load_settings
from ..engine import Engine
from ..errors import LeashError
from ..slider import Level

T = TypeVar("T")


def add_model_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="GGUF path for the bundled slot (overrides TETHER_MODEL)")
    parser.add_argument("--n-ctx", type=int, help="context window of the bundled slot")


def add_level_flag(parser: argparse.ArgumentParser) -> None:
    """``--level``: the slider's position for this command (setting ``level``), at most ``max_level``."""
    parser.add_argument(
        "--level",
        choices=[level.value for level in Level],
        help="autonomy level for this command (overrides the level setting / TETHER_LEVEL; at most max_level)",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings for a command: every layer (``config.load_settings``), then its flags.

    Raises ConfigError for bad settings, LeashError for a ``--level`` above ``max_level``."""
    overrides: dict[str, Any] = {}
    bundled: dict[str, Any] = {}
    if getattr(args, "model", None):
        bundled["path"] = args.model
    if getattr(args, "n_ctx", None):
        bundled["n_ctx"] = args.n_ctx
    if bundled:
        overrides["models"] = {"bundled": bundled}
    settings = load_settings(Path(args.workspace), overrides=overrides)
    level = getattr(args, "level", None)
    if level is None:
        return settings
    if settings.max_level < Level(level):
        raise LeashError(
            f"--level {level} is above the allowed autonomy level (max_level = '{settings.max_level.value}'). "
            f"Pass a lower --level, or raise max_level in tether.toml or [tool.tether] (or TETHER_MAX_LEVEL={level})."
        )
    return settings.merged({"level": level})


def engine_from(args: argparse.Namespace) -> Engine:
    from ..ops.gather import default_providers

    settings = settings_from(args)
    engine = Engine(settings, Path(args.workspace))
    engine.providers = default_providers(engine)
    return engine


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def run_op(engine: Engine, op: Awaitable[T]) -> T:
    """Run an async operation to the end, then release the engine's models."""

    async def closing() -> T:
        try:
            return await op
        finally:
            await engine.aclose()

    return asyncio.run(closing())
