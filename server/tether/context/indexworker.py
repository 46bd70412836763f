"""Worker process for a cold repo-map build: index a batch of files, in parallel with others.

tree-sitter holds the GIL while it parses, so a big index is split over processes. They are
plain subprocesses (``python -m tether.context.indexworker``) rather than a multiprocessing
pool: nothing depends on how the parent was started (no ``__main__`` re-import, no fork of a
process that holds threads). Protocol: a pickled ``(root, items)`` on stdin, a pickled list of
results on stdout (see ``index_file``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..code.syntax import lang_of
from ..code.tags import FileTags, extract_tags
from ..errors import InputError
from ..workspace import read_confined

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1_000_000  # larger files are listed in the repo map but not parsed


def run_batches(root: str, items: list[tuple[str, str, str]], sizes: list[int], workers: int) -> list[tuple]:
    """Index ``items`` in ``workers`` subprocesses, balanced by file size."""
    batches: list[list[tuple[str, str, str]]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for size, item in sorted(zip(sizes, items, strict=True), key=lambda pair: -pair[0]):
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
        log.warning("index worker failed (%s), indexing its batch here: %s", proc.returncode, proc.stderr[-2000:])
        return [index_file(root, item) for item in batch]
    return pickle.loads(proc.stdout)


def index_file(root: str, item: tuple[str, str, str]) -> tuple:
    """Index one file: ``item`` is (path relative to ``root``, language or "", hash last seen).

    Returns (path, lang, size in bytes, mtime_ns, blake2b-128 hex hash, FileTags); the tags are
    None when the hash matched, and size is -1 when the file is gone or leads out of the
    workspace. Runs in worker processes: only plain, picklable values in and out.
    """
    rel, lang, known_hash = item
    try:
        read = read_confined(root, rel, MAX_FILE_BYTES)
    except (OSError, InputError):  # missing, or a link out of the workspace (logged once): gone
        return rel, lang, -1, 0, "", None
    data = read.data
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    if digest == known_hash:
        return rel, lang, read.size, read.mtime_ns, digest, None
    lang = lang or lang_of(rel) or ""
    if len(data) > MAX_FILE_BYTES or b"\x00" in data[:8192] or not lang:
        tags = FileTags([], {})  # too big or binary: listed, but not mapped
    else:
        try:
            tags = extract_tags(lang, data)
        except Exception as exc:  # a grammar bug must not stop the whole index
            log.warning("could not index %s: %s", rel, exc)
            tags = FileTags([], {})
    return rel, lang, read.size, read.mtime_ns, digest, tags


def main() -> None:
    """The worker process: index the pickled batch on stdin, write the pickled results to stdout."""
    root, batch = pickle.loads(sys.stdin.buffer.read())
    results = [index_file(root, item) for item in batch]
    sys.stdout.buffer.write(pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
