"""Workspace confinement, careful reads and atomic writes."""

from __future__ import annotations

import os
import stat

import pytest

from tether.errors import InputError
from tether.workspace import Workspace


def test_paths_outside_the_workspace_are_refused(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("x")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    ws = Workspace(root)
    for path in ("../secret.txt", str(tmp_path / "secret.txt"), "link.txt"):
        with pytest.raises(InputError, match="outside the workspace"):
            ws.resolve(path)
    assert ws.rel(root / "a" / "b.py") == "a/b.py"


def test_bad_files_give_clear_errors(tmp_path):
    ws = Workspace(tmp_path)
    (tmp_path / "bin.dat").write_bytes(b"\x89PNG\x00\x00data")
    (tmp_path / "latin1.txt").write_bytes(b"ok\ncaf\xe9\n")
    (tmp_path / "dir").mkdir()
    with pytest.raises(InputError, match="does not exist"):
        ws.read_text("missing.py")
    with pytest.raises(InputError, match="binary"):
        ws.read_text("bin.dat")
    with pytest.raises(InputError, match="not valid UTF-8 .*line 2"):
        ws.read_text("latin1.txt")
    with pytest.raises(InputError, match="not a regular file"):
        ws.read_text("dir")


def test_writes_are_atomic_and_keep_mode_and_line_endings(tmp_path):
    ws = Workspace(tmp_path)
    script = tmp_path / "run.sh"
    script.write_text("echo hi\r\n")
    os.chmod(script, 0o755)
    ws.write_text("run.sh", "echo bye\r\n")
    assert script.read_bytes() == b"echo bye\r\n"
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    assert [p.name for p in tmp_path.iterdir()] == ["run.sh"]  # no temporary file left behind
