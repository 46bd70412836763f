"""Secret redaction runs in linear time on any input (issue 16, case 23).

So does the other pattern found quadratic on user text when every compiled pattern in tether
was timed on adversarial lines: ranking's ``_CALL_OR_TICKED``, applied to the edit instruction.

Each pattern ``redact`` applies to user text gets one line of adversarial text — a run of
letters, of spaces, of backticks, of ``="'``, and runs built from the patterns' own prefixes —
and must finish within a RATIO of a plain linear scan of the same text, never an absolute
number of seconds: machines are noisy, and a quadratic pattern misses any sane ratio by
orders of magnitude (before the fix, 20,000 letters took 1.1 s in ``_URL_PASSWORD``; 1 MB would
take hours). Each input is tried at 32 KB first so a regression fails in seconds, not hours.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest

from tether.context.ranking import _CALL_OR_TICKED
from tether.secrets import PATTERNS, REDACTED, redact

MB = 1 << 20
# A plain scan: one bounded match per 64 characters, visiting every character once.
_PLAIN = re.compile(r"[\s\S]{1,64}")
# Measured on a 2-core machine at 1 MB: the worst pattern ~85x the plain scan, redact() as a
# whole ~85x; the old quadratic URL pattern was ~7,600x at 32 KB already, and grows with size.
MAX_RATIO = 1000

UNITS = ["A", " ", "`", "=\"'", "password=", "a://a:", "1.", "-----BEGIN PRIVATE KEY-----"]


def _line(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _seconds(run: Callable[[], object], repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def _ratio(run: Callable[[str], object], text: str) -> float:
    plain = _seconds(lambda: sum(1 for _ in _PLAIN.finditer(text)), repeat=3)
    return _seconds(lambda: run(text)) / max(plain, 1e-6)


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("pattern", [*PATTERNS, _CALL_OR_TICKED], ids=lambda p: p.pattern[:24])
def test_each_redaction_pattern_is_linear_on_adversarial_lines(pattern: re.Pattern[str], unit: str) -> None:
    def scan(text: str) -> int:
        return sum(1 for _ in pattern.finditer(text))

    for size in (32 * 1024, MB):
        ratio = _ratio(scan, _line(unit, size))
        assert ratio < MAX_RATIO, f"{pattern.pattern[:60]!r} on {size} x {unit!r}: {ratio:.0f}x a plain scan"


@pytest.mark.parametrize("unit", ["A", " ", 'password = "', "sk-"])
def test_redact_is_linear_on_a_one_megabyte_line(unit: str) -> None:
    for size in (32 * 1024, MB):
        ratio = _ratio(redact, _line(unit, size))
        assert ratio < MAX_RATIO, f"redact on {size} x {unit!r}: {ratio:.0f}x a plain scan"


def test_the_long_line_of_case_23_is_left_as_it_is() -> None:
    text = "data = '" + "A" * 400_000 + "'\n"
    assert redact(text) == text
    assert redact("password = hunter2xyz\n" + text) == f"password = {REDACTED}\n" + text
