"""The workspace folder: confined paths, careful reads, atomic writes.

The model never acts outside the workspace: every path is resolved (symlinks too) and must
land inside the root. Reads keep line endings exactly (``newline=""``) and refuse binary or
non-UTF-8 files with a clear message; writes go to a temporary file and are renamed into place.

``confine`` is the one place that decides whether a path stays inside a root, and
``read_confined`` the one way every context reader (file listing, digest, repo map and its
index workers, code context providers, the repo agent's search, docs ingest of a folder) reads
a file: a symlinked file or folder, or a chain of links, whose real path leaves the root is
refused and logged once; a link that stays inside is followed.

File operations (``Workspace.create_text``, ``delete_file``, ``rename_file``) are stricter than
reads: the path may not go through any symbolic link at all, nor into ``.git`` or ``.tether``; a
file is created only where nothing exists (not even a dangling link), and deleted or moved only
while it holds the text the caller expects. Which files context rules exclude (ignored, secret)
is the caller's check (``ops.fileops``), since this module sits below ``context``.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, StaleError
from .lines import break_count

log = logging.getLogger(__name__)

BINARY_SNIFF_BYTES = 8192
MAX_FILE_BYTES = 2_000_000
NEW_FILE_MODE = 0o644  # what git checks out for a non-executable file (reading the umask would change it, racily)
_REFUSALS_LOGGED: set[tuple[str, str]] = set()
_MAX_REFUSALS_REMEMBERED = 10_000


class OutsideWorkspaceError(InputError):
    """A path whose real location (``..``, an absolute path, or symlinks followed) leaves the root."""


def confine(root: Path | str, path: Path | str) -> Path:
    """The real path of ``path`` when it lies inside ``root``.

    ``root``: a folder (resolved here too, so a root reached through a link works). ``path``:
    relative to ``root`` or absolute; ``~`` is expanded. Every symlink on the way is followed,
    chains of links too, so ``a -> b -> ../outside`` is caught. The result need not exist.
    Raises OutsideWorkspaceError (an InputError) when the real path is outside ``root``.
    """
    base = Path(root).resolve()
    raw = Path(path).expanduser()
    full = (raw if raw.is_absolute() else base / raw).resolve()
    if full != base and base not in full.parents:
        raise OutsideWorkspaceError(f"{path} is outside the workspace {base}; tether only touches files inside it.")
    return full


def confined_or_none(root: Path | str, rel: str) -> Path | None:
    """``confine(root, rel)``, or None after logging the refusal (once per root and path).

    For readers that skip what they may not read rather than fail: ``rel`` is a posix path
    relative to ``root``.
    """
    try:
        return confine(root, rel)
    except OutsideWorkspaceError:
        log_refusal(root, rel)
        return None


def log_refusal(root: Path | str, rel: str) -> None:
    """Log once per (root, path) that a link leading out of the workspace was not followed."""
    key = (str(root), rel)
    if key in _REFUSALS_LOGGED:
        return
    if len(_REFUSALS_LOGGED) >= _MAX_REFUSALS_REMEMBERED:
        _REFUSALS_LOGGED.clear()
    _REFUSALS_LOGGED.add(key)
    try:
        target = os.path.realpath(os.path.join(root, rel))
    except (OSError, ValueError):
        target = "?"
    log.warning("not reading %s: it leads to %s, outside the workspace %s (symlinks out are not followed)", rel, target, root)


@dataclass(frozen=True)
class ConfinedRead:
    """What ``read_confined`` read: at most ``limit + 1`` bytes, and the file's stat at open time."""

    data: bytes
    size: int  # bytes on disk; larger than len(data) when the limit cut the read
    mtime_ns: int


def read_confined(root: Path | str, rel: str, limit: int | None = None) -> ConfinedRead:
    """Read the regular file ``rel`` (posix, relative to ``root``) without leaving ``root``.

    The path is resolved and confined first, then its real path is opened with ``O_NOFOLLOW``
    so a link swapped in after the check is not followed either. ``limit``: the most bytes a
    caller wants; ``limit + 1`` are read at most, so ``size > limit`` tells a caller the file
    was too big. Raises OutsideWorkspaceError (logged once) when the real path leaves ``root``,
    OSError when the file is missing, unreadable or not a regular file (EINVAL; a folder or a
    FIFO is refused without blocking).
    """
    full = confined_or_none(root, rel)
    if full is None:
        raise OutsideWorkspaceError(f"{rel} leads outside the workspace {root}; tether does not follow it.")
    fd = os.open(full, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", rel)
        data = fh.read() if limit is None else fh.read(limit + 1)
    return ConfinedRead(data, st.st_size, st.st_mtime_ns)


def split_confined(root: Path | str, rels: list[str]) -> tuple[list[str], list[str]]:
    """``(inside, outside)``: which of ``rels`` are regular files whose real path stays in ``root``, which lead out.

    ``rels``: posix paths relative to ``root`` (git's file list, say). Missing paths, folders and
    links to something other than a file are in neither list. The same rule as ``confine``,
    made cheap for thousands of paths: each folder is resolved once, and only a path that is a
    link itself, or lies in a folder that resolves outside ``root``, is resolved in full.
    Refusals are logged once (``log_refusal``).
    """
    base = Path(root).resolve()
    base_s = str(base)
    real_dirs: dict[str, str] = {"": base_s}
    inside: list[str] = []
    outside: list[str] = []
    for rel in rels:
        folder, _, name = rel.rpartition("/")
        real_dir = real_dirs.get(folder)
        if real_dir is None:
            real_dir = real_dirs[folder] = os.path.realpath(os.path.join(base_s, folder))
        try:
            st = os.lstat(os.path.join(real_dir, name))
        except OSError:
            continue
        if stat.S_ISLNK(st.st_mode) or not (real_dir == base_s or real_dir.startswith(base_s + os.sep)):
            real = confined_or_none(base, rel)
            if real is None:
                outside.append(rel)
            elif real.is_file():
                inside.append(rel)
        elif stat.S_ISREG(st.st_mode):
            inside.append(rel)
    return inside, outside


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Workspace:
    def __init__(self, root: Path | str):
        self.root = Path(root).resolve()

    def resolve(self, path: Path | str) -> Path:
        """Real absolute path inside the workspace (see ``confine``); OutsideWorkspaceError (an InputError) otherwise."""
        return confine(self.root, path)

    def rel(self, path: Path | str) -> str:
        return self.resolve(path).relative_to(self.root).as_posix()

    def read_text(self, path: Path | str) -> str:
        full = self.resolve(path)
        if not full.exists():
            raise InputError(f"{path} does not exist.")
        if not full.is_file():
            raise InputError(f"{path} is not a regular file.")
        size = full.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{path} is {size:,} bytes; tether edits files up to {MAX_FILE_BYTES:,} bytes.")
        data = full.read_bytes()
        return decode_text(data, str(path))

    def write_text(self, path: Path | str, text: str) -> None:
        write_atomic(self.resolve(path), text)

    def plain_path(self, path: Path | str) -> Path:
        """The absolute path of ``path`` for a file operation: inside the root, through no symbolic
        link (the path itself included), not in ``.git`` or ``.tether``.

        Raises OutsideWorkspaceError (an InputError) for a path that leaves the root, InputError
        for one through a link or into git's or tether's own data.
        """
        full = self.resolve(path)
        raw = Path(path).expanduser()
        lexical = Path(os.path.normpath(raw if raw.is_absolute() else self.root / raw))
        rel = full.relative_to(self.root).as_posix()
        if lexical != full or os.path.islink(lexical):
            raise InputError(f"{path} goes through a symbolic link; tether creates, deletes and renames only plain paths.")
        parts = rel.split("/")
        if rel == "." or parts[0] == ".tether" or ".git" in parts:
            raise InputError(f"{path} is inside git's or tether's own data (or is the workspace itself); tether does not touch it.")
        return full

    def create_text(self, path: Path | str, text: str) -> None:
        """Create the new file ``path`` holding ``text`` (folders made as needed).

        Atomic and never clobbering: the text goes to a temporary file that is then hard-linked
        into place, which fails if anything appeared there meanwhile. Raises InputError when
        something exists at ``path`` (a file, folder or link, dangling or not) or the path is not
        plain (``plain_path``).
        """
        full = self.plain_path(path)
        if os.path.lexists(full):
            raise InputError(f"{path} already exists; tether creates new files only and never overwrites one.")
        full.parent.mkdir(parents=True, exist_ok=True)
        if self.plain_path(full) != full:  # a link swapped in for a folder on the way
            raise InputError(f"{path} goes through a symbolic link; tether creates, deletes and renames only plain paths.")
        write_new(full, text)

    def delete_file(self, path: Path | str, expected_hash: str) -> None:
        """Delete the regular file ``path`` if its text still has ``content_hash`` ``expected_hash``.

        Raises StaleError when the text changed (nothing is deleted), InputError when it is missing,
        not a regular file, unreadable as text, or not plain (``plain_path``).
        """
        full = self._holding(path, expected_hash, "deleted")
        full.unlink()

    def rename_file(self, old: Path | str, new: Path | str, expected_hash: str, text: str) -> None:
        """Move ``old`` (whose text must have hash ``expected_hash``) to the new path ``new``, holding ``text``.

        The new file is made first (``create_text``), then the old one removed, so a crash in
        between leaves both, never neither. Raises like ``delete_file`` and ``create_text``;
        nothing is changed when a check fails.
        """
        source = self._holding(old, expected_hash, "renamed")
        self.create_text(new, text)
        source.unlink()

    def _holding(self, path: Path | str, expected_hash: str, doing: str) -> Path:
        full = self.plain_path(path)
        if not os.path.lexists(full):
            raise InputError(f"{path} does not exist; nothing was {doing}.")
        if content_hash(self.read_text(full)) != expected_hash:
            raise StaleError(
                f"{path} changed since this proposal was made; nothing was {doing}. Reject it and ask again on the current text."
            )
        return full


def ensure_data_dir(folder: Path) -> Path:
    """Create tether's data folder, ignored by git so it never shows up as untracked work."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# tether's own data: proposals journal, indexes\n*\n", encoding="utf-8")
    return folder


def decode_text(data: bytes, name: str) -> str:
    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
        raise InputError(f"{name} looks like a binary file; tether only edits text.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = break_count(data[: exc.start].decode("utf-8")) + 1
        raise InputError(f"{name} is not valid UTF-8 (bad byte at line {line}); tether only edits UTF-8 text.") from exc


def write_new(path: Path, text: str) -> None:
    """Create ``path`` with ``text`` atomically, failing with FileExistsError if anything is there.

    The text is written and fsynced to a temporary file in the same folder, which ``os.link``
    then puts in place (link(2) never replaces an existing name); the temporary name is removed.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tether-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, NEW_FILE_MODE)
        os.link(tmp, path)
    finally:
        os.unlink(tmp)


def write_atomic(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder, keeping the file's mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tether-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
