"""Fixtures shared by every test folder: real git repos in temp dirs, the bundled model's path."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tether.backends.bundled import bundled_model_path

# Fixture modules every folder may use (`openai_server`: a scripted OpenAI-compatible endpoint).
pytest_plugins = ["tests.fixtures.openai_server"]

DEMO = Path(__file__).resolve().parents[1] / "seeds" / "demo"


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
