"""Helpers for the repo agent tests: a small real git repository, engines on a scripted endpoint.

The SCRIPTED OpenAI-compatible server (tests/fixtures/openai_server.py) plays a model that
misbehaves on purpose; tests that use it say "scripted" in their names.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.conftest import make_git_repo
from tests.fixtures.openai_server import ScriptedOpenAIServer

from tether.config import load_settings
from tether.engine import Engine
from tether.ops.gather import default_providers

CALC = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
APP = "from calc import add\n\n\ndef total(items):\n    return sum(items)\n"
TEST = "from calc import add, mul\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n"
CHECK = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]


def calc_repo(tmp_path: Path) -> Path:
    """calc.py without mul, app.py, and a test that wants mul (the check fails before the task)."""
    return make_git_repo(tmp_path / "calc", {"calc.py": CALC, "app.py": APP, "tests/test_calc.py": TEST})


def scripted_engine(root: Path, server: ScriptedOpenAIServer, **overrides) -> Engine:
    slot = {"backend": "openai", "base_url": server.base_url, "model": "scripted-model", "max_retries": 0}
    layer = {"level": "repo", "models": {"adv": slot}, "roles": {"edit": ["adv"]}, **overrides}
    engine = Engine(load_settings(root, env={}, overrides=layer), root)
    engine.providers = default_providers(engine)
    return engine


def snapshot(root: Path) -> dict[str, str]:
    """Every file outside .git and .tether, to prove nothing was written."""
    return {
        p.relative_to(root).as_posix(): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not {".git", ".tether"} & set(p.relative_to(root).parts)
    }
