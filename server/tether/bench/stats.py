"""Small statistics helpers shared by the benchmarks."""

from __future__ import annotations

import statistics


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
