"""argparse ``type=`` callables for numeric flags, shared by the CLI and the benchmarks.

A value out of range raises ``argparse.ArgumentTypeError``, which argparse reports as a usage
error naming the flag (exit 2, docs/cli.md's exit codes)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def int_at_least(minimum: int, meaning: str = "") -> Callable[[str], int]:
    """A ``type=`` for an int >= ``minimum`` (``meaning``: what the smallest values stand for, added
    to the message, e.g. "-1: all that fit, 0: CPU only"). The callable raises ArgumentTypeError."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"takes a whole number; got {text!r}") from None
        if value < minimum:
            extra = f" ({meaning})" if meaning else ""
            raise argparse.ArgumentTypeError(f"takes a number of at least {minimum}{extra}; got {text!r}")
        return value

    parse.__name__ = f"int_at_least_{minimum}"  # argparse names the type in some messages
    return parse


at_least_one = int_at_least(1)
"""A 1-based line or column, a count or a token budget: an int >= 1."""


def int_between(minimum: int, maximum: int) -> Callable[[str], int]:
    """A ``type=`` for an int in ``minimum..maximum`` (inclusive). The callable raises ArgumentTypeError."""
    at_least = int_at_least(minimum)

    def parse(text: str) -> int:
        value = at_least(text)
        if value > maximum:
            raise argparse.ArgumentTypeError(f"takes a number of at most {maximum}; got {text!r}")
        return value

    parse.__name__ = f"int_between_{minimum}_{maximum}"
    return parse


def positive_seconds(text: str) -> float:
    """Seconds, finite and above 0 (a float). Raises ArgumentTypeError otherwise."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes seconds (a number); got {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"takes seconds above 0; got {text!r}")
    return value
