"""Hunks anchored to the text: where each hunk of a proposal is now, and whether the person touched it.

A proposal's hunks are stored relative to its base text. The file (or editor buffer) moves on
while the person reviews: they type elsewhere, accept some hunks, reject others. ``locate``
re-finds every hunk in the current text by a three-way comparison of (reference, current,
proposal), where the reference is the base with the hunks accepted so far (the text tether
last left): a line-level diff of reference against current says which reference lines the
person kept, and where they are now. The diff is ``difflib.SequenceMatcher`` run between lines
unique on both sides (``linediff.opcodes``); short matches of weak lines (blank, ``}``) between two
changes are undone; inside each replaced run, lines are paired by likeness as
``difflib.Differ`` pairs them (a similar pair is a line edited in place), then identical lines
are kept where the most can be (``_Alignment._keep_identical``).

A hunk's **own lines** are the base lines it removes or replaces, from its first changed line
to its last (the unchanged lines between two changes of one hunk count; the 3 context lines
around it do not), as Cursor and Zed treat a pending edit's region. A hunk that only adds lines
owns the gap between two base lines where they go. Then:

- own lines all kept, in one piece (no line typed between them): the hunk stays ``pending``
  and moves with the text; edits right above or below it, or anywhere else, do not matter;
- any own line edited or deleted, or a line typed inside them (for a pure addition: a line
  typed into its gap): ``conflict``. Accepting it needs the person's explicit choice
  (``overwrite_conflicts``), which replaces their current version of the stretch between the
  nearest kept lines around the hunk (its ``start``/``end``) with the proposal's version.

Accepting applies the chosen hunks onto the current text at their located places, replacing
only lines equal to the ones the hunk was made from, so nothing typed is overwritten. When one
line is deleted next to an identical one (two blank lines, say), the diff could call either one
deleted; ``locate`` slides such a deletion (or insertion) of repeated lines off a hunk's own
lines, as git's diff slider does, since the text is the same either way.

Lines are those of ``tether.lines`` (\\n, \\r\\n, \\r); every index here is a 0-based line.
See docs/lsp.md, "Hunk states".
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .errors import ConflictError, ProposalError
from .linediff import dissolve_weak, opcodes
from .lines import line_break, split_lines
from .proposals import FileChange, Hunk, HunkStatus, apply_hunks

PAIR_CUTOFF = 0.74  # difflib.Differ's cutoff for "similar" lines (0.75), as a strict lower bound
PAIR_LIMIT = 4000  # reference lines x current lines of one replaced run above which lines pair by position only


@dataclass(frozen=True)
class Located:
    """One hunk placed in the current text.

    ``status``: the stored status, except that a pending hunk whose own lines were touched is
    ``HunkStatus.CONFLICT``. ``start``/``end``: 0-based lines of the current text, end
    exclusive: for a pending hunk the lines it replaces (``start == end`` for a pure addition:
    its lines go before line ``start``); for an accepted one its new lines; for a conflict the
    person's version of the stretch (what ``overwrite_conflicts`` replaces). None for rejected
    hunks and accepted ones that can no longer be placed. ``replacement``: the lines (with
    breaks) that accepting writes over ``start:end``. ``reason``: why it is a conflict.
    """

    hunk_id: str
    status: HunkStatus
    start: int | None = None
    end: int | None = None
    replacement: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class _Own:
    start: int  # first own line in the reference text (0-based)
    end: int  # end exclusive; == start for a pure addition
    old: list[str]
    new: list[str]


def own_span(hunk: Hunk) -> tuple[int, int, int, int]:
    """(first, end) of the hunk's own lines in ``old_lines`` and (first, end) of its changed lines in ``new_lines``.

    The context lines the hunk carries (equal at both ends) are trimmed; indexes 0-based, ends exclusive.
    """
    old, new = hunk.old_lines, hunk.new_lines
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return head, len(old) - tail, head, len(new) - tail


def locate(change: FileChange, current_text: str) -> list[Located]:
    """Every hunk of ``change`` placed in ``current_text``, in the order of ``change.hunks``.

    Pure: reads nothing, writes nothing. Raises StaleError only for a journal whose accepted
    hunks do not fit its own base text (hand-edited).
    """
    accepted = [h for h in change.hunks if h.status == HunkStatus.ACCEPTED]
    reference = split_lines(apply_hunks(change.base_text, accepted), keepends=True)
    current = split_lines(current_text, keepends=True)
    align = _Alignment(reference, current)
    out = []
    shift = 0  # reference line of a base line = base line + lines added by accepted hunks above it
    for hunk in sorted(change.hunks, key=lambda h: h.old_start):
        o1, o2, n1, n2 = own_span(hunk)
        base_start = hunk.old_start - 1 + o1
        if hunk.status == HunkStatus.REJECTED:
            out.append(Located(hunk.id, HunkStatus.REJECTED))
            continue
        if hunk.status == HunkStatus.ACCEPTED:
            own = _Own(base_start + shift, base_start + shift + (n2 - n1), hunk.new_lines[n1:n2], hunk.new_lines[n1:n2])
            shift += (n2 - n1) - (o2 - o1)
            placed = align.place(own)
            out.append(Located(hunk.id, HunkStatus.ACCEPTED, placed.start, placed.end, placed.replacement))
            continue
        own = _Own(base_start + shift, base_start + shift + (o2 - o1), hunk.old_lines[o1:o2], hunk.new_lines[n1:n2])
        out.append(align.place(own, hunk.id))
    order = {h.id: i for i, h in enumerate(change.hunks)}
    return sorted(out, key=lambda loc: order[loc.hunk_id])


def plan_accept(change: FileChange, hunk_ids: list[str], current_text: str, overwrite_conflicts: bool = False) -> str:
    """``current_text`` with the hunks ``hunk_ids`` of ``change`` applied at their located places.

    Hunks already accepted are skipped (their lines are in the text). Raises ProposalError for
    an unknown or rejected hunk, or for two chosen hunks that now overlap; ConflictError (a
    StaleError) for a conflict hunk unless ``overwrite_conflicts``, and then nothing is applied.
    """
    chosen = {change.hunk(i).id for i in hunk_ids}
    places = {loc.hunk_id: loc for loc in locate(change, current_text)}
    edits = []
    conflicts = []
    for hunk in change.hunks:
        if hunk.id not in chosen or hunk.status == HunkStatus.ACCEPTED:
            continue
        loc = places[hunk.id]
        if loc.status == HunkStatus.REJECTED:
            raise ProposalError(f"Hunk {hunk.id} in {change.path} was rejected; it cannot be accepted now.")
        if loc.status == HunkStatus.CONFLICT and not overwrite_conflicts:
            conflicts.append(loc)
            continue
        assert loc.start is not None and loc.end is not None
        edits.append((loc.start, loc.end, loc.replacement, hunk.id))
    if conflicts:
        raise ConflictError(conflict_message(change.path, conflicts))
    edits.sort()
    for (s1, e1, _, id1), (s2, _, _, id2) in zip(edits, edits[1:], strict=False):
        if s2 < e1 or (s1 == e1 == s2):
            raise ProposalError(f"Hunks {id1} and {id2} in {change.path} now cover the same lines; accept them one at a time.")
    lines = split_lines(current_text, keepends=True)
    for start, end, replacement, _ in reversed(edits):
        lines[start:end] = replacement
    return "".join(lines)


def conflict_message(path: str, conflicts: list[Located]) -> str:
    """The refusal for conflict hunks: which ones, where (1-based lines), and the two ways out."""
    where = ", ".join(f"{loc.hunk_id} (lines {(loc.start or 0) + 1}-{max(loc.end or 0, (loc.start or 0) + 1)})" for loc in conflicts)
    return (
        f"{path}: hunk(s) {where} changed since this proposal was made (you edited their lines); nothing was applied. "
        "Reject them, or accept them choosing to replace your version of those lines with the proposal's "
        "(`tether proposals accept --take-proposal`, or overwriteConflicts: true over LSP)."
    )


class _Alignment:
    """Which reference lines the current text kept, and where: ``ref_to_cur[i]`` is the current line of
    reference line ``i`` when it is unchanged, else None; ``paired`` marks lines edited in place
    (a reference line and a current line at the same spot of an equal-sized replaced run).
    """

    def __init__(self, reference: list[str], current: list[str]):
        self.ref = reference
        self.cur = current
        self.ref_to_cur: list[int | None] = [None] * len(reference)
        self.cur_to_ref: list[int | None] = [None] * len(current)
        self.paired_ref: dict[int, int] = {}
        head = 0
        while head < min(len(reference), len(current)) and reference[head] == current[head]:
            head += 1
        tail = 0
        while tail < min(len(reference), len(current)) - head and reference[-1 - tail] == current[-1 - tail]:
            tail += 1
        for i in range(head):
            self._match(i, i)
        for k in range(1, tail + 1):
            self._match(len(reference) - k, len(current) - k)
        a, b = reference[head : len(reference) - tail], current[head : len(current) - tail]
        for tag, i1, i2, j1, j2 in dissolve_weak(opcodes(a, b), a):
            if tag == "equal":
                for k in range(i2 - i1):
                    self._match(head + i1 + k, head + j1 + k)
            elif tag == "replace":
                self._pair(head + i1, head + i2, head + j1, head + j2)

    def _pair(self, i1: int, i2: int, j1: int, j2: int) -> None:
        """Inside a replaced run, pair reference and current lines by likeness, as ``difflib.Differ`` does.

        The most alike pair of different lines (``SequenceMatcher.ratio`` of their characters,
        above ``PAIR_CUTOFF``) is a line edited in place; it splits the run and both sides are
        paired the same way. A run with no such pair keeps as many identical lines as it can
        (``_keep_identical``); what is left of it pairs line by line when both sides are the
        same size. Runs larger than ``PAIR_LIMIT`` pairs of lines only get the line-by-line
        pairing, to bound the cost.
        """
        if i1 >= i2 or j1 >= j2:
            return
        small = (i2 - i1) * (j2 - j1) <= PAIR_LIMIT
        best: tuple[int, int] | None = None
        if small:
            best_ratio = PAIR_CUTOFF
            chars = difflib.SequenceMatcher(None, autojunk=False)
            for j in range(j1, j2):
                chars.set_seq2(self.cur[j])
                for i in range(i1, i2):
                    if self.ref[i] == self.cur[j]:
                        continue
                    chars.set_seq1(self.ref[i])
                    if chars.real_quick_ratio() <= best_ratio or chars.quick_ratio() <= best_ratio:
                        continue
                    ratio = chars.ratio()
                    if ratio > best_ratio:
                        best, best_ratio = (i, j), ratio
        if best is not None:
            i, j = best
            self.paired_ref[i] = j
            self._pair(i1, i, j1, j)
            self._pair(i + 1, i2, j + 1, j2)
            return
        kept = self._keep_identical(i1, i2, j1, j2) if small else []
        for (a1, b1), (a2, b2) in zip([(i1 - 1, j1 - 1), *kept], [*kept, (i2, j2)], strict=True):
            if a2 - a1 == b2 - b1:
                for k in range(1, a2 - a1):
                    self.paired_ref[a1 + k] = b1 + k

    def _keep_identical(self, i1: int, i2: int, j1: int, j2: int) -> list[tuple[int, int]]:
        """The most identical lines of ``ref[i1:i2]`` and ``cur[j1:j2]`` kept in order (a longest common
        subsequence, by dynamic programming), matched; of equally long ones, the one whose pairs
        stand most evenly (least ``|(i - i1) - (j - j1)|`` in all), so lines replaced before a kept
        line count the same on both sides where they can. Returns the pairs, in order.
        """
        n, m = i2 - i1, j2 - j1
        score = [[(0, 0)] * (m + 1) for _ in range(n + 1)]  # (kept, -skew) of the best over ref[i:], cur[j:]
        for i in range(n - 1, -1, -1):
            row, below = score[i], score[i + 1]
            for j in range(m - 1, -1, -1):
                best = max(below[j], row[j + 1])
                if self.ref[i1 + i] == self.cur[j1 + j]:
                    kept, skew = below[j + 1]
                    best = max(best, (kept + 1, skew - abs(i - j)))
                row[j] = best
        pairs = []
        i = j = 0
        while i < n and j < m:
            here = score[i][j]
            if self.ref[i1 + i] == self.cur[j1 + j] and here == (score[i + 1][j + 1][0] + 1, score[i + 1][j + 1][1] - abs(i - j)):
                self._match(i1 + i, j1 + j)
                pairs.append((i1 + i, j1 + j))
                i, j = i + 1, j + 1
            elif here == score[i + 1][j]:
                i += 1
            else:
                j += 1
        return pairs

    def _match(self, i: int, j: int) -> None:
        self.ref_to_cur[i] = j
        self.cur_to_ref[j] = i

    def place(self, own: _Own, hunk_id: str | None = None) -> Located:
        """Locate ``own`` (reference lines ``own.start:own.end``); ``hunk_id`` None: an accepted hunk."""
        status = HunkStatus.PENDING if hunk_id is not None else HunkStatus.ACCEPTED
        name = hunk_id or ""
        if own.end > own.start:
            self._slide_off(own.start, own.end)
            first = self.ref_to_cur[own.start]
            kept = first is not None and all(self.ref_to_cur[own.start + k] == first + k for k in range(own.end - own.start))
            if kept:
                assert first is not None
                start, end = first, first + own.end - own.start
                if own.new and not line_break(own.new[-1]) and end < len(self.cur):
                    return self._conflict(own, name, status, "the proposal ends the file there and lines were added after it")
                return Located(name, status, start, end, tuple(own.new))
            return self._conflict(own, name, status, "its lines were edited")
        # A pure addition: its gap lies between the nearest reference lines kept or edited in place.
        lo = next((j + 1 for i in range(own.start - 1, -1, -1) if (j := self._anchor(i)) is not None), 0)
        hi = next((j for i in range(own.start, len(self.ref)) if (j := self._anchor(i)) is not None), len(self.cur))
        if hi > lo:
            return self._conflict(own, name, status, "lines were typed where it adds its lines")
        if lo > 0 and not line_break(self.cur[lo - 1]):
            return self._conflict(own, name, status, "the line before it lost its line break")
        if own.new and not line_break(own.new[-1]) and lo < len(self.cur):
            return self._conflict(own, name, status, "the proposal ends the file there and lines were added after it")
        return Located(name, status, lo, lo, tuple(own.new))

    def _anchor(self, i: int) -> int | None:
        j = self.ref_to_cur[i]
        return j if j is not None else self.paired_ref.get(i)

    def _conflict(self, own: _Own, hunk_id: str, status: HunkStatus, reason: str) -> Located:
        """The stretch between the nearest unchanged reference lines around ``own``, and the proposal's version of it."""
        kept = self.ref_to_cur
        before, start = next(((i, j + 1) for i in range(own.start - 1, -1, -1) if (j := kept[i]) is not None), (-1, 0))
        after, end = next(((i, j) for i in range(own.end, len(self.ref)) if (j := kept[i]) is not None), (len(self.ref), len(self.cur)))
        replacement = tuple(self.ref[before + 1 : own.start]) + tuple(own.new) + tuple(self.ref[own.end : after])
        if status == HunkStatus.PENDING:
            status = HunkStatus.CONFLICT
        return Located(hunk_id, status, start, end, replacement, reason)

    def _slide_off(self, start: int, end: int) -> None:
        """Slide deletions of repeated lines off reference lines ``start:end`` where the text allows.

        ``ref = [..., "\\n", "\\n", ...]`` with one of the two deleted reads the same whichever is
        called deleted; the diff picks one by its own rule, so a hunk owning one of them would be
        a conflict by chance. A run of deleted reference lines is moved up or down (swapping
        which of the equal lines is kept) until it no longer overlaps the hunk, or left alone.
        """
        i = start
        while i < end:
            if self.ref_to_cur[i] is not None:
                i += 1
                continue
            if i in self.paired_ref:  # edited in place: no sliding makes it kept
                return
            s = i
            while s > 0 and self._anchor(s - 1) is None:
                s -= 1
            e = i
            while e < len(self.ref) and self._anchor(e) is None:
                e += 1
            if not self._pure_deletion(s, e) or not (self._slide(s, e, start, end, -1) or self._slide(s, e, start, end, 1)):
                return
            i = start

    def _pure_deletion(self, s: int, e: int) -> bool:
        """Whether reference lines ``s:e`` were deleted with nothing typed in their place (their
        neighbours, kept or edited in place, are next to each other in the current text)."""
        lo = self._anchor(s - 1) if s > 0 else -1
        hi = self._anchor(e) if e < len(self.ref) else len(self.cur)
        return lo is not None and hi is not None and hi == lo + 1

    def _slide(self, s: int, e: int, start: int, end: int, step: int) -> bool:
        moves = []
        while s < end and start < e:  # overlaps
            if step < 0 and s > 0 and self.ref_to_cur[s - 1] is not None and self.ref[s - 1] == self.ref[e - 1]:
                moves.append((s - 1, e - 1))
                s, e = s - 1, e - 1
            elif step > 0 and e < len(self.ref) and self.ref_to_cur[e] is not None and self.ref[e] == self.ref[s]:
                moves.append((e, s))
                s, e = s + 1, e + 1
            else:
                return False
        for kept, now_kept in moves:
            j = self.ref_to_cur[kept]
            assert j is not None
            self.ref_to_cur[kept] = None
            self._match(now_kept, j)
        return bool(moves)
