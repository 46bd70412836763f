"""The rules of hunk anchoring (docs/lsp.md, Hunk states), one case each; the property test covers the mixes."""

from __future__ import annotations

import pytest

from tether.anchors import locate, plan_accept
from tether.errors import ConflictError, ProposalError
from tether.proposals import HunkStatus, build_file_change

BASE = "".join(f"line {i}\n" for i in range(30))
# three hunks: line 5 replaced, two lines added after line 15, line 25 deleted
NEW = BASE.replace("line 5\n", "LINE five\n").replace("line 15\n", "line 15\nadded a\nadded b\n").replace("line 25\n", "")


def change():
    made = build_file_change("f.txt", BASE, NEW)
    assert len(made.hunks) == 3
    return made


def places(text: str) -> list[tuple[str, int | None, int | None]]:
    return [(loc.status.value, loc.start, loc.end) for loc in locate(change(), text)]


def test_untouched_text_places_each_hunk_on_its_own_lines():
    assert places(BASE) == [("pending", 5, 6), ("pending", 16, 16), ("pending", 25, 26)]


def test_edits_right_next_to_a_hunk_are_not_a_conflict():
    text = BASE.replace("line 4\n", "line 4, edited\n").replace("line 6\n", "typed\nline 6\n").replace("line 26\n", "")
    assert places(text) == [("pending", 5, 6), ("pending", 17, 17), ("pending", 26, 27)]
    assert plan_accept(change(), [h.id for h in change().hunks], text) == text.replace("line 5\n", "LINE five\n").replace(
        "line 15\n", "line 15\nadded a\nadded b\n"
    ).replace("line 25\n", "")


def test_an_edited_own_line_is_a_conflict_and_restoring_it_makes_it_pending_again():
    text = BASE.replace("line 5\n", "line 5!\n")
    assert places(text)[0] == ("conflict", 5, 6)
    assert places(text.replace("line 5!\n", "line 5\n"))[0] == ("pending", 5, 6)


def test_lines_typed_where_a_pure_addition_goes_are_a_conflict_but_not_above_or_below():
    assert places(BASE.replace("line 16\n", "typed\nline 16\n"))[1][0] == "conflict"
    assert places(BASE.replace("line 15\n", "typed\nline 15\n"))[1] == ("pending", 17, 17)
    assert places(BASE.replace("line 17\n", "typed\nline 17\n"))[1] == ("pending", 16, 16)


def test_a_conflict_is_refused_without_the_choice_and_overwritten_with_it():
    hunks = change()
    text = BASE.replace("line 25\n", "line 25 is mine now\n")
    with pytest.raises(ConflictError, match=r"hunk\(s\) \w+ \(lines 26-26\)"):
        plan_accept(hunks, [h.id for h in hunks.hunks], text)
    assert plan_accept(hunks, [hunks.hunks[2].id], text, overwrite_conflicts=True) == BASE.replace("line 25\n", "")


def test_accepted_hunks_are_placed_by_their_new_lines_and_rejected_ones_have_no_place():
    hunks = change()
    text = plan_accept(hunks, [hunks.hunks[1].id], "top\n" + BASE)
    hunks.hunks[1].status = HunkStatus.ACCEPTED
    hunks.hunks[2].status = HunkStatus.REJECTED
    assert [(loc.status.value, loc.start, loc.end) for loc in locate(hunks, text)] == [
        ("pending", 6, 7),
        ("accepted", 17, 19),
        ("rejected", None, None),
    ]
    with pytest.raises(ProposalError, match="rejected"):
        plan_accept(hunks, [hunks.hunks[2].id], text)


def test_a_file_without_final_break_and_crlf_keep_their_bytes():
    base = "a\r\nb\r\nc"
    made = build_file_change("w.txt", base, "a\r\nB\r\nc")
    assert plan_accept(made, [made.hunks[0].id], "typed\r\n" + base + " more") == "typed\r\na\r\nB\r\nc more"


def test_a_new_file_is_one_addition_and_a_deleted_file_one_removal():
    created = build_file_change("n.py", "", "x = 1\n")
    assert [(loc.status.value, loc.start, loc.end) for loc in locate(created, "")] == [("pending", 0, 0)]
    assert locate(created, "typed meanwhile\n")[0].status == HunkStatus.CONFLICT
    deleted = build_file_change("d.py", "x = 1\ny = 2\n", "")
    assert plan_accept(deleted, [deleted.hunks[0].id], "x = 1\ny = 2\n") == ""
    assert locate(deleted, "x = 1\ny = 3\n")[0].status == HunkStatus.CONFLICT


def test_a_hunk_that_ends_the_file_is_a_conflict_once_lines_follow_it():
    made = build_file_change("e.txt", "a\nb\n", "a\nB")
    assert locate(made, "a\nb\n")[0].status == HunkStatus.PENDING
    assert locate(made, "a\nb\ntyped\n")[0].status == HunkStatus.CONFLICT


def test_a_deleted_blank_line_next_to_an_identical_one_slides_off_the_hunk():
    made = build_file_change("b.txt", "x\n\n\ny\n", "x\n\ny\n")  # the proposal removes the second blank line
    # the person removed a blank line too; the text cannot say which, so it was the other one:
    # the hunk still has its own line to remove (a deletion the diff put on it would be a conflict by chance)
    assert [(loc.status, loc.start, loc.end) for loc in locate(made, "x\n\ny\n")] == [(HunkStatus.PENDING, 1, 2)]
    made2 = build_file_change("b.txt", "x\n\n\ny\nz\n", "x\n\n\ny\nZ\n")
    assert locate(made2, "x\n\ny\nz\n")[0].status == HunkStatus.PENDING
