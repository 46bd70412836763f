"""Which files may enter context: real git repositories (and plain folders) in temp dirs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.conftest import git, make_git_repo

from tether.context.files import is_excluded, list_files
from tether.context.gitinfo import GitInfo
from tether.context.ignore import IgnoreRules, walk_files

FILES = {
    "src/app.py": "print('app')\n",
    "src/util.py": "def helper():\n    return 1\n",
    "gen/out.py": "GENERATED = 1\n",
    "docs/notes.md": "# Notes\n",
    ".gitignore": "*.log\nbuild/\n",
    ".tetherignore": "gen/\n*.md\n!docs/keep.md\n",
    "certs/server.pem": "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_git_repo(tmp_path / "repo", FILES)
    (root / ".env").write_text("OPENAI_API_KEY=sk-canary0123456789abcdefghij\n")
    (root / "debug.log").write_text("noise\n")
    (root / "build").mkdir()
    (root / "build" / "lib.py").write_text("x = 1\n")
    (root / "src" / "new.py").write_text("NEW = 1\n")  # untracked, not ignored
    (root / "docs" / "keep.md").write_text("# kept\n")
    return root


def test_list_files_follows_git_tetherignore_and_secret_rules(repo: Path) -> None:
    files = list_files(repo)
    assert files.git is not None
    assert files.files == [".gitignore", ".tetherignore", "docs/keep.md", "src/app.py", "src/new.py", "src/util.py"]
    assert files.allows("src/new.py") and not files.allows(".env") and not files.allows("gen/out.py")


def test_is_excluded_for_single_files(repo: Path) -> None:
    assert is_excluded(repo, ".env")  # secret-looking
    assert is_excluded(repo, "certs/server.pem")  # secret-looking, even though git tracks it
    assert is_excluded(repo, "debug.log") and is_excluded(repo, "build/lib.py")  # git-ignored
    assert is_excluded(repo, "gen/out.py") and is_excluded(repo, "docs/notes.md")  # .tetherignore
    assert not is_excluded(repo, "docs/keep.md")  # re-included by a ! pattern
    assert not is_excluded(repo, "src/app.py") and not is_excluded(repo, "src/new.py")


def test_dirty_files_diff_and_ignored(repo: Path) -> None:
    (repo / "src" / "app.py").write_text("print('changed')\n")
    info = GitInfo.open(repo)
    assert info is not None
    assert "src/app.py" in info.dirty_files() and "src/new.py" in info.dirty_files()
    assert "src/util.py" not in info.dirty_files()
    diff = info.diff()
    assert "-print('app')" in diff and "+print('changed')" in diff
    assert info.ignored(["debug.log", "src/app.py"]) == {"debug.log"}


def test_diff_before_the_first_commit(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    git(root, "init", "-q")
    (root / "a.py").write_text("a = 1\n")
    git(root, "add", "a.py")
    info = GitInfo.open(root)
    assert info is not None and not info.has_head()
    assert "+a = 1" in info.diff()
    assert info.files() == ["a.py"]


def test_workspace_in_a_subfolder_of_the_repository(repo: Path) -> None:
    (repo / "src" / "util.py").write_text("def helper():\n    return 2\n")
    files = list_files(repo / "src")
    assert files.files == ["app.py", "new.py", "util.py"]
    info = GitInfo.open(repo / "src")
    assert info is not None and info.dirty_files() == ["new.py", "util.py"]
    assert "a/util.py" in info.diff()


def test_plain_folder_is_walked_with_gitignore_and_default_skips(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    for rel, text in {
        "a.py": "",
        "sub/b.py": "",
        "sub/skip.tmp": "",
        "node_modules/x/index.js": "",
        ".venv/lib.py": "",
        "__pycache__/a.pyc": "",
        ".env": "K=1",
        "sub/.gitignore": "*.tmp\n",
        ".tetherignore": "secret_dir/\n",
        "secret_dir/c.py": "",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    files = list_files(root)
    assert files.git is None
    assert files.files == [".tetherignore", "a.py", "sub/.gitignore", "sub/b.py"]
    assert is_excluded(root, "sub/skip.tmp") and is_excluded(root, "secret_dir/c.py") and is_excluded(root, ".env")
    assert not is_excluded(root, "sub/b.py")


def test_folder_ignored_by_an_enclosing_repository_is_a_plain_folder(tmp_path: Path) -> None:
    outer = make_git_repo(tmp_path / "outer", {".gitignore": "versions/\n", "README.md": "x\n"})
    inner = outer / "versions" / "lib"
    inner.mkdir(parents=True)
    (inner / "mod.py").write_text("X = 1\n")
    assert GitInfo.open(inner) is None
    assert list_files(inner).files == ["mod.py"]


def test_symlinks_are_not_followed_by_the_walker(tmp_path: Path) -> None:
    root = tmp_path / "links"
    (root / "real").mkdir(parents=True)
    (root / "real" / "a.py").write_text("")
    os.symlink(root / "real", root / "loop")
    assert list(walk_files(root)) == ["real/a.py"]


@pytest.mark.parametrize(
    "pattern, path, is_dir, ignored",
    [
        ("*.log", "a/b/debug.log", False, True),
        ("/top.py", "top.py", False, True),
        ("/top.py", "sub/top.py", False, False),
        ("build/", "build", True, True),
        ("build/", "build", False, False),
        ("docs/*.md", "docs/a.md", False, True),
        ("docs/*.md", "docs/sub/a.md", False, False),
        ("**/cache", "a/b/cache", True, True),
        ("a/**/z.py", "a/b/c/z.py", False, True),
        ("a/**/z.py", "a/z.py", False, True),
        ("logs/**", "logs/x/y.txt", False, True),
        ("file[0-9].py", "file7.py", False, True),
        ("file[!0-9].py", "file7.py", False, False),
        ("\\#hash", "#hash", False, True),
        ("# comment", "# comment", False, False),
    ],
)
def test_gitignore_patterns(pattern: str, path: str, is_dir: bool, ignored: bool) -> None:
    rules = IgnoreRules()
    rules.add_lines([pattern])
    assert rules.match(path, is_dir) is ignored


def test_negation_and_folder_rules() -> None:
    rules = IgnoreRules()
    rules.add_lines(["*.md", "!README.md", "vendor/"])
    assert rules.ignored("docs/a.md") and not rules.ignored("README.md")
    assert rules.ignored("vendor/pkg/mod.py")  # through its folder
    nested = IgnoreRules()
    nested.add_lines(["*.gen"], base="pkg")
    assert nested.ignored("pkg/x.gen") and not nested.ignored("x.gen")
    blank = IgnoreRules()
    blank.add_lines(["   ", "#x", "!", "/"])  # blanks, a comment and lines git cannot read match nothing
    assert not blank.ignored("#x") and not blank.ignored("x/y")
