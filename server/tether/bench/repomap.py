"""`tether bench repomap [PATH] --json`: repo-map build times on a large real tree.

The eligible source files of PATH (default: the standard library of the running Python) are
copied to a temporary folder, so one of them can really be edited. Measured there:

- cold: a fresh SQLite cache, every file parsed (in worker processes); wall and CPU seconds.
- warm start: a new index over the existing cache (what a restarted server pays).
- incremental: one file edited (a function appended), then (a) a full rescan of the tree,
  (b) a refresh of just that path (what an editor save triggers), (c) the ranking graph
  rebuilt and one personalized ranking; medians over ``--repeat`` edits.

Goals (DESIGN issue 4): cold <= 2 s per 1,000 files; <= 50 ms after one file changes.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import shutil
import statistics
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Any

from ..context.ranking import GraphBuilder, mentioned_identifiers, rank_definitions
from ..context.repomap import RepoMap

GOAL_COLD_PER_1000_S = 2.0
GOAL_INCREMENTAL_MS = 50.0


def register(benches: argparse._SubParsersAction) -> None:
    p = benches.add_parser("repomap", help="repo map cold build and incremental update times")
    p.add_argument("path", nargs="?", default=sysconfig.get_paths()["stdlib"], help="tree to index (default: the stdlib)")
    p.add_argument("--repeat", type=int, default=7, help="incremental edits to time (default 7)")
    p.add_argument("--workers", type=int, help="index worker processes (default: CPU count, at most 8)")
    p.add_argument("--json", action="store_true", help="JSON output (the default; kept for symmetry)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    source = Path(args.path).resolve()
    with tempfile.TemporaryDirectory(prefix="tether-bench-repomap-") as tmp:
        result = bench(source, Path(tmp), args.repeat, args.workers)
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def bench(source: Path, tmp: Path, repeat: int, workers: int | None) -> dict[str, Any]:
    tree = tmp / "tree"
    files = RepoMap(source).source_files()
    for rel in files:
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / rel, tree / rel)
    db = tmp / "data" / "repomap.sqlite"

    cpu0, t0 = _cpu(), time.perf_counter()
    index = RepoMap(tree, db, max_workers=workers)
    cold = index.refresh()
    cold_s, cold_cpu = time.perf_counter() - t0, _cpu() - cpu0
    builder = GraphBuilder()
    t0 = time.perf_counter()
    builder.build(index.entries)
    graph_cold_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    warm = RepoMap(tree, db)
    warm.refresh()
    warm_s = time.perf_counter() - t0
    warm.close()

    target = _median_file(index)
    med = _incremental(index, builder, tree, target, repeat)
    index.close()
    per_1000 = cold_s / max(cold.files, 1) * 1000
    return {
        "bench": "repomap",
        "path": str(source),
        "files": cold.files,
        "definitions": sum(len(e.tags.defs) for e in index.entries.values()),
        "cpu_count": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cold": {
            "seconds": round(cold_s, 3),
            "cpu_seconds": round(cold_cpu, 3),
            "per_1000_files_s": round(per_1000, 3),
            "workers": cold.workers,
            "graph_build_s": round(graph_cold_s, 3),
        },
        "warm_start_s": round(warm_s, 3),
        "incremental": {"edited_file": target, "repeat": repeat, **med},
        "goals": {
            "cold_per_1000_files_s": GOAL_COLD_PER_1000_S,
            "incremental_ms": GOAL_INCREMENTAL_MS,
            "cold_met": per_1000 <= GOAL_COLD_PER_1000_S,
            "incremental_met": med["known_path_ms"] <= GOAL_INCREMENTAL_MS and med["full_rescan_ms"] <= GOAL_INCREMENTAL_MS,
        },
    }


def _incremental(index: RepoMap, builder: GraphBuilder, tree: Path, target: str, repeat: int) -> dict[str, float]:
    """Median milliseconds of each step after appending a function to ``target``."""
    mentions = mentioned_identifiers("use the helper functions here", "")
    times: dict[str, list[float]] = {"full_rescan_ms": [], "known_path_ms": [], "graph_rebuild_ms": [], "rank_ms": []}

    def timed(name: str, fn):
        t0 = time.perf_counter()
        result = fn()
        times[name].append((time.perf_counter() - t0) * 1000)
        return result

    for i in range(repeat):
        for step, refresh in (("full_rescan_ms", lambda: index.refresh()), ("known_path_ms", lambda: index.refresh([target]))):
            with open(tree / target, "a", encoding="utf-8") as fh:
                fh.write(f"\n\ndef _bench_added_{step[:4]}_{i}(value):\n    return value + {i}\n")
            stats = timed(step, refresh)
            assert stats.parsed == 1, stats
        graph = timed("graph_rebuild_ms", lambda: builder.build(index.entries))
        timed("rank_ms", functools.partial(rank_definitions, graph, [target], mentions, {target}))
    med = {name: round(statistics.median(v), 2) for name, v in times.items()}
    med["update_and_rank_ms"] = round(med["known_path_ms"] + med["graph_rebuild_ms"] + med["rank_ms"], 2)
    return med


def _median_file(index: RepoMap) -> str:
    sized = sorted((e.size, path) for path, e in index.entries.items() if e.tags.defs)
    return sized[len(sized) // 2][1]
