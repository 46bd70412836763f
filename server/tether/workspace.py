"""The workspace folder: confined paths, careful reads, atomic writes.

The model never acts outside the workspace: every path is resolved (symlinks too) and must
land inside the root. Reads keep line endings exactly (``newline=""``) and refuse binary or
non-UTF-8 files with a clear message; writes go to a temporary file and are renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from .errors import InputError
from .lines import break_count

BINARY_SNIFF_BYTES = 8192
MAX_FILE_BYTES = 2_000_000


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Workspace:
    def __init__(self, root: Path | str):
        self.root = Path(root).resolve()

    def resolve(self, path: Path | str) -> Path:
        """Absolute path inside the workspace, or InputError."""
        raw = Path(path).expanduser()
        full = (raw if raw.is_absolute() else self.root / raw).resolve()
        if full != self.root and self.root not in full.parents:
            raise InputError(f"{path} is outside the workspace {self.root}; tether only touches files inside it.")
        return full

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
