"""Fail closed: a missing piece of a safety check is an error, never a quiet downgrade.

Through the installed entry point: a git repository on a machine where git cannot be run
(GitPython is pointed at a path that does not exist) stops `tether repo` with a clear error
before anything is read or written, instead of skipping the dirty-tree check and git's ignores.
"""

from __future__ import annotations

from tests.conftest import make_git_repo

NO_GIT = {"GIT_PYTHON_GIT_EXECUTABLE": "/nonexistent/git", "GIT_PYTHON_REFRESH": "error"}


def test_repo_in_a_git_repository_without_git_is_refused_not_treated_as_a_plain_folder(tether, tmp_path):
    root = make_git_repo(tmp_path / "r", {"calc.py": "x = 1\n"})
    (root / "calc.py").write_text("x = 2  # uncommitted work\n")
    result = tether("-C", str(root), "repo", "--level", "repo", "-m", "Tidy.", env=NO_GIT)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("Error: ") and "git cannot be run" in result.stderr and "Install git" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert (root / "calc.py").read_text() == "x = 2  # uncommitted work\n"
    assert not (root / ".tether").exists()


def test_a_plain_folder_without_git_still_works(tether, tmp_path):
    (tmp_path / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    result = tether("-C", str(tmp_path), "context", "calc.py:2", env=NO_GIT)
    assert result.returncode == 0, result.stderr
    assert "calc.py" in result.stdout
