"""Hunks follow the text: a seeded property test of review interleaved with typing (issue 17, item 6).

Each case takes a realistic source file (a window of a stdlib module or a seed, sometimes with
CRLF breaks or no final newline), makes a proposal of a few model-like edits, journals it in a
real ProposalStore, and then interleaves at random: the person editing the real file anywhere
(inserting, deleting and replacing lines, typing or deleting characters inside a line, splitting
and joining lines; often inside or next to a hunk), accepting a hunk, rejecting one, accepting a
conflict with the explicit overwrite choice, and restarting (a new Engine, so the proposal is
read back from its JSON journal). Accept and reject go through the real ops (``ops.review``:
``accept_on_disk``, ``reject``), which read and write the file on disk.

The test keeps its own model of the file: every line with its origin (a base line, a line the
person typed or edited, a line an accepted hunk wrote). After every step it checks:

- the file on disk is the model's text: nothing the person typed was lost or moved, and every
  accepted hunk's new lines are where its own base lines were (its anchor);
- an accept replaces only the hunk's own base lines, never a line the person typed;
- a hunk whose own lines the person did not touch (ground truth from the origins: all its own
  base lines still there, unedited, in one piece; for a pure addition, no line typed into its
  gap) is never refused. The share of such hunks refused after an edit elsewhere in the file is
  measured for the new rule and for the old one (a hash of the whole text: any edit refuses).
"""

from __future__ import annotations

import os
import random
import shutil
import sysconfig
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tether.anchors import locate, own_span
from tether.config import load_settings
from tether.engine import Engine
from tether.errors import ConflictError
from tether.lines import line_break, split_lines, strip_break
from tether.ops.review import accept_on_disk, reject
from tether.proposals import FileChange, HunkStatus, Proposal, build_file_change
from tether.slider import Level
from tether.workspace import content_hash

SEED = 20261201
CASES = 1000
STEPS = 8
ROOT = Path(__file__).resolve().parents[2]
STDLIB = Path(sysconfig.get_paths()["stdlib"])
SOURCES = [STDLIB / name for name in ("textwrap.py", "shlex.py", "fnmatch.py", "difflib.py", "csv.py", "calendar.py")] + [
    ROOT / "seeds" / "edit-quality" / "workspace" / "inventory.py",
    ROOT / "seeds" / "edit-quality" / "workspace" / "geometry.py",
    ROOT / "seeds" / "demo" / "calc.py",
]


@dataclass
class Line:
    text: str
    origin: tuple  # ("base", i) | ("user",) | ("hunk", hunk_id) | ("restored",)


@dataclass
class Tally:
    """Untouched hunks met when the file had an edit elsewhere: how many each rule refuses."""

    untouched_after_edits: int = 0
    refused_new: int = 0
    refused_old: int = 0
    accepted: int = 0
    conflicts_refused: int = 0
    overwrites: int = 0
    rejected: int = 0
    restarts: int = 0
    typed_chars: int = 0
    equivalent_places: int = 0  # found among identical lines, not at the very lines the person left
    failures: list[str] = field(default_factory=list)


def windows() -> list[list[str]]:
    texts = []
    for path in SOURCES:
        if path.is_file():
            texts.append(split_lines(path.read_text(encoding="utf-8"), keepends=True))
    assert texts, "no source files found"
    return texts


def make_base(rng: random.Random, sources: list[list[str]]) -> str:
    lines = rng.choice(sources)
    size = rng.randint(15, 120)
    start = rng.randrange(max(1, len(lines) - size))
    chunk = lines[start : start + size]
    if rng.random() < 0.15:
        chunk = [strip_break(line) + "\r\n" for line in chunk]
    text = "".join(chunk)
    if rng.random() < 0.15:
        text = text.rstrip("\r\n")
    return text


def model_edit(rng: random.Random, base: str, nl: str) -> str:
    """A model-like rewrite: 1-5 spaced edits (a changed line, added lines, deleted lines)."""
    lines = split_lines(base, keepends=True)
    for _ in range(rng.randint(1, 5)):
        if not lines:
            lines = [f"# added by the model{nl}"]
            continue
        at = rng.randrange(len(lines))
        kind = rng.random()
        if kind < 0.45:
            lines[at] = strip_break(lines[at]) + "  # model" + (line_break(lines[at]) or "")
        elif kind < 0.75:
            lines[at:at] = [f"    # model note {rng.randrange(1000)}{nl}" for _ in range(rng.randint(1, 3))]
        else:
            del lines[at : at + rng.randint(1, 2)]
    return "".join(lines)


class Case:
    def __init__(self, rng: random.Random, root: Path, base: str, tally: Tally):
        self.rng, self.root, self.tally = rng, root, tally
        self.nl = "\r\n" if "\r\n" in base else "\n"
        self.path = root / "f.py"
        self.path.write_bytes(base.encode("utf-8"))
        self.engine = self.new_engine()
        new = model_edit(rng, base, self.nl)
        change = build_file_change("f.py", base, new)
        self.proposal = self.engine.store.save(Proposal(level=Level.FILE, instruction="property", files=[change]))
        self.model = [Line(text, ("base", i)) for i, text in enumerate(split_lines(base, keepends=True))]
        self.user_edits = 0  # edits since the proposal was made
        self.counter = 0

    def new_engine(self) -> Engine:
        return Engine(load_settings(self.root, env={}, overrides={"roles": {"edit": [], "complete": []}}), self.root)

    @property
    def change(self) -> FileChange:
        return self.proposal.files[0]

    def text(self) -> str:
        return "".join(line.text for line in self.model)

    def disk(self) -> str:
        return self.path.read_bytes().decode("utf-8")

    def check_disk(self, what: str) -> None:
        assert self.disk() == self.text(), f"after {what}: the file is not the model's text"

    # -- the person's edits ----------------------------------------------------------------

    def typed(self) -> str:
        self.counter += 1
        return f"«u{self.counter}»"

    def edit(self) -> None:
        rng = self.rng
        if self.model and rng.random() < 0.5:  # near a pending hunk: conflicts and near misses
            spots = [self.base_pos(own_start(h)) for h in self.change.hunks if h.status == HunkStatus.PENDING]
            spots = [s for s in spots if s is not None]
            at = min(len(self.model), max(0, rng.choice(spots) + rng.randint(-3, 3))) if spots else rng.randrange(len(self.model) + 1)
        else:
            at = rng.randrange(len(self.model) + 1)
        kind = rng.choice(["insert", "delete", "replace", "chars", "split", "join"])
        if kind == "insert" or not self.model:
            new = [Line(f"{self.typed()} typed{self.nl}", ("user",)) for _ in range(rng.randint(1, 3))]
            if at == len(self.model) and self.model and not line_break(self.model[-1].text):
                self.model[-1] = Line(self.model[-1].text + self.nl, ("user",))  # typing a break first
            self.model[at:at] = new
            self.tally.typed_chars += sum(len(line.text) for line in new)
        elif at >= len(self.model):
            return self.edit()
        elif kind == "delete":
            del self.model[at : at + rng.randint(1, 2)]
        elif kind in ("replace", "chars"):
            old = self.model[at].text
            body, brk = strip_break(old), line_break(old)
            cut = rng.randint(0, len(body))
            mark = self.typed()
            body = body[:cut] + mark + body[cut + rng.randint(0, 3) :] if kind == "chars" else f"{mark} replaced"
            self.model[at] = Line(body + brk, ("user",))
            self.tally.typed_chars += len(mark)
        elif kind == "split":
            old = self.model[at].text
            body, brk = strip_break(old), line_break(old)
            cut = rng.randint(0, len(body))
            mark = self.typed()
            halves = [Line(body[:cut] + mark + self.nl, ("user",)), Line(self.typed() + body[cut:] + brk, ("user",))]
            self.model[at : at + 1] = halves
        else:  # join this line with the next
            if at + 1 >= len(self.model):
                return
            first, second = self.model[at].text, self.model[at + 1].text
            self.model[at : at + 2] = [Line(strip_break(first) + self.typed() + second, ("user",))]
        self.path.write_bytes(self.text().encode("utf-8"))
        self.user_edits += 1

    # -- ground truth ----------------------------------------------------------------------

    def base_pos(self, base_index: int) -> int | None:
        for pos, line in enumerate(self.model):
            if line.origin == ("base", base_index):
                return pos
        return None

    def truth(self, hunk) -> tuple[bool, int | None, int | None]:
        """(untouched, start, end) of a pending hunk's own lines in the model, by origin."""
        o1, o2, _, _ = own_span(hunk)
        a, b = hunk.old_start - 1 + o1, hunk.old_start - 1 + o2
        if b > a:
            places = [self.base_pos(i) for i in range(a, b)]
            if places[0] is None or any(p != places[0] + k for k, p in enumerate(places)):
                return False, None, None
            return True, places[0], places[0] + (b - a)
        # a pure addition: the gap between the nearest base lines still there, edited or not
        before = [p for p, line in enumerate(self.model) if line.origin[0] == "base" and line.origin[1] < a]
        after = [p for p, line in enumerate(self.model) if line.origin[0] == "base" and line.origin[1] >= a]
        lo = before[-1] + 1 if before else 0
        hi = after[0] if after else len(self.model)
        between = self.model[lo:hi]
        if any(line.origin[0] != "base" for line in between) or (lo > 0 and not line_break(self.model[lo - 1].text)):
            return False, None, None
        return True, lo, lo

    def equivalent(self, hunk, found: int | None, truth: int | None) -> bool:
        """Whether ``found`` is the anchor too, read from the text alone: identical lines make it ambiguous.

        For a pure addition at base gap ``a``: the base lines between the two places read the same
        as the base lines right before (or after) the gap that the person deleted, so either
        could be the ones kept. For own lines: the lines found are base lines with the same text.
        """
        assert found is not None and truth is not None
        o1, o2, _, _ = own_span(hunk)
        a, b = hunk.old_start - 1 + o1, hunk.old_start - 1 + o2
        base = split_lines(self.change.base_text, keepends=True)
        if b > a:
            found_lines = self.model[found : found + (b - a)]
            return [line.text for line in found_lines] == base[a:b] and all(line.origin[0] == "base" for line in found_lines)
        lo, hi = sorted((found, truth))
        between = self.model[lo:hi]
        if any(line.origin[0] != "base" for line in between):
            return False
        k = hi - lo
        gone = base[a - k : a] if found > truth else base[a : a + k]
        present = {line.origin[1] for line in self.model if line.origin[0] == "base"}
        indexes = range(a - k, a) if found > truth else range(a, a + k)
        return [line.text for line in between] == gone and not any(i in present for i in indexes)

    # -- review ----------------------------------------------------------------------------

    def accept(self, overwrite: bool = False) -> None:
        pending = [h for h in self.change.hunks if h.status == HunkStatus.PENDING]
        if not pending:
            return
        hunk = self.rng.choice(pending)
        places = {loc.hunk_id: loc for loc in locate(self.change, self.disk())}
        loc = places[hunk.id]
        untouched, start, end = self.truth(hunk)
        edited = self.user_edits > 0 and self.disk() != self.change.expected_text()
        if untouched and edited:
            self.tally.untouched_after_edits += 1
            self.tally.refused_new += loc.status == HunkStatus.CONFLICT
            self.tally.refused_old += content_hash(self.disk()) != content_hash(self.change.expected_text())
            if loc.status == HunkStatus.CONFLICT:
                self.tally.failures.append(f"untouched hunk refused: {loc.reason}")
        if untouched and loc.status == HunkStatus.PENDING and (loc.start, loc.end) != (start, end):
            assert self.equivalent(hunk, loc.start, start), "a hunk must be found at its anchor"
            self.tally.equivalent_places += 1
        before = self.disk()
        if loc.status == HunkStatus.CONFLICT and not overwrite:
            with pytest.raises(ConflictError):
                accept_on_disk(self.engine, self.proposal.id, [hunk.id])
            assert self.disk() == before, "a refused accept must write nothing"
            self.tally.conflicts_refused += 1
            self.proposal = self.engine.store.get(self.proposal.id)
            return
        self.proposal, _ = accept_on_disk(self.engine, self.proposal.id, [hunk.id], overwrite_conflicts=overwrite)
        assert loc.start is not None and loc.end is not None
        replaced = self.model[loc.start : loc.end]
        if loc.status == HunkStatus.PENDING:
            o1, o2, _, _ = own_span(hunk)
            assert [line.text for line in replaced] == hunk.old_lines[o1:o2], "an accept replaces exactly the hunk's own lines"
            assert all(line.origin[0] != "user" for line in replaced), "an accept must never overwrite typed text"
            self.tally.accepted += 1
            origin: tuple = ("hunk", hunk.id)
        else:
            self.tally.overwrites += 1
            origin = ("restored",)
        self.model[loc.start : loc.end] = [Line(text, origin) for text in loc.replacement]
        self.check_disk(f"accepting {hunk.id}")
        assert self.proposal.file("f.py").hunk(hunk.id).status == HunkStatus.ACCEPTED

    def reject(self) -> None:
        pending = [h for h in self.change.hunks if h.status == HunkStatus.PENDING]
        if pending:
            hunk = self.rng.choice(pending)
            self.proposal = reject(self.engine, self.proposal.id, [hunk.id])
            self.tally.rejected += 1
            self.check_disk("rejecting")

    def restart(self) -> None:
        self.engine = self.new_engine()
        reloaded = self.engine.store.get(self.proposal.id)
        assert reloaded.model_dump() == self.proposal.model_dump()
        self.proposal = reloaded
        self.tally.restarts += 1

    def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.5:
            self.edit()
        elif roll < 0.75:
            self.accept()
        elif roll < 0.82:
            self.accept(overwrite=True)
        elif roll < 0.92:
            self.reject()
        else:
            self.restart()
        self.check_disk("a step")


def own_start(hunk) -> int:
    return hunk.old_start - 1 + own_span(hunk)[0]


def run_cases(tmp_path: Path, seed: int, cases: int) -> Tally:
    rng = random.Random(seed)
    sources = windows()
    tally = Tally()
    for index in range(cases):
        root = tmp_path / f"case{index}"
        root.mkdir()
        case = Case(rng, root, make_base(rng, sources), tally)
        for _ in range(STEPS):
            case.step()
        case.accept()  # one last accept after all the typing
    return tally


@pytest.fixture
def files_dir(tmp_path):
    """Real files in a folder; in memory (/dev/shm, tmpfs) where there is one, since every accept fsyncs
    its journal and files several times and 1,000 cases would spend most of their time in fsync on disk."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="tether-anchor-", dir=shm))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_hunks_follow_the_typing_and_nothing_typed_is_lost(files_dir, capsys):
    tally = run_cases(files_dir, SEED, CASES)
    new = tally.refused_new / max(1, tally.untouched_after_edits)
    old = tally.refused_old / max(1, tally.untouched_after_edits)
    with capsys.disabled():
        print(
            f"\nhunk anchoring, {CASES} interleavings (seed {SEED}): {tally.untouched_after_edits} accepts of untouched hunks "
            f"after edits elsewhere; refused: {new:.1%} now, {old:.1%} with the old whole-text hash. "
            f"{tally.accepted} accepted, {tally.conflicts_refused} conflicts refused, {tally.overwrites} overwritten by choice, "
            f"{tally.rejected} rejected, {tally.restarts} restarts, {tally.typed_chars} characters typed, none lost."
        )
    assert tally.untouched_after_edits >= 500 and tally.conflicts_refused >= 50 and tally.overwrites >= 20
    assert old == 1.0
    assert tally.failures == [], tally.failures[:5]
