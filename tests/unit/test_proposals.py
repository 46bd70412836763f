"""Proposals: well-formed hunks, any subset applies, stale text is refused, the journal survives."""

from __future__ import annotations

import subprocess

import pytest
import unidiff
from tests.conftest import make_git_repo

from tether.anchors import plan_accept
from tether.errors import ConflictError, ProposalError, StaleError
from tether.proposals import HunkStatus, Proposal, apply_hunks, build_file_change, line_replacement
from tether.slider import Level
from tether.store import ProposalStore

BASE = "".join(f"line {i}\n" for i in range(40))
NEW = BASE.replace("line 2\n", "LINE two\n").replace("line 20\n", "").replace("line 39\n", "line 39 end")


def proposal() -> Proposal:
    return Proposal(level=Level.FILE, instruction="test", files=[build_file_change("a.txt", BASE, NEW)])


def test_hunks_round_trip_through_unidiff():
    p = proposal()
    patch = unidiff.PatchSet(p.diff())
    assert len(patch) == 1 and patch[0].path == "a.txt"
    assert [h.source_start for h in patch[0]] == [h.old_start for h in p.files[0].hunks]
    assert patch[0].added + patch[0].removed == p.changed_lines
    assert len({h.id for h in p.files[0].hunks}) == 3


def test_diff_applies_with_git_apply_check(tmp_path):
    repo = make_git_repo(tmp_path / "r", {"a.txt": BASE})
    (repo / "change.diff").write_text(proposal().diff())
    result = subprocess.run(["git", "apply", "--check", "change.diff"], cwd=repo, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("order", [[0, 1, 2], [2, 0, 1], [1]])
def test_any_subset_applies_in_any_order(order):
    change = proposal().files[0]
    current = BASE
    for index in order:
        hunk = change.hunks[index]
        current = plan_accept(change, [hunk.id], current)
        hunk.status = HunkStatus.ACCEPTED
        assert current == change.expected_text()
    if len(order) == 3:
        assert current == NEW


def test_an_edit_elsewhere_keeps_hunks_acceptable_and_is_kept():
    change = proposal().files[0]
    typed = "# typed at the top\n" + BASE + "edited elsewhere\n"
    out = plan_accept(change, [change.hunks[0].id], typed)
    assert out == "# typed at the top\n" + BASE.replace("line 2\n", "LINE two\n") + "edited elsewhere\n"


def test_an_edit_to_a_hunks_own_lines_is_a_conflict_refused_without_the_choice():
    change = proposal().files[0]
    typed = BASE.replace("line 2\n", "line 2, mine\n")
    with pytest.raises(ConflictError, match="you edited their lines") as caught:
        plan_accept(change, [change.hunks[0].id], typed)
    assert isinstance(caught.value, StaleError)  # same exit code (6) as before for scripts
    assert plan_accept(change, [change.hunks[1].id], typed) == typed.replace("line 20\n", "")
    assert plan_accept(change, [change.hunks[0].id], typed, overwrite_conflicts=True) == BASE.replace("line 2\n", "LINE two\n")


def test_rejected_hunks_cannot_be_accepted_and_unknown_ids_are_errors():
    p = proposal()
    change = p.files[0]
    change.hunks[0].status = HunkStatus.REJECTED
    with pytest.raises(ProposalError, match="rejected"):
        plan_accept(change, [change.hunks[0].id], BASE)
    with pytest.raises(ProposalError, match="no hunk"):
        p.find_hunk("nope")
    assert p.status == "partial"


def test_crlf_and_missing_final_newline_are_kept():
    base = "a\r\nb\r\nc"
    new = "a\r\nB\r\nc"
    change = build_file_change("x.txt", base, new)
    assert apply_hunks(base, change.hunks) == new
    assert "\\ No newline at end of file" in change.diff()


def test_line_replacement_is_minimal():
    assert line_replacement("a\nb\nc\n", "a\nB\nc\n") == (1, 2, "B\n")
    assert line_replacement("a\n", "a\nb\n") == (1, 1, "b\n")


def test_journal_survives_a_restart(tmp_path):
    store = ProposalStore(tmp_path / "proposals")
    saved = store.save(proposal())
    (tmp_path / "proposals" / "garbage.json").write_text("{not json")
    again = ProposalStore(tmp_path / "proposals")
    loaded = again.get(saved.id[:6])
    assert loaded.diff() == saved.diff() and loaded.files[0].base_text == BASE
    assert [p.id for p in again.pending()] == [saved.id]
    with pytest.raises(ProposalError, match="No proposal"):
        again.get("ffffffffffff")


def test_store_sees_proposals_written_by_another_process(tmp_path):
    server_side = ProposalStore(tmp_path / "proposals")
    assert server_side.all() == []
    cli_side = ProposalStore(tmp_path / "proposals")
    made = cli_side.save(proposal())
    assert server_side.get(made.id).id == made.id
    made.files[0].hunks[0].status = HunkStatus.REJECTED
    cli_side.save(made)
    assert server_side.get(made.id).files[0].hunks[0].status == HunkStatus.REJECTED
    cli_side.remove(made.id)
    assert server_side.all() == []
