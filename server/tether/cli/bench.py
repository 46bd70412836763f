"""`tether bench NAME --json`: benchmarks, one module each under tether.bench, JSON to stdout."""

from __future__ import annotations

import argparse
import importlib

# Each module in tether.bench has ``register(bench_subparsers)`` setting ``func`` on its parser.
BENCHES = ["complete", "edit", "edit_quality", "docs", "repomap", "lsp", "repo"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure speed and quality (JSON out)")
    benches = p.add_subparsers(dest="bench", metavar="NAME", required=True)
    for name in BENCHES:
        importlib.import_module(f"tether.bench.{name}").register(benches)
