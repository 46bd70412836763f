"""`tether digest`'s core: tree + files of a real git repo, rules and secrets respected, budgets."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import make_git_repo

from tether.context.budget import TokenCounter, estimate_tokens
from tether.context.digest import build_digest, render_tree
from tether.errors import InputError

KEY = "sk-canary0123456789abcdefghij"
FILES = {
    "README.md": "# Demo\n\nA small project.\n",
    "src/app.py": "from src.util import helper\n\nprint(helper())\n",
    "src/util.py": "def helper():\n    return 42\n",
    "src/settings.py": f'API_KEY = "{KEY}"\n',
    "data/blob.bin": b"\x00\x01\x02binary",
    "big/long.py": "".join(f"value_{i} = {i}\n" for i in range(400)),
    ".gitignore": "*.log\n",
    ".tetherignore": "private/\n",
    "private/notes.py": "SECRET_PLAN = 1\n",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_git_repo(tmp_path / "demo", FILES)
    (root / ".env").write_text(f"OPENAI_API_KEY={KEY}\n")
    (root / "run.log").write_text("log line\n")
    return root


async def count(text: str) -> int:
    return estimate_tokens(text)


async def test_digest_has_summary_tree_and_files(repo: Path) -> None:
    digest = await build_digest(repo, count)
    text = digest.text
    assert text.startswith("Directory: demo\nFiles included: 7\n")
    assert "Directory structure:\n└── demo/\n" in text
    assert "│   └── long.py" in text or "    └── long.py" in text
    assert "blob.bin  (binary, no content)" in text
    assert (
        "================================================\nFILE: src/util.py\n================================================\ndef helper():\n    return 42\n"
        in text
    )
    assert digest.included == [".gitignore", ".tetherignore", "README.md", "big/long.py", "src/app.py", "src/settings.py", "src/util.py"]
    assert digest.skipped == {"data/blob.bin": "binary"}
    assert f"Estimated tokens: {digest.tokens:,}" in text
    assert abs(digest.tokens - estimate_tokens(text)) < 40


async def test_digest_respects_ignores_and_redacts_secrets(repo: Path) -> None:
    text = (await build_digest(repo, count)).text
    assert KEY not in text
    assert 'API_KEY = "[REDACTED]"' in text
    for hidden in (".env", "run.log", "private/notes.py", "SECRET_PLAN"):
        assert hidden not in text


async def test_digest_budget_leaves_big_files_out_and_marks_them(repo: Path) -> None:
    full = await build_digest(repo, count)
    cut = await build_digest(repo, count, max_tokens=full.tokens // 3)
    assert cut.tokens <= full.tokens // 3
    assert "big/long.py" in cut.omitted and "README.md" in cut.included
    assert "long.py  (left out: token budget)" in cut.text
    assert "FILE: big/long.py" not in cut.text
    assert "Files left out for the token budget: " in cut.text


async def test_digest_of_a_folder_and_a_missing_path(repo: Path) -> None:
    digest = await build_digest(repo, count, "src")
    assert digest.included == ["src/app.py", "src/settings.py", "src/util.py"]
    assert digest.text.startswith("Directory: demo/src\n")
    with pytest.raises(InputError, match="does not exist"):
        await build_digest(repo, count, "nope")


async def test_digest_counts_with_a_counter_without_a_model(repo: Path) -> None:
    counter = TokenCounter(None)
    digest = await build_digest(repo, counter.count)
    assert not counter.exact and digest.tokens > 0


def test_render_tree_sorts_folders_first() -> None:
    tree = render_tree("root", ["b.py", "a/x.py", "a/b/y.py"], {})
    assert tree.splitlines() == ["└── root/", "    ├── a/", "    │   ├── b/", "    │   │   └── y.py", "    │   └── x.py", "    └── b.py"]
