"""`tether digest`'s core: tree + files of a real git repo, rules and secrets respected, budgets."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import make_git_repo

from tether.context.budget import TokenCounter, estimate_tokens
from tether.context.digest import build_digest, file_block, render_tree, repo_ranks
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


# A package where one core module is imported by every other one, next to the files a real
# repository carries that a reader of its code does not need first.
CORE = "".join(
    f"def parse_field_{i}(raw):\n    '''Parse field {i} of a record.'''\n    return raw.split(',')[{i % 5}].strip()\n\n\n"
    for i in range(60)
)
USERS = {
    f"pkg/{name}.py": f"from pkg.core import parse_field_{i}, parse_field_{i + 1}\n\n\ndef {name}_record(raw):\n"
    f"    return parse_field_{i}(raw), parse_field_{i + 1}(raw)\n"
    for i, name in enumerate(["client", "server", "cli", "models", "utils"])
}
JUNK = {
    "CNAME": "docs.example.org\n",
    ".github/FUNDING.yml": "github: someone\n",
    "docs/css/theme.css": "".join(f".c{i} {{ color: #{i:06x}; }}\n" for i in range(40)),
    "scripts/release.sh": "#!/bin/sh\nset -e\npython -m build\n",
    "data/table.csv": "".join(f"{i},{i * i},row {i}\n" for i in range(200)),
}


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return make_git_repo(tmp_path / "pkg-repo", {"README.md": "# pkg\n\nParses records.\n", "pkg/core.py": CORE, **USERS, **JUNK})


async def test_repo_ranks_put_the_module_everyone_imports_first(package: Path) -> None:
    ranks = repo_ranks(package)
    assert set(ranks) == {"pkg/core.py", *USERS}  # files without a grammar have no rank
    assert max(ranks, key=ranks.__getitem__) == "pkg/core.py"
    assert all(ranks["pkg/core.py"] > 2 * ranks[user] for user in USERS)


async def test_digest_budget_keeps_ranked_source_and_lists_what_it_left_out(package: Path) -> None:
    full = await build_digest(package, count)
    junk_tokens = sum(estimate_tokens(file_block(rel, text)) for rel, text in JUNK.items())
    core_tokens = estimate_tokens(file_block("pkg/core.py", CORE))
    assert core_tokens > junk_tokens  # small files first would have taken all the junk before the core module
    cut = await build_digest(package, count, max_tokens=full.tokens - junk_tokens // 2)
    assert cut.tokens <= full.tokens - junk_tokens // 2
    assert "pkg/core.py" in cut.included and "README.md" in cut.included
    assert set(USERS) <= set(cut.included)
    assert set(cut.omitted) and set(cut.omitted) <= set(JUNK)
    # The closing index: one line per left-out file, with its size in tokens, after the last file.
    body, _, index = cut.text.rpartition("LEFT OUT for the token budget: ")
    assert "FILE: pkg/core.py" in body and index.startswith(f"{len(cut.omitted)} files, ")
    listed = index.splitlines()[2:]
    assert [line.split("  ")[0] for line in listed] == cut.omitted
    for line, rel in zip(listed, cut.omitted, strict=True):
        assert line == f"{rel}  {estimate_tokens(file_block(rel, JUNK[rel])):,} tokens"


async def test_digest_without_ranks_falls_back_to_small_files_first(package: Path) -> None:
    full = await build_digest(package, count)
    junk_tokens = sum(estimate_tokens(file_block(rel, text)) for rel, text in JUNK.items())
    # No file ranked (as for a repo in a language without a grammar): shallow and small first,
    # so the same budget keeps the junk and loses the core module: what ranking is for.
    unranked = await build_digest(package, count, max_tokens=full.tokens - junk_tokens // 2, ranks={})
    assert unranked.omitted == ["pkg/core.py"]
    assert unranked.text.endswith(f"pkg/core.py  {estimate_tokens(file_block('pkg/core.py', CORE)):,} tokens\n")
