"""Every `--help` entry has text: each command, sub-command, option and positional of the real parser.

The command modules are imported lazily (cli/lazy.py); the walk loads each one, the way argparse
does when its name is typed, so no command escapes the check.
"""

from __future__ import annotations

import argparse

from tether.cli import build_parser
from tether.cli.lazy import LazySubParsers, load_parser

SKIPPED = (argparse._HelpAction, argparse._VersionAction)


def walk(parser: argparse.ArgumentParser, path: str) -> tuple[list[str], list[str]]:
    """(every command path seen, the entries without help text) under ``parser``."""
    seen, missing = [path], []
    for action in parser._actions:
        if isinstance(action, SKIPPED):
            continue
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name in list(action.choices):
                sub = load_parser(action, name) if isinstance(action, LazySubParsers) else action.choices[name]
                if not (helps.get(name) or "").strip():
                    missing.append(f"{path} {name} (the command itself)")
                more_seen, more_missing = walk(sub, f"{path} {name}")
                seen += more_seen
                missing += more_missing
            continue
        if not (action.help or "").strip() or action.help == argparse.SUPPRESS:
            missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
    return seen, missing


def test_every_command_and_option_has_help_text():
    seen, missing = walk(build_parser(), "tether")
    # the walk reached the lazily loaded modules and their nested verbs
    for command in ("tether repo", "tether undo", "tether proposals accept", "tether docs search", "tether bench repo", "tether doctor"):
        assert command in seen
    assert missing == [], "entries of --help without text:\n" + "\n".join(missing)
