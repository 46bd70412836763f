"""Subcommands whose modules are imported only when chosen, so `tether --help` starts fast.

A command module's ``register(subparsers)`` may import heavy libraries (pydantic models, httpx,
numpy, lsprotocol) at its top. The top-level parser therefore lists each command from a table of
names and help lines (``LazyCommand``) and imports the command's module when argparse reaches the
command's name: that module's ``register`` then builds the real sub-parser in place of the
placeholder. `tether --help` and `tether --version` import none of them (docs/benchmarks.md,
CLI start).
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Mapping
from typing import Any, NamedTuple, cast


class LazyCommand(NamedTuple):
    """Where a command lives: ``module`` (dotted, importable) whose ``register`` adds a parser named
    like the table key, with ``help`` (the line `--help` shows; a test checks it matches)."""

    module: str
    help: str


class LazySubParsers(argparse._SubParsersAction):
    """A sub-parsers action whose parsers are placeholders until chosen (see the module docstring).

    ``commands``: name -> LazyCommand. Built by ``add_lazy_commands``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands: Mapping[str, LazyCommand] = {}
        self._loaded: set[str] = set()

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option_string: str | None = None
    ) -> None:
        name: str = values[0] if values else ""
        if name in self.commands and name not in self._loaded:
            self._name_parser_map[name] = load_parser(self, name)
        super().__call__(parser, namespace, values, option_string)


def load_parser(action: LazySubParsers, name: str) -> argparse.ArgumentParser:
    """Import ``name``'s module and return the parser its ``register`` builds (prog as the real one's)."""
    scratch = argparse._SubParsersAction(option_strings=[], prog=action._prog_prefix, parser_class=action._parser_class)
    importlib.import_module(action.commands[name].module).register(scratch)
    try:
        built = scratch._name_parser_map[name]
    except KeyError:
        raise RuntimeError(f"{action.commands[name].module}.register added no command {name!r}") from None
    action._loaded.add(name)
    return built


def add_lazy_commands(parser: argparse.ArgumentParser, commands: Mapping[str, LazyCommand], **kwargs: Any) -> LazySubParsers:
    """Add sub-commands from ``commands`` to ``parser`` as placeholders; ``kwargs`` go to ``add_subparsers``."""
    action = cast(LazySubParsers, parser.add_subparsers(action=LazySubParsers, **kwargs))
    action.commands = commands
    for name, command in commands.items():
        action.add_parser(name, help=command.help, add_help=False)
    return action


def registered_help(action: argparse._SubParsersAction) -> dict[str, str | None]:
    """name -> help line, as `--help` lists the action's commands."""
    return {choice.dest: choice.help for choice in action._choices_actions}
