"""Crash-consistent file operations: a real `tether proposals accept` / `tether undo` process SIGKILLed
around the creation, deletion or rename of a file.

The child runs the CLI with one ``Workspace`` file-operation helper wrapped to kill the process
right before or right after the real operation, so the journal holds the intent and nothing after
it. A fresh `tether` process then loads the store, which reconciles the journal from the files
(``FileIntent.outcome``): the operation done means accepted, not done means still pending.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from tests.cli.conftest import run_tether
from tests.conftest import make_git_repo

from tether.config import load_settings
from tether.engine import Engine
from tether.proposals import FileChange, Proposal, build_create, build_delete, build_rename
from tether.slider import Level

OLD = "def old():\n    return 1\n"
NEW = "def new():\n    return 2\n"

CHILD = """
import os, signal, sys
from tether import workspace
from tether.cli import main

method, when, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
real = getattr(workspace.Workspace, method)

def wrapped(self, *args):
    if when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    real(self, *args)
    os.kill(os.getpid(), signal.SIGKILL)

setattr(workspace.Workspace, method, wrapped)
sys.exit(main(argv))
"""


def setup(tmp_path: Path, change: FileChange) -> tuple[Path, Proposal]:
    root = make_git_repo(tmp_path / "ws", {"keep.py": "x = 1\n", "old.py": OLD})
    engine = Engine(load_settings(root, env={}), root)
    return root, engine.store.save(Proposal(level=Level.REPO, instruction="test", files=[change]))


def die_in(root: Path, method: str, when: str, *argv: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TETHER_")}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, method, when, "-C", str(root), *argv], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == -signal.SIGKILL, done.stderr


def show(root: Path, proposal_id: str) -> dict:
    done = run_tether("-C", str(root), "proposals", "show", proposal_id, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def journal(root: Path, proposal_id: str) -> dict:
    return json.loads((root / ".tether" / "proposals" / f"{proposal_id}.json").read_text(encoding="utf-8"))


def status_of(data: dict) -> list[str]:
    return [h["status"] for f in data["files"] for h in f["hunks"]]


@pytest.mark.parametrize("when, exists, status", [("before", False, "pending"), ("after", True, "accepted")])
def test_create_killed_around_the_write_is_settled_from_the_disk(tmp_path, when, exists, status):
    root, made = setup(tmp_path, build_create("pkg/new.py", NEW))
    die_in(root, "create_text", when, "proposals", "accept", made.id)
    intent = journal(root, made.id)["intent"]
    assert intent["files"][0]["op"] == "create" and intent["files"][0]["to_path"] == "pkg/new.py"
    data = show(root, made.id)
    assert status_of(data) == [status] and data["warnings"] == []
    assert (root / "pkg/new.py").exists() == exists and journal(root, made.id)["intent"] is None
    if not exists:  # and it can still be accepted
        done = run_tether("-C", str(root), "proposals", "accept", made.id)
        assert done.returncode == 0, done.stderr
    assert (root / "pkg/new.py").read_text(encoding="utf-8") == NEW


@pytest.mark.parametrize("when, exists, status", [("before", True, "pending"), ("after", False, "accepted")])
def test_delete_killed_around_the_unlink_is_settled_from_the_disk(tmp_path, when, exists, status):
    root, made = setup(tmp_path, build_delete("old.py", OLD))
    die_in(root, "delete_file", when, "proposals", "accept", made.id)
    data = show(root, made.id)
    assert status_of(data) == [status] and data["warnings"] == []
    assert (root / "old.py").exists() == exists


def test_rename_killed_after_the_move_is_accepted_and_undo_killed_midway_stays_accepted(tmp_path):
    root, made = setup(tmp_path, build_rename("old.py", "renamed.py", OLD, NEW))
    die_in(root, "rename_file", "after", "proposals", "accept", made.id)
    assert status_of(show(root, made.id)) == ["accepted", "accepted"] or status_of(show(root, made.id)) == ["accepted"]
    assert not (root / "old.py").exists() and (root / "renamed.py").read_text(encoding="utf-8") == NEW
    # undo (renaming back) killed before the move: still accepted, the files as they were
    die_in(root, "rename_file", "before", "undo", made.id)
    assert set(status_of(show(root, made.id))) == {"accepted"}
    done = run_tether("-C", str(root), "undo", made.id)
    assert done.returncode == 0, done.stderr
    assert (root / "old.py").read_text(encoding="utf-8") == OLD and not (root / "renamed.py").exists()
    assert set(status_of(show(root, made.id))) == {"pending"}


def test_rename_cut_between_its_halves_is_left_alone_with_a_warning(tmp_path):
    # create_text is the first half of a rename: killed right after it, both files exist
    root, made = setup(tmp_path, build_rename("old.py", "renamed.py", OLD, NEW))
    die_in(root, "create_text", "after", "proposals", "accept", made.id)
    data = show(root, made.id)
    assert set(status_of(data)) == {"pending"}
    assert len(data["warnings"]) == 1 and "interrupted" in data["warnings"][0]
    assert (root / "old.py").read_text(encoding="utf-8") == OLD and (root / "renamed.py").read_text(encoding="utf-8") == NEW
