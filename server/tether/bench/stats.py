"""Helpers shared by the benchmarks: summaries of samples, JSON output."""

from __future__ import annotations

import json
import statistics
import sys
from typing import Any


def summary(samples: list[float], scale: float = 1000.0) -> dict[str, float]:
    """p50/p90/mean/min of samples (seconds), scaled (default: milliseconds)."""
    ordered = sorted(samples)
    if not ordered:
        return {}
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return {
        "p50": round(statistics.median(ordered) * scale, 3),
        "p90": round(p90 * scale, 3),
        "mean": round(statistics.fmean(ordered) * scale, 3),
        "min": round(ordered[0] * scale, 3),
        "n": len(ordered),
    }


def print_json(result: dict[str, Any]) -> int:
    """Write a bench result to stdout; the exit code of the command."""
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0
