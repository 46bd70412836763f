"""Figures of `tether bench edit-quality`: totals over the cases, failure kinds, the hostile-kind table."""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable
from typing import Any

from ..errors import GenerationError, TetherError
from .stats import summary

TARGET_VALID_SHARE = 0.9
DAMAGE_DEFINITION = (
    "Applied, the proposal (a) makes a file that parsed (Python ast, tomllib, json, balanced markdown "
    "fences) stop parsing, (b) changes a line outside the selection, loses a whole-file task's anchor "
    "line or changes another file, or (c) changes a kept line's line break, the BOM or the final "
    "newline, or adds line breaks the file did not use. Errors are never damage."
)


# Failure kinds read from a message's words where the error names no kind (older pipelines, other errors).
_KINDS = [
    ("looped", ("loop",)),
    ("truncated", ("cut off", "token limit", "truncat")),
    ("elided", ("elide", "placeholder")),
    ("empty", ("empty",)),
    ("parse", ("syntax error", "does not parse", "did not parse", "not parse")),
    ("leash", ("level allows", "autonomy level")),
    ("secret", ("secret",)),
    ("prose", ("prose", "no code")),
]


def error_kind(error: BaseException | None) -> str:
    """A short failure kind (looped, truncated, elided, empty, parse, leash, ...) of a final error."""
    if error is None:
        return ""
    if not isinstance(error, TetherError):
        return "crash"
    return failure_kind(error)


def failure_kind(error: TetherError) -> str:
    """The pipeline's own ``GenerationError.kind`` where it names one, else a kind read from the
    message's words (older pipelines, other errors)."""
    kind = getattr(error, "kind", None)
    if isinstance(kind, str) and kind and kind != "unusable":
        return kind
    text = str(error).rsplit("Last problem:", 1)[-1].lower()
    for name, words in _KINDS:
        if any(word in text for word in words):
            return name
    return "generation" if isinstance(error, GenerationError) else type(error).__name__


def by_kind(cases: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Adversarial runs: per hostile kind, replies served, replies that became the proposal, and
    of those the ones that damaged the file (the accepted reply is the last one served)."""
    table: dict[str, dict[str, int]] = {}
    for case in cases:
        script = case.get("script") or []
        for i, kind in enumerate(script[: case["tries"]]):
            row = table.setdefault(kind, {"served": 0, "accepted": 0, "damaged": 0})
            row["served"] += 1
            if case["valid"] and i == case["tries"] - 1:
                row["accepted"] += 1
                row["damaged"] += int(case["damaged"])
    return dict(sorted(table.items()))


def totals(cases: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    n = len(cases)
    tries = [c["tries"] for c in cases]
    errors: dict[str, int] = {}
    for case in cases:
        if case["error"]:
            key = f"{case['error']['type']}: {case['error']['kind']}"
            errors[key] = errors.get(key, 0) + 1
    done = [c for c in cases if c["done"] is not None]
    return {
        "tasks": n,
        "valid": sum(1 for c in cases if c["valid"]),
        "valid_share": round(sum(1 for c in cases if c["valid"]) / n, 3) if n else 0.0,
        "target_valid_share": TARGET_VALID_SHARE,
        "proposals": sum(1 for c in cases if c["outcome"] == "proposal"),
        "no_change": sum(1 for c in cases if c["outcome"] == "no_change"),
        "errors": sum(1 for c in cases if c["outcome"] == "error"),
        "invalid_proposals": sum(1 for c in cases if c["outcome"] == "invalid_proposal"),
        "crashes": sum(1 for c in cases if c["outcome"] == "crash"),
        "error_kinds": errors,
        "failed_reply_kinds": _count(k for c in cases for k in c["failed_reply_kinds"]),
        "tries_mean": round(sum(tries) / n, 2) if n else 0.0,
        "tries_max": max(tries, default=0),
        "damaged": sum(1 for c in cases if c["damaged"]),
        "damaged_tasks": [c["task"] for c in cases if c["damaged"]],
        "with_warnings": sum(1 for c in cases if c["warnings"]),
        "done": sum(1 for c in done if c["done"]),
        "done_share": round(sum(1 for c in done if c["done"]) / n, 3) if n else 0.0,
        "damage_definition": DAMAGE_DEFINITION,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()},
        "seconds_total": round(seconds, 1),
        "seconds_per_task": summary([c["seconds"] for c in cases], scale=1),
        "cases": cases,
    }


def _count(items: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return dict(sorted(counts.items()))
