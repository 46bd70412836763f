"""Line diffs for re-locating hunks (``tether.anchors``): ``difflib`` cut at unique lines, weak matches undone.

Opcodes are ``difflib.SequenceMatcher.get_opcodes`` tuples ``(tag, i1, i2, j1, j2)``: 0-based
line indexes into the two line lists, ends exclusive, tags "equal", "replace", "delete", "insert".
"""

from __future__ import annotations

import bisect
import difflib

Opcode = tuple[str, int, int, int, int]


def opcodes(a: list[str], b: list[str]) -> list[Opcode]:
    """``difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()``, cut at unique lines first.

    Lines that occur once in ``a`` and once in ``b``, taken in an order both agree on (the
    longest increasing run, as patience diff takes them: Bram Cohen's), split the texts into
    short stretches that SequenceMatcher aligns one by one; on a whole file it would be
    quadratic in its repeated lines (blank lines above all).
    """
    count_a: dict[str, int] = {}
    count_b: dict[str, int] = {}
    for line in a:
        count_a[line] = count_a.get(line, 0) + 1
    for line in b:
        count_b[line] = count_b.get(line, 0) + 1
    where_b = {line: j for j, line in enumerate(b) if count_b[line] == 1}
    pairs = [(i, where_b[line]) for i, line in enumerate(a) if count_a[line] == 1 and line in where_b]
    anchors = increasing(pairs)
    ops: list[Opcode] = []
    i0 = j0 = 0
    for i, j in [*anchors, (len(a), len(b))]:
        if i0 < i and j0 < j:
            matcher = difflib.SequenceMatcher(None, a[i0:i], b[j0:j], autojunk=False)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes():
                _add(ops, (tag, i0 + i1, i0 + i2, j0 + j1, j0 + j2))
        else:
            _add(ops, ("delete" if i0 < i else "insert", i0, i, j0, j))
        if i < len(a):
            _add(ops, ("equal", i, i + 1, j, j + 1))
        i0, j0 = i + 1, j + 1
    return ops


def increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of ``pairs`` (sorted by first item) whose second items increase (patience sorting)."""
    tops: list[int] = []  # second item ending the best run of each length
    ends: list[int] = []  # index in pairs of that end
    back: list[int] = []
    for index, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tops, j)
        back.append(ends[k - 1] if k else -1)
        if k == len(tops):
            tops.append(j)
            ends.append(index)
        else:
            tops[k], ends[k] = j, index
    run = []
    index = ends[-1] if ends else -1
    while index >= 0:
        run.append(pairs[index])
        index = back[index]
    return run[::-1]


def _add(ops: list[Opcode], op: Opcode) -> None:
    tag, i1, i2, j1, j2 = op
    if i1 == i2 and j1 == j2:
        return
    if ops and (ops[-1][0] == tag or (tag != "equal" and ops[-1][0] != "equal")):
        last = ops[-1]
        ops[-1] = (tag if tag == last[0] else "replace", last[1], i2, last[3], j2)
    else:
        ops.append(op)


WEAK_CHARS = 3  # a line of at most this many non-blank characters ("", "}", '"""') says little about where it is


def dissolve_weak(ops: list[Opcode], ref: list[str]) -> list[Opcode]:
    """``ops`` (of ``ref`` against another text) with short matches of weak lines between two changes merged into one replaced run.

    A blank line kept between two edits matches any blank line nearby: the diff may have kept
    the wrong one. Merged, the run's lines are paired by likeness (``anchors._Alignment._pair``) instead.
    """
    out: list[Opcode] = []
    for index, (tag, i1, i2, j1, j2) in enumerate(ops):
        weak = tag == "equal" and 0 < index < len(ops) - 1 and i2 - i1 <= 2 and all(len(line.strip()) <= WEAK_CHARS for line in ref[i1:i2])
        if (weak or tag != "equal") and out and out[-1][0] != "equal":
            _, a1, _, b1, _ = out[-1]
            out[-1] = ("replace", a1, i2, b1, j2)
        elif weak:
            out.append(("replace", i1, i2, j1, j2))
        else:
            out.append((tag, i1, i2, j1, j2))
    return out
