"""The eval's parts: the hole rule, the edit file, the child-process test runner (real subprocesses)."""

from __future__ import annotations

import os
import time

from tether.eval.execute import check_program, run_program
from tether.eval.tasks import Task, bundled_tasks, edit_file, fim_hole


def test_every_canonical_solution_filled_back_into_its_hole_gives_the_original_file() -> None:
    tasks = bundled_tasks()
    assert len(tasks) == 164
    for task in tasks:
        hole = fim_hole(task)
        assert hole.before + hole.after == hole.text
        assert hole.before + hole.expected + hole.after == task.prompt + task.canonical_solution
        assert hole.expected and "\n" not in hole.expected
        lines = hole.text.splitlines(keepends=True)
        assert lines[hole.line][: hole.col] == hole.before.splitlines(keepends=True)[-1]


def test_the_hole_is_the_middle_non_blank_line() -> None:
    task = Task(
        task_id="t", prompt="def f(x):\n", canonical_solution="    a = 1\n\n    b = 2\n    return a + b\n", test="", entry_point="f"
    )
    hole = fim_hole(task)
    assert (hole.expected, hole.line, hole.col) == ("b = 2", 3, 4)
    assert hole.text == "def f(x):\n    a = 1\n\n    \n    return a + b\n"


def test_the_edit_selection_is_the_entry_points_function_with_a_pass_body() -> None:
    task = bundled_tasks()[38]  # decode_cyclic, after a helper encode_cyclic in the same prompt
    target = edit_file(task)
    lines = target.text.splitlines(keepends=True)
    assert lines[target.start_line].startswith(f"def {task.entry_point}(")
    assert target.end_line == len(lines) and lines[-1] == "    pass\n"
    assert "def encode_cyclic(" in "".join(lines[: target.start_line])


def test_run_program_passes_fails_and_kills_at_the_timeout() -> None:
    ok = run_program(check_program("def f():\n    return 1\n", "def check(c):\n    assert c() == 1\n", "f"), timeout_s=10)
    assert (ok.status, ok.detail) == ("passed", "")
    bad = run_program(check_program("def f():\n    return 2\n", "def check(c):\n    assert c() == 1\n", "f"), timeout_s=10)
    assert bad.status == "failed" and "AssertionError" in bad.detail
    start = time.perf_counter()
    loop = run_program("while True:\n    pass\n", timeout_s=0.5)
    assert loop.status == "timeout" and time.perf_counter() - start < 5


def test_run_program_kills_what_the_program_started_and_runs_isolated(tmp_path) -> None:
    # A grandchild that would outlive the timeout: the whole process group goes.
    marker = tmp_path / "pid"
    program = f"import subprocess, sys\np = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\nopen({str(marker)!r}, 'w').write(str(p.pid))\nwhile True:\n    pass\n"
    assert run_program(program, timeout_s=1.5).status == "timeout"
    pid = int(marker.read_text())
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)
    # -I: no current folder on sys.path, no PYTHON* variables; cwd is a fresh temporary folder.
    probe = "import os, sys\nassert os.getcwd() != " + repr(os.getcwd()) + "\nassert sys.flags.isolated == 1\n"
    assert run_program(probe, timeout_s=10).status == "passed"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"  # a zombie waits for its reaper, it no longer runs
    except FileNotFoundError:
        return False


def test_run_program_kills_what_a_passing_program_left_running(tmp_path) -> None:
    # The tests pass, but leave `sleep 300` behind: it goes with the run, and the child had its own session.
    marker = tmp_path / "pid"
    program = (
        "import os, subprocess\n"
        "p = subprocess.Popen(['sleep', '300'])\n"
        f"open({str(marker)!r}, 'w').write(f'{{p.pid}} {{os.getsid(0)}} {{os.getpid()}}')\n"
    )
    assert run_program(program, timeout_s=10).status == "passed"
    pid, sid, child = map(int, marker.read_text().split())
    assert sid == child != os.getsid(0)  # a session of its own: tether's group signals cannot reach it
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)
