"""Watching a reply while it streams: stop at the end of the code, stop a reply that loops.

Small models under greedy decoding fall into loops (``def add_doc_doc_doc…``, the same line
over and over) and would run to the token limit. ``ReplyWatch.check`` looks at the reply so
far after each chunk and answers whether to stop there:

- the fenced block closed (``edits.reply.closed_block_end``): stop, the rest is prose;
- the tail repeats with no progress (kind ``looped``), or the reply is far longer than the
  region it replaces (kind ``too long``): stop, and ``problem`` holds the GenerationError to
  re-ask with;
- else go on.

A repetition counts as a loop only if the repeated text is not in the region or the prompt the
model was shown: a table of similar rows the file already has is copied, not looped.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import GenerationError

# A tail that repeats one unit at least this many times over at least this many characters is
# a loop. A separator line of 80 dashes is code; 120 characters of one repeating unit that is
# nowhere in the prompt is not.
MIN_REPEATS = 4
MIN_SPAN_CHARS = 120
MAX_PERIOD_CHARS = 400
# A reply may grow the region (new functions, docstrings), but not without bound.
GROWTH_FACTOR = 3
GROWTH_FLOOR_CHARS = 1500
CHECK_EVERY_CHARS = 32


def looping_tail(text: str, known: str = "") -> str | None:
    """The repeating unit at the end of ``text``, or None. ``known``: text the model was shown.

    The tail is a loop when, for some period p (1..400 characters), the last
    ``max(MIN_REPEATS * p, MIN_SPAN_CHARS)`` characters repeat with period p and that span does
    not occur in ``known``.
    """
    size = len(text)
    for period in range(1, MAX_PERIOD_CHARS + 1):
        span = max(MIN_REPEATS * period, MIN_SPAN_CHARS)
        if span > size:
            break
        if text[size - span : size - period] == text[size - span + period :]:
            tail = text[size - span :]
            if tail not in known:
                return text[size - period :]
    return None


class ReplyWatch:
    """Checks a streaming reply; see the module docstring.

    ``region``: the text the reply replaces (chars). ``known``: everything the model was shown.
    ``done``: returns the offset where the reply's useful part ends, or None (optional).
    """

    def __init__(self, region: str, known: str = "", done: Callable[[str], int | None] | None = None):
        self.known = region + known
        self.region_chars = len(region)
        self.limit = GROWTH_FACTOR * len(region) + GROWTH_FLOOR_CHARS
        self.done = done
        self.checked = 0
        self.problem: GenerationError | None = None

    def check(self, text: str) -> bool:
        """Whether to stop the reply at ``text`` (the reply so far); sets ``problem`` on a loop."""
        if len(text) - self.checked < CHECK_EVERY_CHARS and not text.endswith("\n"):
            return False  # check at each line end, and within a long line every few dozen characters
        self.checked = len(text)
        if self.done is not None and self.done(text) is not None:
            return True
        unit = looping_tail(text, self.known)
        if unit is not None:
            shown = unit.strip()[:40] or repr(unit[:20])
            self.problem = GenerationError(
                f"The reply looped, repeating {shown!r} over and over.",
                ask="Write the code once, without repeating.",
                kind="looped",
            )
        elif len(text) > self.limit:
            self.problem = GenerationError(
                f"The reply ran to {len(text)} characters for a region of {self.region_chars}, far longer than "
                "the code it replaces, and was stopped.",
                ask="Write only the rewritten code.",
                kind="too long",
            )
        return self.problem is not None
