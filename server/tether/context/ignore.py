"""Ignore rules: ``.gitignore`` syntax for ``.tetherignore``, and a walker for folders without git.

``.tetherignore`` (same syntax as ``.gitignore``, at any level of the workspace) keeps files
out of context even when git tracks them. Outside a git repository the walker also honours
``.gitignore`` files and skips the usual generated folders (``node_modules``, virtualenvs,
caches, build output), so a plain folder gets the same treatment as a repository.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pathspec import GitIgnoreSpec
from pathspec.patterns.gitignore import GitIgnorePatternError
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

from ..lines import split_lines, strip_break
from ..workspace import confined_or_none

log = logging.getLogger(__name__)

TETHERIGNORE = ".tetherignore"
GITIGNORE = ".gitignore"

# Deeper folders are not walked: far beyond real trees, below Linux's PATH_MAX of 4,096 bytes.
MAX_WALK_DEPTH = 2000
# Never context, git repository or not.
ALWAYS_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", ".tether"})
# Generated or vendored folders skipped when walking a folder that is not a git repository.
DEFAULT_SKIPPED_DIRS = ALWAYS_SKIPPED_DIRS | {
    "node_modules",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "site-packages",
    "dist",
    "build",
    "target",
    ".next",
    ".cache",
    ".eggs",
    ".gradle",
    ".idea",
}


def _pattern(line: str) -> GitIgnoreSpecPattern:
    """One gitignore line compiled by pathspec; a line git would not read (``!``, ``/``, a lone ``\\``) matches nothing."""
    try:
        with warnings.catch_warnings():
            # re warns "Possible nested set" for "[[" (say, a POSIX class): not the user's concern
            warnings.simplefilter("ignore", FutureWarning)
            return GitIgnoreSpecPattern(line)
    except GitIgnorePatternError as err:
        log.debug("ignoring an unreadable ignore pattern %r: %s", line, err)
        return GitIgnoreSpecPattern("")


@dataclass(frozen=True)
class IgnoreFile:
    """The patterns of one ignore file, and the folder they are relative to."""

    base: str  # folder of the ignore file, posix, relative to the root ("" for the root)
    spec: GitIgnoreSpec


@dataclass
class IgnoreRules:
    """``.gitignore``-syntax rules from several files, matched as git matches them.

    Pattern syntax and matching are pathspec's ``GitIgnoreSpec`` (the gitignore(5) rules: ``!``
    negation, ``**``, anchoring by a leading or middle ``/``, trailing spaces dropped unless
    escaped, ``dir/`` matching folders only). Each file's patterns are relative to its folder;
    later files (deeper folders, and ``.tetherignore`` after ``.gitignore`` in one folder) take
    precedence, as the last matching pattern does within one file. Paths are posix, relative to
    the root.
    """

    files: list[IgnoreFile] = field(default_factory=list)
    _dir_cache: dict[str, bool] = field(default_factory=dict, repr=False)

    def add_lines(self, lines: list[str], base: str = "") -> None:
        """Add one ignore file's lines (line breaks allowed) as the rules of folder ``base``."""
        patterns = [_pattern(strip_break(line)) for line in lines]
        self.files.append(IgnoreFile(base, GitIgnoreSpec(patterns)))
        self._dir_cache.clear()

    def add_file(self, path: Path, base: str = "") -> None:
        """Add the ignore file at ``path`` (UTF-8, undecodable bytes replaced); an unreadable one adds nothing."""
        try:
            self.add_lines(split_lines(path.read_text(encoding="utf-8", errors="replace")), base)
        except OSError:
            pass

    def truncate(self, count: int) -> None:
        """Keep only the first ``count`` files' rules (a walk leaving the folder that added the rest)."""
        del self.files[count:]
        self._dir_cache.clear()

    def match(self, rel: str, is_dir: bool) -> bool:
        """Whether ``rel`` (posix, relative to the root) is matched by the rules, its folders not checked apart.

        A ``dir/`` pattern also matches the files below that folder; ``is_dir`` says whether
        ``rel`` is a folder, for patterns that match folders only. ``ignored`` adds git's rule that
        a file inside an ignored folder stays ignored whatever a later ``!`` says.
        """
        for file in reversed(self.files):
            if file.base:
                if not rel.startswith(file.base + "/"):
                    continue
                sub = rel[len(file.base) + 1 :]
            else:
                sub = rel
            decided = file.spec.check_file(sub + "/" if is_dir else sub).include
            if decided is not None:
                return decided
        return False

    def ignored(self, rel: str) -> bool:
        """Whether a file is ignored, itself or through one of its folders (git never re-includes a file
        inside an ignored folder)."""
        if not self.files:
            return False
        parts = rel.split("/")
        for i in range(1, len(parts)):
            folder = "/".join(parts[:i])
            hit = self._dir_cache.get(folder)
            if hit is None:
                hit = self._dir_cache[folder] = self.match(folder, True)
            if hit:
                return True
        return self.match(rel, False)


def tetherignore_rules(root: Path, folders: list[str] | None = None) -> IgnoreRules:
    """Rules from ``.tetherignore`` at the root and in ``folders`` (relative, shallow first)."""
    rules = IgnoreRules()
    for base in [""] + sorted(folders or [], key=lambda f: f.count("/")):
        path = root / base / TETHERIGNORE if base else root / TETHERIGNORE
        if path.is_file():
            rules.add_file(path, base)
    return rules


def walk_files(
    root: Path,
    use_gitignore: bool = True,
    skipped_dirs: frozenset[str] = DEFAULT_SKIPPED_DIRS,
    max_depth: int = MAX_WALK_DEPTH,
    outside: list[str] | None = None,
) -> Iterator[str]:
    """Files under ``root`` (posix paths relative to it, in name order), honouring .gitignore and .tetherignore.

    The walk is iterative, so a chain of thousands of folders costs no Python stack; folders
    deeper than ``max_depth`` levels are not entered (logged once per walk). A symlinked file is
    kept only when its real path stays inside ``root`` (``tether.workspace.confine``; refusals
    are logged once); symlinked folders are never entered, as git does not enter them: the
    files of one inside the workspace are listed under their real path. ``outside``, when given,
    collects the links (to files or folders) whose real path leaves ``root``.
    """
    rules = IgnoreRules()
    names = (GITIGNORE, TETHERIGNORE) if use_gitignore else (TETHERIGNORE,)
    # One frame per open folder: (its path, its remaining entries, how many patterns it added).
    stack = [_enter(root, "", rules, names)]
    too_deep = False
    while stack:
        rel, entries, added = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            rules.truncate(added)  # this folder's rules stop applying when the walk leaves it
            continue
        child = f"{rel}/{entry.name}" if rel else entry.name
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            if is_dir or not entry.is_symlink():
                is_file = not is_dir and entry.is_file(follow_symlinks=False)
            else:
                real = confined_or_none(root, child)
                if real is None and outside is not None and not rules.match(child, False):
                    outside.append(child)
                is_file = real is not None and real.is_file()
        except OSError:
            continue
        if is_dir:
            if entry.name in skipped_dirs or entry.name.endswith(".egg-info") or rules.match(child, True):
                continue
            if len(stack) > max_depth:
                if not too_deep:
                    log.warning("not walking below %s: folders deeper than %d levels are left out", rel, max_depth)
                    too_deep = True
                continue
            stack.append(_enter(root, child, rules, names))
        elif is_file and not rules.match(child, False):
            yield child


def _enter(root: Path, rel: str, rules: IgnoreRules, names: tuple[str, ...]) -> tuple[str, Iterator[os.DirEntry], int]:
    """Load a folder's ignore files into ``rules`` and list its entries: a frame for ``walk_files``."""
    folder = root / rel if rel else root
    added = len(rules.files)
    for name in names:
        if (folder / name).is_file():
            rules.add_file(folder / name, rel)
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError:
        entries = []
    return rel, iter(entries), added
