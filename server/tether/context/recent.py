"""Recently viewed and edited chunks, for completion prompts (a small ring buffer).

Completion runs on every pause in typing, so its prompt must start with the same bytes each
time for the model's KV cache to be reused. ``RecentChunks`` keeps chunks oldest first and
leaves a chunk where it is while its text does not change; a chunk whose text changed moves
to the end. Windows snap to a grid of half-window steps, so moving the cursor a line or two
records nothing new. The file being typed in is excluded from its own snippets, so while a
user types in one file, ``snippets`` returns the very same list keystroke after keystroke:
put it first in the prompt (stable part), the current file's prefix/suffix after it.

Usage from the completion op / language server::

    recent.record(path, document_text, cursor_line)      # on didOpen/didChange/visible range
    for s in recent.snippets(exclude_path=path, budget_chars=1500):
        prompt += f"# {s.path}\\n{s.text}"                  # oldest first
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from ..lines import split_lines
from ..pack import Source
from ..secrets import is_secret_path, redact

MAX_CHUNK_CHARS = 20_000  # a recorded chunk longer than this is skipped (snippets use ~1,500)


@dataclass(frozen=True)
class Snippet:
    path: str
    start_line: int  # 0-based, inclusive
    end_line: int  # 0-based, exclusive
    text: str

    def source(self) -> Source:
        return Source(kind="recent", path=self.path, start_line=self.start_line + 1, end_line=self.end_line)


class RecentChunks:
    """Ring buffer of the last ``capacity`` chunks, each about ``window_lines`` lines. Not thread-safe."""

    def __init__(self, capacity: int = 16, window_lines: int = 24):
        self.capacity = capacity
        self.window_lines = max(2, window_lines)
        self._chunks: OrderedDict[tuple[str, int], Snippet] = OrderedDict()  # oldest first

    def record(self, path: str, text: str, line: int) -> None:
        """Remember the chunk of ``text`` (the whole document) around ``line`` (0-based)."""
        if is_secret_path(path):
            return
        lines = split_lines(text, keepends=True)
        if not lines:
            return
        half = self.window_lines // 2
        start = max(0, (max(line, 0) // half) * half - half // 2)  # grid-aligned: small moves land in the same cell
        end = min(len(lines), start + self.window_lines)
        key = (path, start)
        raw = "".join(lines[start:end])
        if len(raw) > MAX_CHUNK_CHARS:
            # a minified bundle or a base64 blob: no use as a snippet, and redacting it on every
            # keystroke would be the slowest work on the event loop
            self._chunks.pop(key, None)
            return
        chunk = Snippet(path, start, end, redact(raw))
        old = self._chunks.get(key)
        if old == chunk:
            return  # unchanged: keep its place, so the prompt prefix stays the same
        for other in [k for k, c in self._chunks.items() if k[0] == path and k != key and _overlap(c, chunk)]:
            del self._chunks[other]
        self._chunks.pop(key, None)
        self._chunks[key] = chunk
        while len(self._chunks) > self.capacity:
            self._chunks.popitem(last=False)

    def forget(self, path: str) -> None:
        """Drop a file's chunks (closed, deleted or renamed)."""
        for key in [k for k in self._chunks if k[0] == path]:
            del self._chunks[key]

    def snippets(self, exclude_path: str | None = None, budget_chars: int = 2000) -> list[Snippet]:
        """The newest chunks that fit ``budget_chars``, returned oldest first; none from ``exclude_path``."""
        chosen: list[Snippet] = []
        used = 0
        for chunk in reversed(self._chunks.values()):
            if chunk.path == exclude_path or not chunk.text.strip():
                continue
            if used + len(chunk.text) > budget_chars:
                break  # stop at the first that does not fit: skipping would reorder the prefix
            chosen.append(chunk)
            used += len(chunk.text)
        return chosen[::-1]

    def __len__(self) -> int:
        return len(self._chunks)


def _overlap(a: Snippet, b: Snippet) -> bool:
    return a.start_line < b.end_line and b.start_line < a.end_line
