"""`tether bench NAME --json`: benchmarks, one module each under tether.bench, JSON to stdout."""

from __future__ import annotations

import argparse

from .lazy import LazyCommand, add_lazy_commands

# Each module in tether.bench has ``register(bench_subparsers)`` setting ``func`` on its parser;
# it is imported only when its bench is chosen (cli/lazy.py).
BENCHES = {
    "complete": LazyCommand("tether.bench.complete", "op latency vs raw llama-cpp-python; tokens re-evaluated when warm"),
    "edit": LazyCommand("tether.bench.edit", "rewrite tokens/s with and without speculative decoding"),
    "edit-quality": LazyCommand("tether.bench.edit_quality", "edit tasks on seed files: valid proposals, tries, damaged files"),
    "docs": LazyCommand("tether.bench.docs", "docs search recall@5/MRR on the seeds questions, ingest MB/s, query p50 at 100k chunks"),
    "repomap": LazyCommand("tether.bench.repomap", "repo map cold build and incremental update times"),
    "lsp": LazyCommand("tether.bench.lsp", "LSP round-trip overhead over the direct op call"),
    "repo": LazyCommand("tether.bench.repo", "repo agent on seeds/tasks: well-formed edit, apply and check pass rates"),
    "next-edit": LazyCommand(
        "tether.bench.next_edit", "next-edit exact/within-range hit rates on a repo's history; latency vs raw llama.cpp"
    ),
    "cli-start": LazyCommand("tether.bench.cli_start", "`tether --help` / `--version` start time in subprocesses; import-time offenders"),
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure speed and quality (JSON out)")
    add_lazy_commands(p, BENCHES, dest="bench", metavar="NAME", required=True)
