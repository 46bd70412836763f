"""Which workspace files may enter context: one answer for every provider, the repo map and digest.

A file is eligible when git would commit it (tracked, or untracked and not ignored) — or, in a
folder that is not a git repository, when the walker keeps it (``.gitignore`` honoured,
generated folders skipped) — and it is not ``.tetherignore``d and does not look like a secret.
A symlink counts only when its real path stays inside the workspace (``tether.workspace.confine``):
a committed link to a file outside, or a path through a linked folder that leads out, is left
out and logged once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..secrets import is_secret_path
from ..workspace import split_confined
from .gitinfo import GitInfo
from .ignore import ALWAYS_SKIPPED_DIRS, TETHERIGNORE, IgnoreRules, tetherignore_rules, walk_files


@dataclass
class FileSet:
    """The eligible files of a workspace, and the rules that chose them."""

    root: Path
    files: list[str]
    git: GitInfo | None
    rules: IgnoreRules = field(default_factory=IgnoreRules)
    # Links (posix, relative) whose real path leaves the workspace: never read, listed only by name.
    outside: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._set = set(self.files)

    def allows(self, rel: str) -> bool:
        """Whether a single path (relative, posix) may enter context."""
        return rel in self._set


def list_files(root: Path | str) -> FileSet:
    """Eligible files under ``root``, sorted, as posix paths relative to it.

    Only regular files whose real path stays inside ``root`` are listed; links that lead out
    are logged once and named in ``FileSet.outside`` (never read).
    """
    root = Path(root).resolve()
    git = GitInfo.open(root)
    outside: list[str] = []
    if git is None:
        candidates = list(walk_files(root, outside=outside))
        rules = IgnoreRules()  # the walker applied .tetherignore already
    else:
        candidates, outside = split_confined(root, git.files())
        folders = sorted({p.rsplit("/", 1)[0] for p in candidates if p.endswith("/" + TETHERIGNORE)})
        rules = tetherignore_rules(root, folders)
    files = [p for p in candidates if _eligible(p, rules)]
    return FileSet(root, files, git, rules, sorted(p for p in outside if _eligible(p, rules)))


def _eligible(rel: str, rules: IgnoreRules) -> bool:
    parts = rel.split("/")
    if any(part in ALWAYS_SKIPPED_DIRS for part in parts[:-1]):
        return False
    return not is_secret_path(rel) and not rules.ignored(rel)


def is_excluded(root: Path | str, rel: str) -> bool:
    """Whether one file is kept out of context, without listing the whole workspace."""
    root = Path(root).resolve()
    parts = rel.split("/")
    if is_secret_path(rel) or any(part in ALWAYS_SKIPPED_DIRS for part in parts[:-1]):
        return True
    folders = ["/".join(parts[:i]) for i in range(1, len(parts))]
    if tetherignore_rules(root, folders).ignored(rel):
        return True
    git = GitInfo.open(root)
    if git is not None:
        return rel in git.ignored([rel])
    rules = IgnoreRules()
    for base in [""] + folders:
        path = root / base / ".gitignore" if base else root / ".gitignore"
        if path.is_file():
            rules.add_file(path, base)
    return rules.ignored(rel)
