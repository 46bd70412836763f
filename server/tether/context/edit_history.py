"""The person's recent edits per document, for next-edit prompts (``ops.next_edit``).

The language server calls ``EditHistory.observe(path, text, now_ms)`` with a document's whole
text after each ``textDocument/didOpen`` / ``didChange``. The history keeps the last text it saw
per document and records the change as one line diff (``EditEvent``): the lines that differ
between the two texts, their common head and tail lines left out. Typing is coalesced: an edit
that falls inside the lines the previous event produced, within ``coalesce_ms`` of it, is merged
into that event, so renaming a parameter letter by letter is one event, ``-def f(old):`` /
``+def f(new):``. Bounded: ``max_events`` per document (oldest dropped), ``max_documents``
documents (least recently edited dropped). A path that ``is_secret_path`` names, or that the
``excluded`` callable refuses (``context.files.is_excluded``: ignored by .gitignore /
.tetherignore), is never recorded.

Rendered for prompts (secret-looking strings redacted) as unified diffs (``events_text``), the format Zed's Zeta model reads in
its "User edits" section: ``User edited "path":`` then a fenced ``diff`` block with a
``@@ -a,b +c,d @@`` header (1-based lines, as in GNU diff's unified format).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from ..lines import split_lines
from ..secrets import is_secret_path, redact

COALESCE_MS = 1000
MAX_EVENTS = 16
MAX_DOCUMENTS = 32
_NAME = re.compile(r"[^\W\d]\w*")
MAX_TEXT_CHARS = 2_000_000  # a larger document is not tracked (a diff per keystroke would cost too much)


@dataclass
class EditEvent:
    """One edit: at 0-based ``start_line``, ``old_lines`` became ``new_lines`` (each line with its
    break, as ``tether.lines.split_lines(keepends=True)`` gives it). ``at_ms``: wall-clock ms of the
    last change merged into it."""

    path: str
    start_line: int
    old_lines: list[str]
    new_lines: list[str]
    at_ms: int

    def removed_names(self) -> list[str]:
        """Identifiers (``[^\\W\\d]\\w*``) the old lines hold and the new ones no longer do, in order
        of appearance: after a rename, the old name (whose other uses the next edit may be at)."""
        new = set(_NAME.findall("".join(self.new_lines)))
        return list(dict.fromkeys(n for n in _NAME.findall("".join(self.old_lines)) if n not in new))

    def diff(self) -> str:
        """The event as a unified-diff hunk (header lines 1-based; an empty side starts at the line before)."""
        old_start = self.start_line + 1 if self.old_lines else self.start_line
        new_start = self.start_line + 1 if self.new_lines else self.start_line
        body = [f"-{_line(x)}" for x in self.old_lines] + [f"+{_line(x)}" for x in self.new_lines]
        return f"@@ -{old_start},{len(self.old_lines)} +{new_start},{len(self.new_lines)} @@\n" + "".join(body)


@dataclass
class _Document:
    text: str
    events: list[EditEvent] = field(default_factory=list)


class EditHistory:
    """Recent edits per document (see the module docstring). Not thread-safe: one asyncio loop."""

    def __init__(
        self,
        excluded: Callable[[str], bool] | None = None,
        max_events: int = MAX_EVENTS,
        max_documents: int = MAX_DOCUMENTS,
        coalesce_ms: int = COALESCE_MS,
    ):
        self.max_events = max(1, max_events)
        self.max_documents = max(1, max_documents)
        self.coalesce_ms = coalesce_ms
        self._excluded = excluded
        self._refused: dict[str, bool] = {}  # path -> excluded, asked once per path
        self._docs: OrderedDict[str, _Document] = OrderedDict()  # least recently edited first

    def refused(self, path: str) -> bool:
        """Whether ``path`` (workspace-relative, / separated) is never recorded: secret or excluded."""
        if path not in self._refused:
            self._refused[path] = is_secret_path(path) or bool(self._excluded and self._excluded(path))
        return self._refused[path]

    def observe(self, path: str, text: str, now_ms: int) -> EditEvent | None:
        """Record how ``text`` (the whole document now) differs from the last text seen for ``path``.

        The first text seen for a path is its starting point (no event). Returns the event
        recorded or merged into, or None (nothing changed, the path is refused, the text too big).
        """
        if self.refused(path) or len(text) > MAX_TEXT_CHARS:
            self.forget(path)
            return None
        doc = self._docs.get(path)
        if doc is None:
            self._docs[path] = _Document(text)
            self._trim_documents()
            return None
        old, doc.text = doc.text, text
        if old == text:
            return None
        self._docs.move_to_end(path)
        start, old_lines, new_lines = line_change(old, text)
        last = doc.events[-1] if doc.events else None
        if last is not None and now_ms - last.at_ms <= self.coalesce_ms and _inside(last, start, len(old_lines)):
            offset = start - last.start_line
            last.new_lines = last.new_lines[:offset] + new_lines + last.new_lines[offset + len(old_lines) :]
            last.at_ms = now_ms
            if last.new_lines == last.old_lines:  # typed and undone: nothing happened
                doc.events.pop()
                return None
            return last
        event = EditEvent(path, start, old_lines, new_lines, now_ms)
        doc.events.append(event)
        del doc.events[: -self.max_events]
        return event

    def events(self, path: str | None = None) -> list[EditEvent]:
        """Events oldest first: of ``path`` only, or of every document (ordered by time)."""
        if path is not None:
            doc = self._docs.get(path)
            return list(doc.events) if doc else []
        return sorted((e for d in self._docs.values() for e in d.events), key=lambda e: e.at_ms)

    def events_text(self, path: str | None = None, max_events: int = 8) -> str:
        """The newest ``max_events`` events as prompt text, oldest first (see the module docstring);
        secret-looking strings in them redacted (``secrets.redact``), as in ``RecentChunks``."""
        if max_events <= 0:
            return ""
        parts = [f'User edited "{e.path}":\n```diff\n{redact(e.diff())}```\n' for e in self.events(path)[-max_events:]]
        return "\n".join(parts)

    def forget(self, path: str) -> None:
        self._docs.pop(path, None)

    def _trim_documents(self) -> None:
        while len(self._docs) > self.max_documents:
            self._docs.popitem(last=False)


def line_change(old: str, new: str) -> tuple[int, list[str], list[str]]:
    """The one block of lines that differs: (0-based start line, old lines, new lines), lines with
    their breaks. Common head and tail lines are left out (a single edit, as one keystroke or
    paste makes, is exactly one such block)."""
    a, b = split_lines(old, keepends=True), split_lines(new, keepends=True)
    head = 0
    while head < len(a) and head < len(b) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < len(a) - head and tail < len(b) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    return head, a[head : len(a) - tail], b[head : len(b) - tail]


def _inside(last: EditEvent, start: int, count: int) -> bool:
    """Whether lines [start, start + count) lie within the lines ``last`` produced (an insertion may sit at their end)."""
    end = last.start_line + len(last.new_lines)
    return last.start_line <= start and start + count <= end and (count > 0 or start <= end)


def _line(line: str) -> str:
    return line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
