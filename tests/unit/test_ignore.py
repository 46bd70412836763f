"""Ignore rules agree with git itself: each case is a real folder, answered by ``git ls-files`` and by tether.

The rules are pathspec's ``GitIgnoreSpec``; these cases are the ones a hand-written translation
got wrong or that are easy to get wrong: ``!`` negation (and git's refusal to re-include a file
inside an ignored folder), ``**``, trailing spaces (dropped unless escaped), anchoring by a
leading or middle slash, nested ``.gitignore`` files relative to their own folder, character
classes, escapes, and lines git cannot read.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tether.context.files import is_excluded
from tether.context.ignore import GITIGNORE, IgnoreRules, walk_files

CASES: dict[str, tuple[dict[str, str], list[str]]] = {
    "negation": ({"": "*.md\n!README.md\n"}, ["a.md", "README.md", "docs/README.md", "docs/b.md"]),
    "negation inside an ignored folder": ({"": "build/\n!build/keep.txt\n"}, ["build/keep.txt", "build/x.txt", "y.txt"]),
    "negation of a folder's contents": ({"": "logs/*\n!logs/keep.txt\n"}, ["logs/keep.txt", "logs/x.txt", "logs/sub/y.txt"]),
    "double star": (
        {"": "**/cache/\na/**/z.txt\nlogs/**\n"},
        ["cache/x", "deep/er/cache/y", "a/z.txt", "a/b/c/z.txt", "b/z.txt", "logs/q/r.txt", "logs.txt"],
    ),
    "trailing spaces": ({"": "trail.txt   \nesc.txt\\ \n"}, ["trail.txt", "esc.txt ", "esc.txt"]),
    "anchored": ({"": "/top.txt\nsub/mid.txt\n"}, ["top.txt", "x/top.txt", "sub/mid.txt", "x/sub/mid.txt"]),
    "nested files relative to their folder": (
        {"": "*.gen\n", "pkg": "!keep.gen\n/only_here.txt\n"},
        ["a.gen", "pkg/keep.gen", "pkg/x.gen", "pkg/only_here.txt", "pkg/deeper/only_here.txt", "only_here.txt"],
    ),
    "classes and escapes": (
        {"": "file[0-9].txt\nx[!a-c].txt\n\\#hash\n\\!bang\n# comment\n"},
        ["file7.txt", "fileA.txt", "xa.txt", "xd.txt", "#hash", "!bang", "# comment"],
    ),
    "lines git cannot read": ({"": "!\n/\nok.txt\n"}, ["ok.txt", "other.txt"]),
    "star does not cross folders": ({"": "foo/*.txt\n"}, ["foo/a.txt", "foo/bar/b.txt"]),
    "crlf file": ({"": "*.log\r\n!keep.log\r\n"}, ["a.log", "keep.log"]),
    # the two the hand-written translation got wrong: git reads neither line as a pattern that matches
    "trailing backslash": ({"": "a\\\n"}, ["a", "a\\"]),
    "slash inside a class": ({"": "a[/]b\n"}, ["a/b", "a[/]b", "c"]),
}
# Where pathspec 1.1 and git differ (rare spellings); strict, so a pathspec that fixes one says so.
PATHSPEC_DIFFERS: dict[str, tuple[dict[str, str], list[str]]] = {
    "trailing /**/": ({"": "foo/**/\n"}, ["foo/a/b.txt", "foo/c.txt"]),
    "trailing tab is part of the name": ({"": "x\t\n"}, ["x", "x\t"]),
    "escaped slash": ({"": "d\\/e\n"}, ["d/e", "x/d/e"]),
    "POSIX class": ({"": "[[:digit:]].txt\n"}, ["1.txt", "a.txt"]),
}


def _tree(root: Path, ignores: dict[str, str], files: list[str]) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for folder, text in ignores.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / GITIGNORE).write_bytes(text.encode())
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x\n")


def _kept_by_git(root: Path) -> set[str]:
    out = subprocess.run(
        ["git", "-c", "core.quotePath=off", "ls-files", "-z", "--others", "--exclude-standard"],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {p for p in out.split("\0") if p and not p.endswith(GITIGNORE)}


@pytest.mark.parametrize(
    "name",
    list(CASES)
    + [
        pytest.param(
            name,
            marks=pytest.mark.xfail(strict=True, reason="pathspec differs from git"),
        )
        for name in PATHSPEC_DIFFERS
    ],
)
def test_rules_agree_with_git(tmp_path: Path, name: str) -> None:
    ignores, files = CASES.get(name) or PATHSPEC_DIFFERS[name]
    root = tmp_path / "repo"
    _tree(root, ignores, files)
    kept = _kept_by_git(root)
    assert kept, "every case keeps at least one file"
    assert {p for p in walk_files(root) if not p.endswith(GITIGNORE)} == kept
    rules = IgnoreRules()
    for folder in sorted(ignores, key=lambda f: f.count("/") + bool(f)):
        rules.add_file(root / folder / GITIGNORE, folder)
    assert {rel for rel in files if not rules.ignored(rel)} == kept
    (root / ".git").rename(root / "not-git")  # the same folder without git: is_excluded reads the files itself
    assert {rel for rel in files if not is_excluded(root, rel)} == kept


def test_match_sees_folder_patterns_and_directories() -> None:
    rules = IgnoreRules()
    rules.add_lines(["build/", "logs/**"])
    assert rules.match("build", True) and not rules.match("build", False)  # dir/ matches folders only
    assert rules.match("build/x.py", False)  # a file below a matched folder
    assert rules.match("logs/a", False) and not rules.match("logs", False)


def test_tetherignore_after_gitignore_in_one_folder_wins(tmp_path: Path) -> None:
    (tmp_path / GITIGNORE).write_text("*.gen\n")
    (tmp_path / ".tetherignore").write_text("!keep.gen\nnotes/\n")
    for rel in ("a.gen", "keep.gen", "notes/n.md", "src.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x\n")
    assert list(walk_files(tmp_path)) == [".gitignore", ".tetherignore", "keep.gen", "src.py"]
    assert sorted(walk_files(tmp_path, use_gitignore=False)) == [".gitignore", ".tetherignore", "a.gen", "keep.gen", "src.py"]
