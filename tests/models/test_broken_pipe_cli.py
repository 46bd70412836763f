"""A reader that closes stdout early (`tether models discover --json | head -0`) ends tether quietly:
exit 141 (128 + SIGPIPE), no "Error:" line and no traceback on stderr."""

from __future__ import annotations

import os
import subprocess

from tests.cli.conftest import TETHER
from tests.models.conftest import _MACHINE_VARS


def test_closed_stdout_ends_quietly_without_a_traceback(model_env, workspace):
    env = {k: v for k, v in os.environ.items() if not k.startswith(_MACHINE_VARS)} | model_env
    proc = subprocess.Popen(
        [TETHER, "-C", str(workspace), "models", "discover", "--json", "--no-ollama-api"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader goes away before tether writes its result
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141, stderr
    assert "Traceback" not in stderr and "Broken pipe" not in stderr and "Error" not in stderr, stderr
