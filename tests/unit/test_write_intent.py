"""The write intent in proposal journals: old journals load, live writers are left alone, failed writes settle.

The kill-between-steps cases run a real process: tests/cli/test_accept_crash_cli.py.
"""

from __future__ import annotations

import json
import os
import time

import pytest
from tests.conftest import make_git_repo

from tether.config import load_settings
from tether.engine import Engine
from tether.ops.review import accept_on_disk
from tether.ops.undo import undo_proposal
from tether.proposals import FileIntent, HunkStatus, Proposal, WriteIntent, build_file_change
from tether.slider import Level
from tether.store import INTENT_TIMEOUT_S, ProposalStore, writer_may_be_running
from tether.workspace import content_hash

BASE = "".join(f"line {i}\n" for i in range(20))
NEW = BASE.replace("line 3\n", "LINE three\n")


def engine_with_proposal(tmp_path) -> tuple[Engine, Proposal]:
    root = make_git_repo(tmp_path / "ws", {"a.txt": BASE})
    engine = Engine(load_settings(root, env={}), root)
    proposal = Proposal(level=Level.FILE, instruction="t", files=[build_file_change("a.txt", BASE, NEW)])
    return engine, engine.store.save(proposal)


def dead_intent(proposal: Proposal) -> WriteIntent:
    ids = [h.id for h in proposal.files[0].hunks]
    item = FileIntent(path="a.txt", hunk_ids=ids, status=HunkStatus.ACCEPTED, old_hash=content_hash(BASE), new_hash=content_hash(NEW))
    return WriteIntent(files=[item], token="another-process", started_at=time.time() - INTENT_TIMEOUT_S - 1)


def test_a_journal_from_before_the_intent_field_loads(tmp_path):
    engine, made = engine_with_proposal(tmp_path)
    path = engine.store.folder / f"{made.id}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["intent"]
    path.write_text(json.dumps(data), encoding="utf-8")
    loaded = Engine(engine.settings, engine.workspace.root).store.get(made.id)
    assert loaded.intent is None and loaded.status == "pending"


def test_an_intent_of_a_running_writer_is_left_alone(tmp_path):
    engine, made = engine_with_proposal(tmp_path)
    made.intent = dead_intent(made).model_copy(update={"token": WriteIntent(files=[]).token})  # this process
    engine.store.save(made)
    (engine.workspace.root / "a.txt").write_text(NEW, encoding="utf-8")
    other = ProposalStore(engine.store.folder, read=engine.workspace.read_text)
    assert other.get(made.id).intent is not None and other.get(made.id).status == "pending"


def test_liveness_by_token_pid_and_age():
    now = time.time()
    assert writer_may_be_running(WriteIntent(files=[]))  # written here
    assert writer_may_be_running(WriteIntent(files=[], token="x", pid=os.getppid(), started_at=now))
    assert not writer_may_be_running(WriteIntent(files=[], token="x", pid=os.getppid(), started_at=now - INTENT_TIMEOUT_S - 1))
    assert writer_may_be_running(WriteIntent(files=[], token="x", host="elsewhere.invalid", started_at=now))


def test_an_old_intent_is_reconciled_even_if_its_pid_is_alive(tmp_path):
    engine, made = engine_with_proposal(tmp_path)
    made.intent = dead_intent(made).model_copy(update={"pid": os.getpid()})
    engine.store.save(made)
    (engine.workspace.root / "a.txt").write_text(NEW, encoding="utf-8")
    loaded = Engine(engine.settings, engine.workspace.root).store.get(made.id)
    assert loaded.intent is None and loaded.status == "done"
    again = json.loads((engine.store.folder / f"{made.id}.json").read_text(encoding="utf-8"))
    assert again["intent"] is None  # the reconciled journal was written back


def test_a_hand_edited_intent_does_not_break_loading(tmp_path):
    engine, made = engine_with_proposal(tmp_path)
    intent = dead_intent(made)
    intent.files[0].hunk_ids = ["no-such-hunk"]
    made.intent = intent
    engine.store.save(made)
    (engine.workspace.root / "a.txt").write_text(NEW, encoding="utf-8")
    store = Engine(engine.settings, engine.workspace.root).store
    assert [p.id for p in store.all()] == [made.id] and store.get(made.id).status == "pending"


def test_a_write_that_fails_settles_the_intent_at_once(tmp_path):
    engine, made = engine_with_proposal(tmp_path)

    def refuse(path, text):
        raise PermissionError("read-only file system")

    engine.workspace.write_text = refuse  # type: ignore[method-assign]
    with pytest.raises(PermissionError):
        accept_on_disk(engine, made.id)
    loaded = Engine(engine.settings, engine.workspace.root).store.get(made.id)
    assert loaded.intent is None and loaded.status == "pending" and loaded.warnings == []
    assert (engine.workspace.root / "a.txt").read_text(encoding="utf-8") == BASE


def test_accept_and_undo_leave_no_intent_behind(tmp_path):
    engine, made = engine_with_proposal(tmp_path)
    accepted, _ = accept_on_disk(engine, made.id)
    assert accepted.intent is None and accepted.status == "done"
    assert (engine.workspace.root / "a.txt").read_text(encoding="utf-8") == NEW
    undone = undo_proposal(engine, made.id)
    assert undone.intent is None and undone.status == "pending"
    assert (engine.workspace.root / "a.txt").read_text(encoding="utf-8") == BASE
    fresh = Engine(engine.settings, engine.workspace.root).store.get(made.id)
    assert fresh.intent is None and fresh.status == "pending"
