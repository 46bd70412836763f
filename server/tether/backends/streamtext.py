"""Client-side shaping of a streamed reply: pass a repeated assistant prefix, enforce stops.

Remote endpoints cannot portably be primed with the start of the assistant's reply, so the
model may write that start itself (```python\\n before the code). ``ReplyFilter`` passes one
leading copy of it through unscanned, then cuts the text at the first stop string. Stops are
enforced here, not only by the server, because a stop that occurs inside the prefix (three
backticks closing a fenced reply) must not fire on the repeated prefix, and because some APIs
accept at most four stops. The reply text is what the model wrote, as on every backend.
"""

from __future__ import annotations


class PrefixSplitter:
    """Splits one leading copy of ``prefix`` (leading whitespace ignored) off a stream.

    ``feed`` returns the text after that copy; the copy itself is kept in ``head``.
    """

    def __init__(self, prefix: str):
        self.target = prefix.lstrip()
        self.pending = ""
        self.head = ""
        self.decided = not self.target

    def feed(self, text: str) -> str:
        if self.decided:
            return text
        self.pending += text
        body = self.pending.lstrip()
        if len(body) >= len(self.target):
            self.decided = True
            if body.startswith(self.target):
                cut = len(self.pending) - len(body) + len(self.target)
                self.head, out = self.pending[:cut], self.pending[cut:]
            else:
                out = self.pending
            self.pending = ""
            return out
        if not self.target.startswith(body):
            return self.flush()
        return ""

    def flush(self) -> str:
        """End of stream (or mismatch): whatever is held back goes out unchanged."""
        self.decided = True
        out, self.pending = self.pending, ""
        return out


class StopScanner:
    """Cuts a stream at the earliest stop string, holding back text that may begin one."""

    def __init__(self, stops: list[str]):
        self.stops = [s for s in stops if s]
        self.held = ""

    def feed(self, text: str) -> tuple[str, bool]:
        """Text safe to emit now, and whether a stop string was reached."""
        if not self.stops:
            return text, False
        self.held += text
        hits = [i for i in (self.held.find(s) for s in self.stops) if i >= 0]
        if hits:
            out, self.held = self.held[: min(hits)], ""
            return out, True
        keep = self._partial_tail()
        out = self.held[: len(self.held) - keep]
        self.held = self.held[len(self.held) - keep :]
        return out, False

    def flush(self) -> str:
        out, self.held = self.held, ""
        return out

    def _partial_tail(self) -> int:
        """Length of the longest tail of the held text that is the start of some stop."""
        longest = 0
        for stop in self.stops:
            for size in range(min(len(stop) - 1, len(self.held)), longest, -1):
                if self.held.endswith(stop[:size]):
                    longest = size
                    break
        return longest


class ReplyFilter:
    """PrefixSplitter then StopScanner, as one feed/finish pair; the prefix copy passes unscanned."""

    def __init__(self, prefix: str, stops: list[str]):
        self.prefix = PrefixSplitter(prefix)
        self.stops = StopScanner(stops)
        self.stopped = False

    def feed(self, text: str) -> str:
        body = self.prefix.feed(text)
        head, self.prefix.head = self.prefix.head, ""
        out, self.stopped = self.stops.feed(body)
        return head + out

    def finish(self) -> str:
        """Held-back text at the end of a stream that reached no stop."""
        if self.stopped:
            return ""
        out, self.stopped = self.stops.feed(self.prefix.flush())
        return out if self.stopped else out + self.stops.flush()
