"""Running a model's program against a task's tests: in a child process, never in this one.

The program (the file the op produced, then the task's ``test`` and ``check(<entry_point>)``)
is written to a fresh temporary folder and run by ``python -I`` (isolated: no user site, no
PYTHON* variables, no current folder on sys.path) in its own session, with:

- a wall-clock timeout: past it the run counts as ``timeout``;
- after every run, passed or not, the whole process group is killed (SIGKILL), so nothing the
  program started (a ``sleep 300`` in the background) outlives its run. Its own session keeps it
  out of reach of signals sent to tether's process group (Ctrl-C in a terminal);
- resource limits set in the child before the program starts (``resource.setrlimit``, soft and
  hard, so the program cannot raise them): CPU seconds (the timeout + 1), address space
  (``MEMORY_BYTES``), size of a written file (``FILE_BYTES``);
- stdin and stdout closed to the program (/dev/null), stderr to a file in the temporary folder
  (its tail is kept as the failure detail), a minimal environment.

HumanEval's own ``check_correctness`` execs the program in a forked copy of the caller with
builtins disabled; a plain child interpreter with a timeout is simpler to reason about and
leaves the caller (which holds the model) out of reach.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

MEMORY_BYTES = 2 * 1024**3  # generous for HumanEval's tests, small enough that a runaway list fails fast
FILE_BYTES = 16 * 1024**2
DETAIL_CHARS = 600

# Runs in the child before the program: limits, then the program as __main__.
_DRIVER = """\
import resource, runpy, sys
for kind, value in ((resource.RLIMIT_CPU, {cpu}), (resource.RLIMIT_AS, {memory}), (resource.RLIMIT_FSIZE, {fsize})):
    try:
        resource.setrlimit(kind, (value, value))
    except (ValueError, OSError):
        pass  # a limit the platform refuses stays as it was; the wall-clock timeout still holds
runpy.run_path(sys.argv[1], run_name="__main__")
"""


class Outcome(BaseModel):
    """How a run ended: ``passed`` (exit 0), ``failed`` (another exit: an assertion, an
    exception, a syntax error, a resource limit) or ``timeout``; ``detail``: the last
    ``DETAIL_CHARS`` characters of its stderr (empty when it passed); ``elapsed_ms``: wall time."""

    status: Literal["passed", "failed", "timeout"]
    detail: str = ""
    elapsed_ms: float

    @property
    def passed(self) -> bool:
        return self.status == "passed"


def check_program(source: str, test: str, entry_point: str) -> str:
    """The program HumanEval runs: the file, the tests, then ``check(<entry_point>)``."""
    return f"{source}\n{test}\ncheck({entry_point})\n"


def run_program(program: str, timeout_s: float) -> Outcome:
    """Run ``program`` (Python source) in a child ``python -I`` as the module docstring says.

    ``timeout_s``: wall-clock seconds (> 0). Never raises for what the program does; raises
    OSError only when the child cannot be started."""
    import time

    cpu = int(timeout_s) + 1
    driver = _DRIVER.format(cpu=cpu, memory=MEMORY_BYTES, fsize=FILE_BYTES)
    with tempfile.TemporaryDirectory(prefix="tether-eval-") as folder:
        path = Path(folder) / "program.py"
        path.write_text(program, encoding="utf-8")
        errors = Path(folder) / "stderr.txt"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": folder, "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
        start = time.perf_counter()
        with errors.open("wb") as err:
            child = subprocess.Popen(
                [sys.executable, "-I", "-c", driver, str(path)],
                cwd=folder,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,  # its own process group: a timeout kills what it started too
            )
            try:
                code: int | None = child.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                code = None
            finally:
                _kill_group(child)
        elapsed = (time.perf_counter() - start) * 1000
        if code is None:
            return Outcome(status="timeout", detail=f"killed after {timeout_s:g} s", elapsed_ms=elapsed)
        if code == 0:
            return Outcome(status="passed", elapsed_ms=elapsed)
        tail = errors.read_bytes()[-DETAIL_CHARS * 4 :].decode("utf-8", "replace")[-DETAIL_CHARS:]
        if code < 0:
            tail += f"\nkilled by signal {-code}"
        return Outcome(status="failed", detail=tail.strip() or f"exit code {code}", elapsed_ms=elapsed)


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child's process group (its pgid is its pid: ``start_new_session``), then reap it.
    While a process of the group lives the pgid cannot be reused; once none does, killpg finds none."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):  # the group is gone: nothing left to kill
        pass
    child.wait()
