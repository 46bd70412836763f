"""The workspace's file-operation helpers (create, delete, rename) and FileChange file operations,
on real files in a temporary folder: confinement, no clobbering, staleness, old journals."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tether.errors import InputError, StaleError
from tether.proposals import FileChange, FileIntent, HunkStatus, build_create, build_delete, build_file_change, build_rename
from tether.workspace import OutsideWorkspaceError, Workspace, content_hash


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "a.py").write_text("x = 1\n")
    return Workspace(root)


def test_create_makes_folders_and_never_clobbers_anything(ws: Workspace, tmp_path: Path):
    ws.create_text("pkg/sub/new.py", "y = 2\n")
    assert (ws.root / "pkg/sub/new.py").read_text() == "y = 2\n"
    with pytest.raises(InputError, match="already exists"):
        ws.create_text("a.py", "clobbered\n")
    os.symlink(tmp_path / "nowhere.py", ws.root / "dangling.py")  # a dangling link is something there
    with pytest.raises(InputError):
        ws.create_text("dangling.py", "z\n")
    assert (ws.root / "a.py").read_text() == "x = 1\n" and not (tmp_path / "nowhere.py").exists()
    assert [p.name for p in (ws.root / "pkg/sub").iterdir()] == ["new.py"]  # no temporary file left


@pytest.mark.parametrize("path", ["../out.py", "/etc/out.py", ".git/config", ".tether/x.json", "sub/.git/hooks/x", "."])
def test_file_operations_refuse_paths_outside_or_in_own_data(ws: Workspace, path: str):
    (ws.root / ".git").mkdir()
    with pytest.raises(InputError):
        ws.create_text(path, "x\n")
    with pytest.raises(InputError):
        ws.delete_file(path, content_hash(""))


def test_file_operations_refuse_any_symbolic_link_on_the_way(ws: Workspace, tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.py").write_text("o\n")
    os.symlink(outside, ws.root / "out")
    os.symlink(ws.root / "pkg_real", ws.root / "pkg")
    (ws.root / "pkg_real").mkdir()
    os.symlink(ws.root / "a.py", ws.root / "alias.py")
    with pytest.raises(OutsideWorkspaceError):
        ws.create_text("out/new.py", "x\n")
    with pytest.raises(InputError, match="symbolic link"):
        ws.create_text("pkg/new.py", "x\n")  # a link that stays inside is still refused
    with pytest.raises(InputError, match="symbolic link"):
        ws.delete_file("alias.py", content_hash("x = 1\n"))
    with pytest.raises(OutsideWorkspaceError):
        ws.delete_file("out/o.py", content_hash("o\n"))
    assert (outside / "o.py").exists() and (ws.root / "a.py").exists() and list(outside.iterdir()) == [outside / "o.py"]


def test_delete_and_rename_only_while_the_file_holds_the_expected_text(ws: Workspace):
    with pytest.raises(StaleError, match="changed since"):
        ws.delete_file("a.py", content_hash("something else\n"))
    with pytest.raises(StaleError):
        ws.rename_file("a.py", "b.py", content_hash("something else\n"), "x = 1\n")
    assert (ws.root / "a.py").exists() and not (ws.root / "b.py").exists()
    (ws.root / "c.py").write_text("c\n")
    with pytest.raises(InputError, match="already exists"):
        ws.rename_file("a.py", "c.py", content_hash("x = 1\n"), "x = 1\n")
    assert (ws.root / "c.py").read_text() == "c\n" and (ws.root / "a.py").exists()
    ws.rename_file("a.py", "moved/b.py", content_hash("x = 1\n"), "x = 2\n")
    assert not (ws.root / "a.py").exists() and (ws.root / "moved/b.py").read_text() == "x = 2\n"
    ws.delete_file("moved/b.py", content_hash("x = 2\n"))
    assert not (ws.root / "moved/b.py").exists()
    with pytest.raises(InputError, match="does not exist"):
        ws.delete_file("moved/b.py", content_hash("x = 2\n"))


def test_journals_from_before_file_operations_load_as_modify():
    old = build_file_change("a.py", "x\n", "y\n").model_dump(mode="json")
    del old["op"], old["old_path"]
    change = FileChange.model_validate(old)
    assert change.op == "modify" and change.old_path is None and change.diff().startswith("--- a/a.py\n+++ b/a.py\n")
    intent = FileIntent.model_validate({"path": "a.py", "hunk_ids": [], "status": "accepted", "old_hash": "1", "new_hash": "2"})
    assert intent.op == "write" and intent.from_path is None


def test_file_operation_builders_and_their_empty_hunk():
    empty = build_create("e.txt", "")
    assert len(empty.hunks) == 1 and empty.hunks[0].changed_lines == 0 and empty.diff().endswith("new file mode 100644\n")
    gone = build_delete("g.txt", "a\nb")  # no final newline
    assert gone.hunks[0].old_lines == ["a\n", "b"] and "\\ No newline at end of file" in gone.diff()
    moved = build_rename("a.py", "b.py", "x\n", "x\n")
    assert moved.hunks[0].diff == "" and moved.label() == "renamed: a.py -> b.py"
    assert moved.hunks[0].id != build_rename("a.py", "c.py", "x\n", "x\n").hunks[0].id
    moved.hunks[0].status = HunkStatus.ACCEPTED
    assert moved.expected_text() == "x\n"


def test_intent_outcome_reads_both_paths_of_a_rename(ws: Workspace):
    def read(rel: str) -> str:
        return ws.read_text(rel)

    rename = FileIntent(
        path="b.py", hunk_ids=[], status=HunkStatus.ACCEPTED, old_hash=content_hash("x = 1\n"), new_hash=content_hash("x = 2\n"),
        op="rename", from_path="a.py", to_path="b.py",
    )  # fmt: skip
    assert rename.outcome(read) == "old"
    (ws.root / "b.py").write_text("x = 2\n")
    assert rename.outcome(read) is None  # both there: cut between the halves
    (ws.root / "a.py").unlink()
    assert rename.outcome(read) == "new"
