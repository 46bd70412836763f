"""Fixtures shared by every test folder: real git repos in temp dirs, the bundled model's path."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tether.backends.bundled import bundled_model_path

# Fixture modules every folder may use (`openai_server`: a scripted OpenAI-compatible endpoint).
pytest_plugins = ["tests.fixtures.openai_server"]

DEMO = Path(__file__).resolve().parents[1] / "seeds" / "demo"


@pytest.fixture(autouse=True, scope="session")
def _no_user_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The user config layer (config.user_config_path: $XDG_CONFIG_HOME/tether/tether.toml) points at an
    empty folder for the whole run, in this process and the CLI/server subprocesses the tests start, so
    a developer's own ~/.config/tether/tether.toml can neither change a result nor be written by one."""
    before = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("xdg-config"))
    yield
    if before is None:
        os.environ.pop("XDG_CONFIG_HOME", None)
    else:
        os.environ["XDG_CONFIG_HOME"] = before


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def make_git_repo(root: Path, files: dict[str, str | bytes]) -> Path:
    """A real git repository with ``files`` committed."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "tests@tether.invalid")
    git(root, "config", "user.name", "tether tests")
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root


@pytest.fixture
def demo_repo(tmp_path: Path) -> Path:
    """A git repo holding a copy of seeds/demo."""
    return make_git_repo(tmp_path / "demo", {p.name: p.read_text() for p in DEMO.glob("*.py")})


@pytest.fixture(scope="session")
def bundled_gguf() -> Path:
    return bundled_model_path()
