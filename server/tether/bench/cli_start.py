"""`tether bench cli-start`: how long the CLI takes to start, and what it imports on the way.

Each sample is a fresh subprocess (the installed ``tether`` script next to the running Python,
else ``python -m tether``) timed from spawn to exit with ``time.perf_counter``, output thrown
away. Measured, over ``--runs`` samples after ``--warmup`` unmeasured ones:

- ``help_ms``: ``tether --help``; ``version_ms``: ``tether --version``;
- ``python_ms``: ``python -c pass``, the floor no CLI can go under;
- ``importtime``: one ``python -X importtime -m tether --help`` run; the modules with the largest
  cumulative and self import times (microseconds, as CPython reports them, see ``-X importtime``
  in the Python docs) and the total;
- ``heavy_modules``: which of llama_cpp, tree_sitter, openai, httpx, numpy, lsprotocol, pygls
  and the tether.bench package a ``--help`` run imported (goal: none).

Goal (issue 14, item 7): ``--help`` p50 under 300 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ..lines import split_lines
from .stats import print_json, summary

GOAL_P50_MS = 300.0
HEAVY = ("llama_cpp", "tree_sitter", "openai", "httpx", "numpy", "lsprotocol", "pygls", "tether.bench")
_IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)\s*$")
_HEAVY_PROBE = (
    "import sys\nfrom tether.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
    "print(repr(sorted(m for m in sys.modules)), file=sys.stderr)\n"
)


def register(benches: argparse._SubParsersAction) -> None:
    p = benches.add_parser("cli-start", help="`tether --help` / `--version` start time in subprocesses; import-time offenders")
    p.add_argument("--runs", type=int, default=20, help="timed runs of each command (default 20)")
    p.add_argument("--warmup", type=int, default=2, help="untimed runs first, to warm the file cache (default 2)")
    p.add_argument("--top", type=int, default=12, help="import-time offenders to list (default 12)")
    p.add_argument("--json", action="store_true", help="JSON output (the default; kept for symmetry)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return print_json(bench(args.runs, args.warmup, args.top))


def tether_command() -> list[str]:
    """The argv prefix that starts the CLI: the ``tether`` script beside this Python, else ``python -m tether``."""
    script = Path(sys.executable).parent / ("tether.exe" if os.name == "nt" else "tether")
    if script.is_file():
        return [str(script)]
    found = shutil.which("tether")
    return [found] if found else [sys.executable, "-m", "tether"]


def time_runs(argv: list[str], runs: int, warmup: int) -> list[float]:
    """Wall seconds of ``runs`` runs of ``argv`` (after ``warmup`` untimed ones); raises CalledProcessError on failure."""
    samples = []
    for i in range(warmup + runs):
        t0 = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        if i >= warmup:
            samples.append(time.perf_counter() - t0)
    return samples


def import_times(top: int) -> dict[str, Any]:
    """Parse one ``-X importtime`` run of ``--help``: top modules by cumulative and by self time (µs)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "tether", "--help"], capture_output=True, text=True, check=True)
    rows: list[dict[str, Any]] = []
    for line in split_lines(done.stderr):
        match = _IMPORTTIME.match(line)
        if match:
            self_us, cumulative_us, indent, name = match.groups()
            rows.append({"module": name, "self_us": int(self_us), "cumulative_us": int(cumulative_us), "depth": len(indent) // 2})
    top_level = [r for r in rows if r["depth"] == 0]
    return {
        "modules": len(rows),
        "total_us": sum(r["cumulative_us"] for r in top_level),
        "top_cumulative": sorted(rows, key=lambda r: -r["cumulative_us"])[:top],
        "top_self": sorted(rows, key=lambda r: -r["self_us"])[:top],
    }


def heavy_modules() -> list[str]:
    """Which HEAVY modules (or their submodules) a ``--help`` run leaves in ``sys.modules``."""
    done = subprocess.run([sys.executable, "-c", _HEAVY_PROBE], capture_output=True, text=True, check=True)
    loaded = eval_list(split_lines(done.stderr.strip())[-1])
    return [h for h in HEAVY if any(m == h or m.startswith(h + ".") for m in loaded)]


def eval_list(text: str) -> list[str]:
    """A ``repr`` of a list of module names back to a list (names only: no eval)."""
    return re.findall(r"'([^']+)'", text)


def bench(runs: int, warmup: int, top: int) -> dict[str, Any]:
    """The JSON result described in the module docstring; times in ms."""
    cli = tether_command()
    help_s = time_runs([*cli, "--help"], runs, warmup)
    version_s = time_runs([*cli, "--version"], runs, warmup)
    python_s = time_runs([sys.executable, "-c", "pass"], runs, warmup)
    help_ms = summary(help_s)
    return {
        "command": cli,
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "help_ms": help_ms,
        "version_ms": summary(version_s),
        "python_ms": summary(python_s),
        "importtime": import_times(top),
        "heavy_modules": heavy_modules(),
        "goal_p50_ms": GOAL_P50_MS,
        "goal_met": help_ms["p50"] < GOAL_P50_MS,
    }
