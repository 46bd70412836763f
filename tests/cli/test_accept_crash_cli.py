"""Crash-consistent accept: a real `tether proposals accept` process SIGKILLed around the file write.

The child runs the CLI with ``Workspace.write_text`` wrapped to kill the process right before or
right after the real (atomic) write, so the journal holds the intent and nothing after it. A fresh
`tether` process then loads the store, which reconciles the journal from the files.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.cli.conftest import run_tether
from tests.conftest import make_git_repo

from tether.config import load_settings
from tether.engine import Engine
from tether.proposals import Proposal, build_file_change
from tether.slider import Level

A = "".join(f"line {i}\n" for i in range(40))
A_NEW = A.replace("line 2\n", "LINE two\n").replace("line 30\n", "LINE thirty\n")
B = "alpha\nbeta\ngamma\n"
B_NEW = "alpha\nBETA\ngamma\n"

CHILD = """
import os, signal, sys
from tether import workspace
from tether.cli import main

real = workspace.Workspace.write_text
when, argv = sys.argv[1], sys.argv[2:]
writes = []

def write_text(self, path, text):
    if when == "before-write":
        os.kill(os.getpid(), signal.SIGKILL)
    real(self, path, text)
    writes.append(path)
    if when == "after-write" or (when == "after-first-write" and len(writes) == 1):
        os.kill(os.getpid(), signal.SIGKILL)

workspace.Workspace.write_text = write_text
sys.exit(main(argv))
"""


def setup(tmp_path: Path, files: dict[str, tuple[str, str]]) -> tuple[Path, Proposal]:
    root = make_git_repo(tmp_path / "ws", {path: old for path, (old, _) in files.items()})
    engine = Engine(load_settings(root, env={}), root)
    changes = [build_file_change(path, old, new) for path, (old, new) in files.items()]
    return root, engine.store.save(Proposal(level=Level.FILE, instruction="test", files=changes))


def accept_and_die(root: Path, when: str, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TETHER_")}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, when, "-C", str(root), "proposals", "accept", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == -signal.SIGKILL, done.stderr


def show(root: Path, proposal_id: str) -> dict:
    done = run_tether("-C", str(root), "proposals", "show", proposal_id, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def statuses(data: dict) -> dict[str, list[str]]:
    return {f["path"]: [h["status"] for h in f["hunks"]] for f in data["files"]}


def journal(root: Path, proposal_id: str) -> dict:
    return json.loads((root / ".tether" / "proposals" / f"{proposal_id}.json").read_text(encoding="utf-8"))


def test_killed_right_after_the_write_is_accepted_on_reload(tmp_path):
    root, made = setup(tmp_path, {"a.txt": (A, A_NEW)})
    accept_and_die(root, "after-write", made.id)
    assert journal(root, made.id)["intent"]["files"][0]["path"] == "a.txt"  # the kill left the intent
    data = show(root, made.id)
    assert statuses(data) == {"a.txt": ["accepted", "accepted"]} and data["status"] == "done"
    assert (root / "a.txt").read_text(encoding="utf-8") == A_NEW
    assert journal(root, made.id)["intent"] is None and data["warnings"] == []
    assert "intent" not in data


def test_killed_right_before_the_write_stays_pending_and_the_file_untouched(tmp_path):
    root, made = setup(tmp_path, {"a.txt": (A, A_NEW)})
    accept_and_die(root, "before-write", made.id)
    assert journal(root, made.id)["intent"] is not None
    data = show(root, made.id)
    assert statuses(data) == {"a.txt": ["pending", "pending"]} and data["warnings"] == []
    assert (root / "a.txt").read_text(encoding="utf-8") == A
    done = run_tether("-C", str(root), "proposals", "accept", made.id)  # and it can still be accepted
    assert done.returncode == 0, done.stderr
    assert (root / "a.txt").read_text(encoding="utf-8") == A_NEW


def test_killed_between_two_files_keeps_each_file_as_the_disk_says(tmp_path):
    root, made = setup(tmp_path, {"a.txt": (A, A_NEW), "b.txt": (B, B_NEW)})
    accept_and_die(root, "after-first-write", made.id)
    assert statuses(show(root, made.id)) == {"a.txt": ["accepted", "accepted"], "b.txt": ["pending"]}
    assert (root / "a.txt").read_text(encoding="utf-8") == A_NEW
    assert (root / "b.txt").read_text(encoding="utf-8") == B


def test_partial_accept_killed_after_the_write_then_the_rest_accepted(tmp_path):
    root, made = setup(tmp_path, {"a.txt": (A, A_NEW)})
    first, second = (h.id for h in made.files[0].hunks)
    accept_and_die(root, "after-write", made.id, "--hunk", second)
    data = show(root, made.id)
    assert statuses(data) == {"a.txt": ["pending", "accepted"]} and data["status"] == "partial"
    assert (root / "a.txt").read_text(encoding="utf-8") == A.replace("line 30\n", "LINE thirty\n")
    done = run_tether("-C", str(root), "proposals", "accept", made.id, "--hunk", first)
    assert done.returncode == 0, done.stderr
    assert (root / "a.txt").read_text(encoding="utf-8") == A_NEW


def test_file_at_neither_text_is_left_alone_with_a_warning(tmp_path):
    root, made = setup(tmp_path, {"a.txt": (A, A_NEW)})
    accept_and_die(root, "after-write", made.id)
    edited = A_NEW + "typed by a person\n"
    (root / "a.txt").write_text(edited, encoding="utf-8")
    data = show(root, made.id)
    # still pending in the journal; shown as conflicts, since the file's lines there are no longer the base's
    assert statuses(data) == {"a.txt": ["conflict", "conflict"]}
    assert len(data["warnings"]) == 1 and "interrupted" in data["warnings"][0] and "a.txt" in data["warnings"][0]
    assert (root / "a.txt").read_text(encoding="utf-8") == edited
    done = run_tether("-C", str(root), "proposals", "accept", made.id)
    # the new text is there but the journal says pending: each hunk's own lines differ from its base lines, a conflict
    assert done.returncode == 6 and "changed since" in done.stderr and "you edited their lines" in done.stderr
    assert (root / "a.txt").read_text(encoding="utf-8") == edited
