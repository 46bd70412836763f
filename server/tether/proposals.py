"""Proposals: what the model suggests, as hunks a person accepts or rejects one by one.

A FileChange keeps the base text the proposal was made from and its hash. Hunks are computed
by tether (difflib, 3 lines of context) so they are always well-formed; each keeps its place in
the base, so any subset applies in any order: the expected current text is the base with the
hunks accepted so far, and applying refuses when the file (or buffer) no longer matches it.

A write to disk is journaled as a WriteIntent before it happens and cleared after, so a process
killed in between leaves a journal that says what it was doing (the store reconciles it).
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from .errors import ProposalError, StaleError, TetherError
from .lines import line_break, split_lines
from .pack import Source
from .slider import Level
from .workspace import content_hash

CONTEXT_LINES = 3
NO_NEWLINE = "\\ No newline at end of file\n"


class HunkStatus(StrEnum):
    """A hunk's state. Journals store pending, accepted and rejected; ``conflict`` is computed
    (``anchors.locate``): a pending hunk whose own lines were edited since the proposal was made."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CONFLICT = "conflict"


class Hunk(BaseModel):
    id: str
    old_start: int = Field(description="1-based first base line of the hunk (context included).")
    old_lines: list[str] = Field(description="Base lines the hunk covers, with their line endings.")
    new_lines: list[str] = Field(description="Lines that replace them.")
    diff: str = Field(description="The hunk in unified-diff form, header included.")
    status: HunkStatus = HunkStatus.PENDING

    @property
    def changed_lines(self) -> int:
        return sum(1 for line in split_lines(self.diff)[1:] if line[:1] in "+-")


FileOp = Literal["modify", "create", "delete", "rename"]


class FileChange(BaseModel):
    """One file's change. ``op`` says what happens to the file itself (journals from before file
    operations load as "modify"): "create" has an empty ``base_text`` and one all-added hunk,
    "delete" an empty ``new_text`` and one all-removed hunk, "rename" moves ``old_path`` to
    ``path`` with its edits as hunks. A file operation with no line to show (an empty new or
    deleted file, a rename without edits) has one hunk with no lines, so it too is accepted or
    rejected like any hunk; a file operation is decided whole (``ops.review.chosen_ids``).
    Builders: ``build_file_change``, ``build_create``, ``build_delete``, ``build_rename``.
    """

    path: str = Field(description="Workspace-relative, '/'-separated (for a rename: the new path).")
    base_hash: str
    base_text: str
    new_text: str
    hunks: list[Hunk]
    op: FileOp = Field("modify", description="What happens to the file: modified in place, created, deleted or renamed.")
    old_path: str | None = Field(None, description="For a rename: the workspace-relative path the file moves from.")

    def hunk(self, hunk_id: str) -> Hunk:
        for hunk in self.hunks:
            if hunk.id == hunk_id:
                return hunk
        raise ProposalError(f"No hunk {hunk_id} in {self.path}.")

    def ids(self, status: HunkStatus) -> list[str]:
        return [h.id for h in self.hunks if h.status == status]

    def expected_text(self) -> str:
        """The text the file should have now: base plus the hunks accepted so far."""
        return apply_hunks(self.base_text, [h for h in self.hunks if h.status == HunkStatus.ACCEPTED])

    def diff(self) -> str:
        """Unified diff; file operations get git's extended headers (git-diff(1), "generating patches")."""
        body = "".join(h.diff for h in self.hunks)
        if self.op == "create":
            return f"diff --git a/{self.path} b/{self.path}\nnew file mode 100644\n" + (
                f"--- /dev/null\n+++ b/{self.path}\n" + body if body else ""
            )
        if self.op == "delete":
            return f"diff --git a/{self.path} b/{self.path}\ndeleted file mode 100644\n" + (
                f"--- a/{self.path}\n+++ /dev/null\n" + body if body else ""
            )
        if self.op == "rename":
            same = "" if body else "similarity index 100%\n"
            head = f"diff --git a/{self.old_path} b/{self.path}\n{same}rename from {self.old_path}\nrename to {self.path}\n"
            return head + (f"--- a/{self.old_path}\n+++ b/{self.path}\n" + body if body else "")
        header = f"--- a/{self.path}\n+++ b/{self.path}\n"
        return header + body if self.hunks else ""

    def label(self) -> str:
        """How the CLI names the change, like git's status: "new file: p", "deleted file: p", "renamed: a -> b", or the path."""
        if self.op == "create":
            return f"new file: {self.path}"
        if self.op == "delete":
            return f"deleted file: {self.path}"
        if self.op == "rename":
            return f"renamed: {self.old_path} -> {self.path}"
        return self.path


class FileIntent(BaseModel):
    """One file of a WriteIntent: the text hashes before and after, and the hunks that change status.

    ``op`` is what the write does on disk: "write" (``path`` rewritten), "create" (``to_path``
    made), "delete" (``from_path`` removed) or "rename" (``from_path`` moved to ``to_path``, then
    written). An undo does the inverse operation, so ``from_path``/``to_path`` need not match the
    FileChange's ``old_path``/``path``. For a file absent before or after, its hash is "".
    """

    path: str = Field(description="Workspace-relative, '/'-separated, as in FileChange.path (names the change).")
    hunk_ids: list[str]
    status: HunkStatus = Field(description="The status those hunks take once the file holds the new text.")
    old_hash: str = Field(description="SHA-256 (hex, of the UTF-8 text) of the file before the write.")
    new_hash: str = Field(description="SHA-256 of the text the write leaves.")
    op: Literal["write", "create", "delete", "rename"] = "write"
    from_path: str | None = Field(None, description="delete, rename: the path removed or moved away.")
    to_path: str | None = Field(None, description="create, rename: the path that holds the new text after.")

    def outcome(self, read: Callable[[str], str]) -> Literal["new", "old"] | None:
        """Whether the files show the write done ("new"), not started ("old"), or neither (None).

        ``read``: workspace-relative path -> text, raising (TetherError, OSError) when it cannot,
        which counts as the file being absent. A rename cut between its two halves leaves both
        files: neither. Used by ``store.reconcile``.
        """

        def state(rel: str | None) -> str | None:
            try:
                return content_hash(read(rel or self.path))
            except (TetherError, OSError):
                return None

        if self.op == "write":
            now = state(self.path)
            return "new" if now == self.new_hash else "old" if now == self.old_hash else None
        before = None if self.op == "create" else state(self.from_path)
        after = None if self.op == "delete" else state(self.to_path)
        if (self.op == "create" or before is None) and (self.op == "delete" or after == self.new_hash):
            return "new"
        if (self.op == "create" or before == self.old_hash) and (self.op == "delete" or after is None):
            return "old"
        return None


@functools.cache
def process_token() -> str:
    """A random id for this process, made on first use (pids are reused; this is not)."""
    return uuid.uuid4().hex


class WriteIntent(BaseModel):
    """A write to workspace files journaled before it starts and cleared once the result is journaled.

    ``pid``, ``host`` and ``token`` name the writing process, so another process leaves an
    intent alone while its writer may still be running (see ``ProposalStore``).
    """

    action: Literal["accept", "undo"] = "accept"
    files: list[FileIntent]
    pid: int = Field(default_factory=os.getpid)
    host: str = Field(default_factory=socket.gethostname)
    token: str = Field(default_factory=process_token)
    started_at: float = Field(default_factory=time.time, description="Unix time, seconds.")

    def mine(self) -> bool:
        """Whether this process wrote the intent (its write may be in flight right now)."""
        return self.token == process_token()


class Proposal(BaseModel):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    kind: Literal["edit", "plan"] = "edit"
    level: Level
    instruction: str
    rationale: str = ""
    model: str = ""
    created_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    files: list[FileChange] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list, description="What the model saw.")
    warnings: list[str] = Field(default_factory=list, description="Flags for the reviewer (tests touched, suppressions).")
    intent: WriteIntent | None = Field(default=None, description="A write in progress (None in journals before it existed).")
    run_id: str | None = Field(None, description="The repo run that made it (``tether repo``); None for edits and older journals.")
    step: int | None = Field(None, description="Repo runs: the 1-based number of the plan step that made it.")
    step_intent: str = Field("", description="Repo runs: that step's intent, as in the plan.")

    @property
    def status(self) -> str:
        states = {h.status for f in self.files for h in f.hunks}
        if not states or states == {HunkStatus.REJECTED}:
            return "rejected" if states else "empty"
        if HunkStatus.PENDING in states:
            return "partial" if len(states) > 1 else "pending"
        return "done"

    @property
    def changed_lines(self) -> int:
        return sum(h.changed_lines for f in self.files for h in f.hunks)

    def file(self, path: str) -> FileChange:
        for change in self.files:
            if change.path == path:
                return change
        raise ProposalError(f"Proposal {self.id} does not change {path}.")

    def find_hunk(self, hunk_id: str) -> tuple[FileChange, Hunk]:
        for change in self.files:
            for hunk in change.hunks:
                if hunk.id == hunk_id:
                    return change, hunk
        raise ProposalError(f"Proposal {self.id} has no hunk {hunk_id}.")

    def diff(self) -> str:
        return "".join(change.diff() for change in self.files)


def build_file_change(path: str, base_text: str, new_text: str) -> FileChange:
    """Diff base against new text into hunks with stable ids."""
    return FileChange(
        path=path,
        base_hash=content_hash(base_text),
        base_text=base_text,
        new_text=new_text,
        hunks=make_hunks(path, base_text, new_text),
    )


def build_create(path: str, text: str) -> FileChange:
    """A new file ``path`` holding ``text``: one all-added hunk (one empty hunk when ``text`` is empty)."""
    return _file_op("create", path, "", text)


def build_delete(path: str, text: str) -> FileChange:
    """Deleting ``path``, which holds ``text``: one all-removed hunk (one empty hunk when ``text`` is empty)."""
    return _file_op("delete", path, text, "")


def build_rename(old_path: str, path: str, base_text: str, new_text: str) -> FileChange:
    """Moving ``old_path`` (holding ``base_text``) to ``path`` with ``new_text``; its edits are the hunks.

    Without edits there is one empty hunk standing for the move. Hunk ids are made from the new path.
    """
    return _file_op("rename", path, base_text, new_text, old_path)


def _file_op(op: FileOp, path: str, base_text: str, new_text: str, old_path: str | None = None) -> FileChange:
    hunks = make_hunks(path, base_text, new_text)
    if not hunks:
        digest = hashlib.sha1(f"{op}\0{old_path or ''}\0{path}".encode()).hexdigest()[:10]
        hunks = [Hunk(id=digest, old_start=1, old_lines=[], new_lines=[], diff="")]
    return FileChange(
        path=path, base_hash=content_hash(base_text), base_text=base_text, new_text=new_text, hunks=hunks, op=op, old_path=old_path
    )


def make_hunks(path: str, base_text: str, new_text: str, context: int = CONTEXT_LINES) -> list[Hunk]:
    """Unified-diff hunks turning ``base_text`` into ``new_text``, ``context`` lines around each.

    Lines are those of ``tether.lines`` (breaks at \\n, \\r\\n, \\r only), so hunk headers count
    lines as git and editors do; ``old_start`` is 1-based.
    """
    a = split_lines(base_text, keepends=True)
    b = split_lines(new_text, keepends=True)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    hunks = []
    for group in matcher.get_grouped_opcodes(context):
        i1, i2 = group[0][1], group[-1][2]
        j1, j2 = group[0][3], group[-1][4]
        body = []
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                body += [_diff_line(" ", line) for line in a[a1:a2]]
                continue
            body += [_diff_line("-", line) for line in a[a1:a2]]
            body += [_diff_line("+", line) for line in b[b1:b2]]
        header = f"@@ -{_span(i1, i2)} +{_span(j1, j2)} @@\n"
        text = header + "".join(body)
        digest = hashlib.sha1(f"{path}\0{text}".encode()).hexdigest()[:10]
        hunks.append(Hunk(id=digest, old_start=i1 + 1, old_lines=a[i1:i2], new_lines=b[j1:j2], diff=text))
    return hunks


def apply_hunks(base_text: str, hunks: list[Hunk]) -> str:
    """Base text with the given hunks applied (they never overlap: they come from one diff).

    Raises StaleError when a hunk's old lines are no longer at its (1-based) ``old_start``.
    """
    lines = split_lines(base_text, keepends=True)
    out: list[str] = []
    cursor = 0
    for hunk in sorted(hunks, key=lambda h: h.old_start):
        start = hunk.old_start - 1
        if lines[start : start + len(hunk.old_lines)] != hunk.old_lines:
            raise StaleError(f"Hunk {hunk.id} no longer matches its base text; nothing was applied.")
        out += lines[cursor:start]
        out += hunk.new_lines
        cursor = start + len(hunk.old_lines)
    out += lines[cursor:]
    return "".join(out)


def line_replacement(old: str, new: str) -> tuple[int, int, str]:
    """The smallest whole-line edit turning ``old`` into ``new``: (first line, end line exclusive, text).

    Lines are 0-based indexes into ``split_lines(old)``; ``text`` is the new lines, breaks included.
    """
    a = split_lines(old, keepends=True)
    b = split_lines(new, keepends=True)
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    return start, end_a, "".join(b[start:end_b])


def _span(start: int, end: int) -> str:
    count = end - start
    first = start + 1 if count else start
    return f"{first}" if count == 1 else f"{first},{count}"


def _diff_line(mark: str, line: str) -> str:
    # Only a file's last line can lack a break: form feed, U+2028 and the like are text inside
    # a line and get no marker. A lone \r ends a line for tether and LSP but not for diff
    # readers (git, the VS Code client), so that diff line still ends in \n.
    brk = line_break(line)
    if brk == "\r":
        return mark + line + "\n"
    if brk:
        return mark + line
    return mark + line + "\n" + NO_NEWLINE
