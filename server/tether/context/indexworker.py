"""Worker process for a cold repo-map build: index a batch of files, in parallel with others.

tree-sitter holds the GIL while it parses, so a big index is split over processes. They are
plain subprocesses (``python -m tether.context.indexworker``) rather than a multiprocessing
pool: nothing depends on how the parent was started (no ``__main__`` re-import, no fork of a
process that holds threads). Protocol: a pickled ``(root, items)`` on stdin, a pickled list of
results on stdout (see ``repomap._index_file``).
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

log = logging.getLogger(__name__)


def run_batches(root: str, items: list[tuple[str, str, str]], sizes: list[int], workers: int) -> list[tuple]:
    """Index ``items`` in ``workers`` subprocesses, balanced by file size."""
    batches: list[list[tuple[str, str, str]]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for size, item in sorted(zip(sizes, items), key=lambda pair: -pair[0]):
        i = loads.index(min(loads))
        batches[i].append(item)
        loads[i] += size + 2048  # per-file overhead, so many tiny files spread out too
    batches = [b for b in batches if b]
    with ThreadPoolExecutor(len(batches)) as pool:
        results = pool.map(lambda batch: _run_one(root, batch), batches)
        return [r for batch in results for r in batch]


def _run_one(root: str, batch: list[tuple[str, str, str]]) -> list[tuple]:
    package_parent = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH", "")) if p)
    proc = subprocess.run(
        [sys.executable, "-m", "tether.context.indexworker"],
        input=pickle.dumps((root, batch)),
        capture_output=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        from .repomap import _index_file

        log.warning("index worker failed (%s), indexing its batch here: %s", proc.returncode, proc.stderr[-2000:])
        return [_index_file(root, item) for item in batch]
    return pickle.loads(proc.stdout)


def main() -> None:
    from .repomap import _index_file

    root, batch = pickle.loads(sys.stdin.buffer.read())
    results = [_index_file(root, item) for item in batch]
    sys.stdout.buffer.write(pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
