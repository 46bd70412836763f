"""Git for the repo agent: refuse a dirty tree, start a branch, commit accepted proposals.

Reads go through ``context.gitinfo`` (GitPython). Writes are the few commands the CLI's
``--branch`` needs, run in the workspace folder; a commit names only the files tether wrote,
so nothing else the user has staged or changed is swept into it.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from ..context.gitinfo import GitInfo
from ..errors import DirtyError, InputError, TetherError

if TYPE_CHECKING:
    import git

FALLBACK_IDENTITY = {"user.name": "tether", "user.email": "tether@localhost"}


def dirty_files(root: Path) -> list[str] | None:
    """Uncommitted files (modified, staged, untracked), or None when ``root`` is not in a git repository."""
    info = GitInfo.open(root)
    return None if info is None else info.dirty_files()


def require_clean(root: Path, allow_dirty: bool) -> None:
    """Refuse to start on uncommitted work, unless the user said so."""
    if allow_dirty:
        return
    dirty = dirty_files(root)
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise DirtyError(
            f"The workspace has uncommitted changes ({shown}). Commit or stash them first, or pass --allow-dirty to run anyway."
        )


def _git(root: Path) -> tuple[ModuleType, git.Git]:
    """GitPython (imported here: it raises ImportError without a git executable) and a git.Git in ``root``."""
    try:
        import git
    except ImportError as exc:
        raise TetherError(f"git is not available ({exc}); --branch needs it.") from exc
    if GitInfo.open(root) is None:
        raise InputError(f"{root} is not inside a git repository; --branch needs one (or use --apply).")
    return git, git.Git(str(root))


def check_branch(root: Path, name: str) -> None:
    """Refuse a branch name git would reject or that already exists (before any work is done)."""
    git, g = _git(root)
    try:
        g.execute(["git", "check-ref-format", "--branch", name])
    except git.GitCommandError:
        raise InputError(f"{name!r} is not a valid branch name.") from None
    if g.execute(["git", "branch", "--list", name]).strip():
        raise InputError(f"Branch {name!r} already exists; pick a new name (tether never reuses a branch).")


def start_branch(root: Path, name: str) -> None:
    """Create branch ``name`` at HEAD and switch to it."""
    check_branch(root, name)
    git, g = _git(root)
    try:
        g.execute(["git", "switch", "-q", "-c", name])
    except git.GitCommandError as exc:
        raise TetherError(f"git could not create branch {name!r}: {exc.stderr.strip() or exc}.") from exc


def commit_files(root: Path, paths: list[str], message: str) -> str:
    """Commit exactly ``paths`` (workspace-relative) with ``message``; the new commit's id."""
    git, g = _git(root)
    identity: list[str] = []
    for key, value in FALLBACK_IDENTITY.items():
        try:
            g.execute(["git", "config", key])
        except git.GitCommandError:  # unset (common on CI runners): commit as tether
            identity += ["-c", f"{key}={value}"]
    try:
        g.execute(["git", "add", "--", *paths])
        g.execute(["git", *identity, "commit", "-q", "-m", message, "--", *paths])
        return g.execute(["git", "rev-parse", "HEAD"]).strip()
    except git.GitCommandError as exc:
        raise TetherError(f"git could not commit {', '.join(paths)}: {exc.stderr.strip() or exc}.") from exc
