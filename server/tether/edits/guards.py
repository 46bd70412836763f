"""Guards on what the repo agent may touch, and flags for what a reviewer must look at.

``confine`` turns a path the model (or a plan file) names into a workspace-relative path, or
refuses: outside the workspace (symlinks resolved), inside ``.git`` or tether's data folder,
git-ignored, ``.tetherignore``d or secret-looking paths stop the run (LeashError); a path that
simply does not exist is a mistake the model can be re-asked about (GenerationError).

``review_flags`` marks changes that weaken the checks a run is judged by: edits to tests or CI
configuration, and added lint/type suppressions or skipped tests. They are flagged in the
proposal, never hidden; a run that edited tests does not count a passing check as its success.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath

from ..errors import GenerationError, InputError, LeashError
from ..proposals import FileChange
from ..workspace import Workspace

_TEST_DIRS = frozenset({"tests", "test", "__tests__", "spec", "specs", "testing"})
_TEST_NAME = re.compile(
    r"(^test_.*\.py$|.*_test\.py$|^conftest\.py$|.*_test\.go$|.*\.(test|spec)\.[cm]?[jt]sx?$|.*Test\.java$|.*_spec\.rb$)"
)
_CI_FILES = frozenset(
    {
        ".gitlab-ci.yml",
        ".travis.yml",
        "jenkinsfile",
        "azure-pipelines.yml",
        "bitbucket-pipelines.yml",
        ".pre-commit-config.yaml",
        "tox.ini",
        "noxfile.py",
        "setup.cfg",
        ".coveragerc",
        "pytest.ini",
        ".flake8",
        ".pylintrc",
        "mypy.ini",
        "ruff.toml",
        ".ruff.toml",
        ".eslintrc",
        ".eslintrc.json",
        ".eslintrc.js",
        "eslint.config.js",
        ".golangci.yml",
        "makefile",
    }
)
_CI_DIRS = (".github/workflows/", ".circleci/", ".buildkite/", ".gitlab/")
_SUPPRESSIONS = re.compile(
    r"(#\s*noqa\b|#\s*type:\s*ignore|#\s*pyright:\s*ignore|#\s*mypy:\s*ignore|#\s*pylint:\s*disable|"
    r"#\s*pragma:\s*no\s*cover|#\s*nosec\b|#\s*fmt:\s*off|eslint-disable|@ts-ignore|@ts-expect-error|@ts-nocheck|"
    r"#\[allow\(|//\s*nolint|@SuppressWarnings|NOLINT|"
    r"pytest\.mark\.(skip|xfail)|@unittest\.skip|\bpytest\.skip\(|\bit\.skip\(|\bdescribe\.skip\(|\btest\.skip\(|\bt\.Skip\()"
)


def confine(workspace: Workspace, path: str, eligible: set[str] | None, who: str = "The model") -> str:
    """The workspace-relative form of ``path``, or an error saying why it may not be edited."""
    try:
        rel = workspace.rel(path)
    except InputError:
        raise LeashError(
            f"{who} asked to edit {path!r}, which resolves outside the workspace {workspace.root}; "
            "tether only edits files inside it. The run was stopped and nothing was written."
        ) from None
    parts = PurePosixPath(rel).parts
    if not parts or parts[0] in (".git", ".tether") or ".git" in parts:
        raise LeashError(f"{who} asked to edit {path!r}, inside git's or tether's own data; the run was stopped and nothing was written.")
    full = workspace.root / rel
    if not full.is_file():
        raise GenerationError(
            f"{path!r} is not an existing file in the workspace; `files`, `delete` and `rename.from` may only name "
            "files that exist (put a new file under `create`)."
        )
    if eligible is not None and rel not in eligible:
        raise LeashError(
            f"{who} asked to edit {path!r}, which is ignored (git or .tetherignore) or looks like it holds "
            "secrets; tether never edits such files. The run was stopped and nothing was written."
        )
    return rel


def confine_new(workspace: Workspace, path: str, excluded: Callable[[str], bool], who: str = "The model") -> str:
    """The workspace-relative form of a path to create (or rename to), or an error saying why not.

    ``excluded(rel)``: whether context rules keep ``rel`` out (git-ignored, ``.tetherignore``d,
    secret-looking); the caller passes ``context.files.is_excluded`` bound to the root. Raises
    LeashError for a path outside the workspace (symlinks resolved), in ``.git``/``.tether``, or
    excluded; GenerationError (re-askable) when something already exists there.
    """
    try:
        rel = workspace.rel(path)
    except InputError:
        raise LeashError(
            f"{who} asked to create {path!r}, which resolves outside the workspace {workspace.root}; "
            "tether only writes inside it. The run was stopped and nothing was written."
        ) from None
    parts = PurePosixPath(rel).parts
    if not parts or parts[0] in (".git", ".tether") or ".git" in parts:
        raise LeashError(f"{who} asked to create {path!r}, inside git's or tether's own data; the run was stopped and nothing was written.")
    if os.path.lexists(workspace.root / rel):
        raise GenerationError(
            f"{path!r} already exists; a plan may create or rename to new paths only.",
            ask="`create` and `rename.to` name new paths only (edit an existing file with `files`).",
        )
    if excluded(rel):
        raise LeashError(
            f"{who} asked to create {path!r}, which is ignored (git or .tetherignore) or looks like it holds "
            "secrets; tether never writes such files. The run was stopped and nothing was written."
        )
    return rel


def is_test_path(rel: str) -> bool:
    parts = PurePosixPath(rel).parts
    return any(p.lower() in _TEST_DIRS for p in parts[:-1]) or bool(_TEST_NAME.match(parts[-1] if parts else ""))


def is_ci_path(rel: str) -> bool:
    lower = rel.lower()
    return lower.startswith(_CI_DIRS) or PurePosixPath(lower).name in _CI_FILES


def added_suppressions(change: FileChange) -> list[str]:
    """The suppression markers in lines the change adds (lines it only moves do not count)."""
    found: list[str] = []
    for hunk in change.hunks:
        removed = set(hunk.old_lines)
        for line in hunk.new_lines:
            if line in removed:
                continue
            for match in _SUPPRESSIONS.finditer(line):
                marker = match.group(0).strip()
                if marker not in found:
                    found.append(marker)
    return found


def review_flags(change: FileChange) -> list[str]:
    """Warnings for a reviewer about one file change."""
    flags = []
    if is_test_path(change.path):
        flags.append(f"Edits tests: {change.path}. A passing check does not count as this run's success.")
    if is_ci_path(change.path):
        flags.append(f"Edits CI or tool configuration: {change.path}.")
    markers = added_suppressions(change)
    if markers:
        flags.append(f"Adds lint/type suppressions or skipped tests in {change.path}: {', '.join(markers)}.")
    return flags


_MENTIONS_CHECKS = re.compile(r"\b(tests?|testing|specs?|ci|workflows?|pipelines?|lint\w*|mypy|ruff|pytest|conftest)\b", re.I)


def task_mentions_checks(task: str) -> bool:
    """Whether a task is about tests or CI at all (if not, the plan may not name such files)."""
    return bool(_MENTIONS_CHECKS.search(task))


def touches_tests(paths: Iterable[str]) -> list[str]:
    """The test or CI files among ``paths``: edits that can make a check pass without doing the task."""
    return [p for p in paths if is_test_path(p) or is_ci_path(p)]
