"""CLI start: `tether --help` / `--version` import no command module and no heavy library.

Behaviour, not timing: the figures are in docs/benchmarks.md (`tether bench cli-start`).
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.cli.conftest import run_tether

from tether.cli import COMMANDS
from tether.cli.bench import BENCHES
from tether.cli.lazy import registered_help

HEAVY = ("llama_cpp", "tree_sitter", "openai", "httpx", "numpy", "lsprotocol", "pygls", "pydantic", "tether.bench", "tether.engine")

PROBE = """
import json, sys
import tether.cli
from tether.cli import main
code = None
try:
    main([sys.argv[1]])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_nothing_heavy(flag):
    done = subprocess.run([sys.executable, "-c", PROBE, flag], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0
    loaded = [m for m in result["modules"] if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert loaded == []
    command_modules = {c.module for c in COMMANDS.values()}
    assert command_modules.isdisjoint(result["modules"])


@pytest.mark.parametrize("table", [COMMANDS, BENCHES])
def test_help_lines_in_the_tables_match_what_the_modules_register(table):
    for name, command in table.items():
        scratch = argparse._SubParsersAction(option_strings=[], prog="tether", parser_class=argparse.ArgumentParser)
        importlib.import_module(command.module).register(scratch)
        assert registered_help(scratch).get(name) == command.help, name


def test_a_chosen_command_is_parsed_by_its_own_parser(tmp_path: Path):
    done = run_tether("-C", str(tmp_path), "proposals", "list", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
    done = run_tether("bench", "cli-start", "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: tether bench cli-start")
    assert "--runs" in done.stdout
    done = run_tether("proposals", "list", "--no-such-flag")
    assert done.returncode == 2
    assert "unrecognized arguments: --no-such-flag" in done.stderr
