"""Helpers shared by CLI commands: building the engine from flags, printing JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

from ..config import Settings, load_settings, model_flag_overrides
from ..engine import Engine
from ..errors import LeashError
from ..slider import Level

T = TypeVar("T")


def add_model_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        metavar="PATH",
        help="GGUF file to use for this command: sets the bundled slot's path (over TETHER_MODEL) and every role uses that slot",
    )
    parser.add_argument("--n-ctx", type=int, metavar="N", help="context window in tokens of the models this command uses")


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
    settings = load_settings(Path(args.workspace))
    model, n_ctx = getattr(args, "model", None), getattr(args, "n_ctx", None)
    if model or n_ctx:  # the flags' layer depends on the roles and slots below it (config.model_flag_overrides)
        settings = load_settings(Path(args.workspace), overrides=model_flag_overrides(settings, model or None, n_ctx or None))
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


def stderr_progress(description: str = "{task.description}") -> Any:
    """A rich ``Progress`` (description, bar, done/total, elapsed) drawn on stderr while it is a
    terminal and silent otherwise; transient, so nothing is left once it closes. Use it as a
    context manager; ``description`` is rich's column format (``task.description`` is the label
    a task is given or updated with). rich is imported here, so only commands that draw pay for it."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    return Progress(
        TextColumn(description),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
