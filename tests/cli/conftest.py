"""Run the installed `tether` entry point as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TETHER = str(Path(sys.executable).parent / "tether")


def run_tether(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TETHER_")}
    full_env.update(env or {})
    return subprocess.run([TETHER, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def tether():
    return run_tether
