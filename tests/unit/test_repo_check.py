"""The check command runner and the scratch copy it runs in (real processes, real folders)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from tether.errors import InputError
from tether.ops.check import Scratch, check_env, parse_check, run_check


def test_parse_check_splits_without_a_shell():
    assert parse_check("python -m pytest -q 'tests/a b.py'") == ["python", "-m", "pytest", "-q", "tests/a b.py"]
    assert parse_check("echo $HOME; rm -rf /") == ["echo", "$HOME;", "rm", "-rf", "/"]  # no shell: just arguments
    with pytest.raises(InputError, match="empty"):
        parse_check("  ")
    with pytest.raises(InputError, match="cannot be parsed"):
        parse_check("echo 'unclosed")


async def test_run_check_reports_pass_fail_and_the_output_tail(tmp_path):
    ok = await run_check([sys.executable, "-c", "print('fine')"], tmp_path, 30)
    assert ok.passed and ok.exit_code == 0 and "fine" in ok.output
    bad = await run_check([sys.executable, "-c", "import sys; print('x' * 9000); sys.exit(3)"], tmp_path, 30, max_chars=100)
    assert not bad.passed and bad.exit_code == 3
    assert bad.output.startswith("[... output cut ...]") and len(bad.output) < 200
    assert "failed (exit 3)" in bad.summary()


async def test_run_check_kills_the_whole_process_group_at_the_timeout(tmp_path):
    marker = tmp_path / "child-alive"
    child = tmp_path / "child.py"
    child.write_text(f"import time\ntime.sleep(3)\nopen({str(marker)!r}, 'w').close()\n")
    parent = tmp_path / "parent.py"
    parent.write_text(f"import subprocess, sys, time\nsubprocess.Popen([sys.executable, {str(child)!r}])\ntime.sleep(30)\n")
    code = str(parent)
    started = time.perf_counter()
    result = await run_check([sys.executable, code], tmp_path, 0.5)
    assert result.timed_out and not result.passed and time.perf_counter() - started < 10
    assert "timed out" in result.summary()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # the grandchild would write the marker at 3 s if it survived
        assert not marker.exists()
        time.sleep(0.2)


async def test_run_check_missing_program_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        await run_check(["no-such-program-tether"], tmp_path, 5)


def test_scratch_copies_the_workspace_links_heavy_folders_and_never_writes_back(tmp_path):
    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("a = 1\n")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref\n")
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "bin" / "tool").write_text("#!/bin/sh\n")
    with Scratch(root) as scratch:
        assert (scratch.root / "pkg" / "a.py").read_text() == "a = 1\n"
        assert not (scratch.root / ".git").exists()
        assert (scratch.root / ".venv").is_symlink() and (scratch.root / ".venv" / "bin" / "tool").exists()
        scratch.write("pkg/a.py", "a = 2\n")
        assert (scratch.root / "pkg" / "a.py").read_text() == "a = 2\n"
        with pytest.raises(InputError, match="outside the scratch copy"):
            scratch.write("../escape.py", "x")
        folder = scratch.root
    assert (root / "pkg" / "a.py").read_text() == "a = 1\n"
    assert not folder.exists()


def test_check_env_leaves_out_tethers_own_virtualenv_unless_inherited(tmp_path):
    venv_bin = str(tmp_path / "venv" / "bin")
    environ = {"PATH": os.pathsep.join([venv_bin, str(Path(sys.prefix) / "bin"), "/usr/bin"]), "VIRTUAL_ENV": str(tmp_path / "venv")}
    clean = check_env(environ=environ)
    assert "VIRTUAL_ENV" not in clean
    assert venv_bin not in clean["PATH"].split(os.pathsep) and "/usr/bin" in clean["PATH"].split(os.pathsep)
    if sys.prefix != sys.base_prefix:  # the tests run in a virtualenv: its bin is dropped too
        assert str(Path(sys.prefix) / "bin") not in clean["PATH"].split(os.pathsep)
    assert check_env(inherit=True, environ=environ) == environ
    # a virtualenv inside the workspace is the project's own (tether installed in it): it stays
    assert check_env(environ=environ, workspace=tmp_path) == environ
    assert check_env(environ=environ, workspace=tmp_path / "elsewhere")["PATH"] == clean["PATH"]


async def test_run_check_runs_without_the_virtualenv_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("VIRTUAL_ENV", sys.prefix)
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.prefix) / "bin"), os.environ["PATH"]]))
    show = [sys.executable, "-c", "import os; print(os.environ.get('VIRTUAL_ENV')); print(os.environ['PATH'])"]
    seen = (await run_check(show, tmp_path, 30)).output.splitlines()
    assert seen[0] == "None" and str(Path(sys.prefix) / "bin") not in seen[1].split(os.pathsep)
    kept = (await run_check(show, tmp_path, 30, env=check_env(inherit=True))).output.splitlines()
    assert kept[0] == sys.prefix and str(Path(sys.prefix) / "bin") in kept[1].split(os.pathsep)


async def test_same_failure_ignores_timings_but_not_a_different_failure(tmp_path):
    fail = [sys.executable, "-c", "import time, sys; print(f'1 failed in {time.perf_counter() % 1:.2f}s'); sys.exit(1)"]
    first, second = await run_check(fail, tmp_path, 30), await run_check(fail, tmp_path, 30)
    assert first.same_failure(second)
    other = await run_check([sys.executable, "-c", "print('2 failed in 0.10s'); raise SystemExit(1)"], tmp_path, 30)
    assert not other.same_failure(first)
    passing = await run_check([sys.executable, "-c", "pass"], tmp_path, 30)
    assert not passing.same_failure(passing) and not first.same_failure(None)
