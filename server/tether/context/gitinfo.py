"""Git facts about the workspace (GitPython): tracked files, ignores, dirty files, diffs, history.

Named ``gitinfo`` rather than ``git`` so it never shadows the GitPython package. Every path
in and out is relative to the workspace root (which may be a sub-folder of the repository),
in posix form. ``GitInfo.open`` returns None for a folder outside any repository; callers then
walk the folder. Inside a repository a missing ``git`` executable is an error, never a fallback.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import TetherError
from ..lines import split_lines

if TYPE_CHECKING:
    import git

log = logging.getLogger(__name__)


class GitInfo:
    def __init__(self, root: Path, git_cmd: git.Git):
        self.root = root
        self._git = git_cmd  # git.Git bound to the workspace folder: paths come back relative to it

    @classmethod
    def open(cls, root: Path | str) -> GitInfo | None:
        """Git facts for ``root``; None outside any repository (or in a folder the repository
        ignores). Raises TetherError inside a repository when git itself is missing: the dirty-tree
        check and git's ignores would silently stop applying, so that is never a fallback."""
        root = Path(root).resolve()
        try:
            import git  # GitPython; raises ImportError when no git executable is found
        except ImportError as exc:
            if not any((folder / ".git").exists() for folder in (root, *root.parents)):
                return None  # a plain folder: the walker honours .gitignore and .tetherignore
            reason = next(iter(split_lines(str(exc))), "") or type(exc).__name__
            raise TetherError(
                f"{root} is in a git repository, but git cannot be run ({reason}). Install git (or point "
                "GIT_PYTHON_GIT_EXECUTABLE at it): tether needs it to honour the repository's ignores "
                "and to refuse to overwrite uncommitted work."
            ) from exc
        try:
            repo = git.Repo(root, search_parent_directories=True)
            top = Path(repo.working_tree_dir or root).resolve()
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            return None
        if top != root:
            try:
                repo.git.check_ignore("-q", "--no-index", root.relative_to(top).as_posix())
                log.info("%s is ignored by the repository at %s; treating it as a plain folder", root, top)
                return None  # e.g. a tool's versions folder inside its own clone
            except (git.GitCommandError, ValueError):
                pass
        return cls(root, git.Git(str(root)))

    def _run(self, *args: str) -> str:
        import git

        try:
            return self._git.execute(["git", "-c", "core.quotepath=off", *args], strip_newline_in_stdout=False)
        except git.GitCommandError as exc:
            log.debug("git %s failed: %s", " ".join(args), exc)
            return ""

    def files(self) -> list[str]:
        """Tracked files plus untracked ones git does not ignore (what a commit could contain)."""
        out = self._run("ls-files", "-z", "--cached", "--others", "--exclude-standard", "--deduplicate")
        return sorted({p for p in out.split("\0") if p})

    def ignored(self, paths: list[str]) -> set[str]:
        """Which of ``paths`` git ignores (``.gitignore``, ``.git/info/exclude``, global excludes)."""
        if not paths:
            return set()
        out = self._run("check-ignore", "--no-index", "--", *paths)  # exits 1 (no output) when none is
        return {p for p in split_lines(out) if p}

    def dirty_files(self) -> list[str]:
        """Files with uncommitted changes: modified, staged, added, deleted or untracked."""
        out = self._run("status", "--porcelain=v1", "-z", "--untracked-files=all", "--", ".")
        entries = out.split("\0")
        dirty: list[str] = []
        i = 0
        while i < len(entries):
            entry = entries[i]
            i += 1
            if len(entry) < 4:
                continue
            status, path = entry[:2], entry[3:]
            if status[0] in "RC":
                i += 1  # a rename is followed by its source path
            dirty.append(path)
        # Porcelain paths are relative to the repository top; make them relative to the workspace.
        top = Path(self._run("rev-parse", "--show-toplevel").strip() or self.root).resolve()
        inside = []
        for path in dirty:
            try:
                inside.append((top / path).resolve().relative_to(self.root).as_posix())
            except ValueError:
                continue
        return sorted(set(inside))

    def has_head(self) -> bool:
        return bool(self._run("rev-parse", "--verify", "--quiet", "HEAD").strip())

    def diff(self, paths: list[str] | None = None, context_lines: int = 3) -> str:
        """Working tree (staged and unstaged) against HEAD as a unified diff; before a first commit, against nothing."""
        base = ["diff", f"-U{context_lines}", "--no-color", "--no-ext-diff"]
        # The empty tree's id depends on the repository's hash (SHA-1 or SHA-256): ask git.
        base.append("HEAD" if self.has_head() else self._run("hash-object", "-t", "tree", "/dev/null").strip())
        return self._run(*base, "--relative", "--", *(paths or ["."]))
