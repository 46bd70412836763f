"""The proposal journal stays small and honest (issue 17, item 5): a real store in a tmp folder.

Index: listing reads no journal (shown by journals whose bytes were swapped for garbage behind the
same stamp: still listed right, never kept aside as corrupt), repaired after another process
writes. Archive: decided proposals older than the setting move into archive/, pending, partial and
in-flight ones never. Crashes: a write killed mid-way (a real SIGKILLed process) leaves the older
journal whole; its temp file is removed once stale; a truncated journal is kept aside, not deleted.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tether import journal
from tether.errors import ProposalError
from tether.proposals import FileIntent, HunkStatus, Proposal, WriteIntent, build_file_change
from tether.slider import Level
from tether.store import ARCHIVE_EVERY_S, ProposalStore
from tether.workspace import content_hash

BASE = "".join(f"line {i}\n" for i in range(20))
NEW = BASE.replace("line 3\n", "LINE three\n").replace("line 15\n", "LINE fifteen\n")
DAY = 86400


def make(instruction: str, statuses: tuple[HunkStatus, HunkStatus] = (HunkStatus.PENDING, HunkStatus.PENDING)) -> Proposal:
    change = build_file_change("a.txt", BASE, NEW)
    assert len(change.hunks) == 2
    for hunk, status in zip(change.hunks, statuses, strict=True):
        hunk.status = status
    return Proposal(level=Level.FILE, instruction=instruction, files=[change])


def in_flight(proposal: Proposal) -> Proposal:
    """The proposal with a write intent of this (running) process: never archived, pruned or settled."""
    ids = [h.id for h in proposal.files[0].hunks]
    item = FileIntent(path="a.txt", hunk_ids=ids, status=HunkStatus.ACCEPTED, old_hash=content_hash(BASE), new_hash=content_hash(NEW))
    proposal.intent = WriteIntent(files=[item])
    return proposal


def age(folder: Path, proposal_id: str, days: float) -> None:
    """Make a journal look last written ``days`` ago."""
    then = time.time() - days * DAY
    os.utime(folder / f"{proposal_id}.json", (then, then))


def swap_behind_stamp(path: Path) -> None:
    """Overwrite ``path`` in place with garbage of the same size and put its mtime back: the same
    (mtime, inode, size) stamp, so only a store that reads the file can notice."""
    info = path.stat()
    with open(path, "r+b") as fh:
        fh.write(b"#" * info.st_size)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


DONE = (HunkStatus.ACCEPTED, HunkStatus.ACCEPTED)
REJECTED = (HunkStatus.REJECTED, HunkStatus.REJECTED)
PARTIAL = (HunkStatus.ACCEPTED, HunkStatus.PENDING)


def test_listing_and_pending_read_the_index_not_the_journals(tmp_path):
    folder = tmp_path / "proposals"
    store = ProposalStore(folder)
    pending, done = store.save(make("pending one")), store.save(make("decided one", DONE))
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    assert set(index["entries"]) == {pending.id, done.id}
    assert index["entries"][pending.id]["hunks"] == {"pending": 2} and index["entries"][done.id]["status"] == "done"

    swap_behind_stamp(folder / f"{pending.id}.json")
    swap_behind_stamp(folder / f"{done.id}.json")
    fresh = ProposalStore(folder)  # another process: nothing cached, only index.json
    listed = {e.id: (e.status, e.instruction, e.files, e.hunks) for e in fresh.summaries()}
    assert listed == {
        pending.id: ("pending", "pending one", ["a.txt"], {"pending": 2}),
        done.id: ("done", "decided one", ["a.txt"], {"accepted": 2}),
    }
    assert [e.id for e in fresh.summaries(pending_only=True)] == [pending.id]
    assert [p.id for p in ProposalStore(folder).pending()] == []  # the only pending journal is garbage now...
    assert not (folder / f"{done.id}.json.corrupt").exists()  # ...and the decided one was never read
    assert (folder / f"{pending.id}.json.corrupt").exists()  # get/pending read the journal itself, and keep garbage aside


def test_get_reads_one_journal(tmp_path):
    folder = tmp_path / "proposals"
    store = ProposalStore(folder)
    first, second = store.save(make("first")), store.save(make("second"))
    swap_behind_stamp(folder / f"{second.id}.json")
    fresh = ProposalStore(folder)
    assert fresh.get(first.id[:6]).instruction == "first"
    assert not (folder / f"{second.id}.json.corrupt").exists()


def test_index_follows_another_process_and_is_rebuilt_when_lost(tmp_path):
    folder = tmp_path / "proposals"
    server, cli = ProposalStore(folder), ProposalStore(folder)
    made = server.save(make("from the server"))
    assert [e.id for e in cli.summaries(pending_only=True)] == [made.id]

    rejected = cli.get(made.id)
    for hunk in rejected.files[0].hunks:
        hunk.status = HunkStatus.REJECTED
    cli.save(rejected)
    assert server.summaries(pending_only=True) == [] and server.get(made.id).status == "rejected"

    # A journal written outside any store (an older tether, a copy): picked up by its stamp.
    outside = make("written outside")
    journal.write_bytes_atomic(folder / f"{outside.id}.json", outside.model_dump_json().encode())
    assert {e.id for e in server.summaries()} == {made.id, outside.id}
    assert json.loads((folder / "index.json").read_text(encoding="utf-8"))["entries"].keys() == {made.id, outside.id}

    (folder / "index.json").write_text('{"version": 1, "entries": {', encoding="utf-8")  # truncated index
    assert {e.id: e.status for e in ProposalStore(folder).summaries()} == {made.id: "rejected", outside.id: "pending"}
    (folder / "index.json").unlink()
    assert {e.id for e in ProposalStore(folder).summaries()} == {made.id, outside.id}
    assert (folder / "index.json").exists()

    (folder / f"{outside.id}.json").unlink()
    assert [e.id for e in server.summaries()] == [made.id]


def test_corrupt_journal_is_kept_aside_never_deleted(tmp_path, caplog):
    folder = tmp_path / "proposals"
    store = ProposalStore(folder)
    good = store.save(make("good"))
    text = make("will be cut").model_dump_json(indent=1)
    cut = text[: len(text) // 2]
    (folder / "0123456789ab.json").write_text(cut, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="tether.journal"):
        assert [p.id for p in ProposalStore(folder).all()] == [good.id]
    assert (folder / "0123456789ab.json.corrupt").read_text(encoding="utf-8") == cut
    assert not (folder / "0123456789ab.json").exists()
    assert any("kept aside" in r.message and "0123456789ab.json.corrupt" in r.message for r in caplog.records)

    (folder / "0123456789ab.json").write_bytes(b"")  # cut again, by a second crash: the first stays
    with pytest.raises(ProposalError, match="No proposal"):
        ProposalStore(folder).get("0123456789ab")
    assert (folder / "0123456789ab.json.corrupt").read_text(encoding="utf-8") == cut
    assert (folder / "0123456789ab.json.corrupt.1").read_bytes() == b""


def test_stale_temp_files_are_removed_young_ones_kept(tmp_path):
    folder = tmp_path / "proposals"
    made = ProposalStore(folder).save(make("kept"))
    stale, young = folder / f".{made.id}.json.aaaa.tether-tmp", folder / f".{made.id}.json.bbbb.tether-tmp"
    stale.write_text('{"half": ', encoding="utf-8")
    young.write_text('{"half": ', encoding="utf-8")
    then = time.time() - journal.TMP_GRACE_S - 5
    os.utime(stale, (then, then))
    assert [p.id for p in ProposalStore(folder).all()] == [made.id]
    assert not stale.exists() and young.exists()  # a young one may be another process's write


def test_archive_after_days_moves_decided_proposals_only(tmp_path):
    folder = tmp_path / "proposals"
    store = ProposalStore(folder)
    old_done, old_rejected = store.save(make("old done", DONE)), store.save(make("old rejected", REJECTED))
    new_done = store.save(make("new done", DONE))
    old_pending, old_partial = store.save(make("old pending")), store.save(make("old partial", PARTIAL))
    old_writing = store.save(in_flight(make("old, write in flight", DONE)))
    for item in (old_done, old_rejected, old_pending, old_partial, old_writing):
        age(folder, item.id, 10)
    age(folder, new_done.id, 2)
    raw = (folder / f"{old_done.id}.json").read_bytes()

    assert {e.id for e in ProposalStore(folder, archive_after_days=0).summaries()} == {  # 0: never
        old_done.id, old_rejected.id, new_done.id, old_pending.id, old_partial.id, old_writing.id,
    }  # fmt: skip
    archiving = ProposalStore(folder, archive_after_days=7)
    live = {e.id for e in archiving.summaries()}
    assert live == {new_done.id, old_pending.id, old_partial.id, old_writing.id}
    archived = sorted(p.name for p in (folder / "archive").iterdir())
    assert archived == sorted(f"{p.id}.json.gz" for p in (old_done, old_rejected))
    assert gzip.decompress((folder / "archive" / f"{old_done.id}.json.gz").read_bytes()) == raw
    assert (folder / "archive" / f"{old_done.id}.json.gz").stat().st_mtime == pytest.approx(time.time() - 10 * DAY, abs=60)
    assert archiving.get(old_done.id[:7]).instruction == "old done"  # still readable, from the archive

    # At most once an hour across processes: a proposal aged now waits for the next pass.
    age(folder, new_done.id, 9)
    assert new_done.id in {e.id for e in ProposalStore(folder, archive_after_days=7).summaries()}
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    index["archived_at"] -= ARCHIVE_EVERY_S + 1
    (folder / "index.json").write_text(json.dumps(index), encoding="utf-8")
    assert new_done.id not in {e.id for e in ProposalStore(folder, archive_after_days=7).summaries()}


def test_an_archived_proposal_saved_again_is_live_again(tmp_path):
    folder = tmp_path / "proposals"
    store = ProposalStore(folder)
    made = store.save(make("undone later", DONE))
    assert [e.id for e in store.archive(store.decided())] == [made.id]
    again = store.get(made.id)
    again.files[0].hunks[0].status = HunkStatus.PENDING
    store.save(again)
    assert not (folder / "archive" / f"{made.id}.json.gz").exists()
    assert [p.id for p in ProposalStore(folder).pending()] == [made.id]


def test_decided_never_offers_pending_partial_or_in_flight(tmp_path):
    store = ProposalStore(tmp_path / "proposals")
    done, empty = store.save(make("done", DONE)), store.save(Proposal(level=Level.FILE, instruction="empty"))
    for item in (make("pending"), make("partial", PARTIAL), in_flight(make("writing", DONE))):
        store.save(item)
    assert {e.id for e in store.decided()} == {done.id, empty.id}
    assert store.delete(store.decided()) and {e.instruction for e in store.summaries()} == {"pending", "partial", "writing"}


CHILD = """
import os, signal, sys
from tether.proposals import Proposal
from tether.store import ProposalStore

folder, proposal_id, where = sys.argv[1], sys.argv[2], sys.argv[3]
store = ProposalStore(folder)
proposal = store.get(proposal_id)
proposal.instruction = "second version, never journaled"
real = getattr(os, where)

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

setattr(os, where, die)
store.save(proposal)
"""


@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_a_write_killed_midway_keeps_the_older_journal(tmp_path, where):
    folder = tmp_path / "proposals"
    made = ProposalStore(folder).save(make("first version"))
    before = (folder / f"{made.id}.json").read_bytes()
    done = subprocess.run([sys.executable, "-c", CHILD, str(folder), made.id, where], capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr

    assert (folder / f"{made.id}.json").read_bytes() == before
    leftovers = list(folder.glob(f".{made.id}.json.*.tether-tmp"))
    assert len(leftovers) == 1  # the killed write's temp file, beside the intact journal
    assert ProposalStore(folder).get(made.id).instruction == "first version"
    assert leftovers[0].exists()  # young: it could be a write in progress
    then = time.time() - journal.TMP_GRACE_S - 5
    os.utime(leftovers[0], (then, then))
    assert [p.instruction for p in ProposalStore(folder).all()] == ["first version"]
    assert not leftovers[0].exists()


def test_reading_an_empty_workspace_creates_nothing(tmp_path):
    store = ProposalStore(tmp_path / ".tether" / "proposals", archive_after_days=7)
    assert store.summaries() == [] and store.pending() == []
    with pytest.raises(ProposalError, match="No proposal"):
        store.get("abc")
    assert not (tmp_path / ".tether").exists()
