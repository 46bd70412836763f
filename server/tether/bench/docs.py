"""`tether bench docs`: docs retrieval quality and speed, as JSON.

- quality: the seeds corpus (seeds/docs/llms.txt and its pages) is ingested into a fresh
  index; each question in seeds/docs/questions.json names the page that answers it. A question
  counts for recall@5 when a chunk of that page is among the top 5; MRR uses the rank of the
  first such chunk.
- ingest: a folder of markdown made from the seeds pages (copies with words varied) is ingested
  from scratch; MB/s over the bytes read, with chunking and FTS5 indexing included.
- corpus (``--questions FILE`` [``--corpus DIR``]): the same quality measure on a real
  documentation set not written by this project (a folder of markdown, e.g. the pages npm ships
  in its package); the queries file names, per question, the expected page (a path relative to
  the folder, or a list of equally good pages) and optionally the section (part of the heading
  path, or a list of them), for a section-level recall@5 too. This mode measures quality only, seeds and corpus
  side by side (the speed parts are skipped). See seeds/docs-npm/queries.json.
- query: 100k chunks (seeds chunks with words swapped for words of a synthetic Zipf vocabulary,
  so posting lists look like a big mixed corpus, not 1,200 copies of one) are written to a temp
  SQLite file; p50/p90 of ``DocsIndex.search(question, k=5)`` over a few hundred queries.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ..docs.chunking import chunk_markdown, estimate_tokens
from ..docs.fetch import FetchLimits
from ..docs.index import DocsIndex, DocumentIn
from ..docs.ingest import Ingester
from ..errors import InputError
from .seeds import default_seed_folder, seed_folder
from .stats import summary

_WORD = re.compile(r"[A-Za-z]{4,}")


def register(benches: argparse._SubParsersAction) -> None:
    p = benches.add_parser("docs", help="docs search recall@5/MRR on the seeds questions, ingest MB/s, query p50 at 100k chunks")
    p.add_argument("--seeds", default=str(default_seeds()), help="folder with llms.txt and questions.json")
    p.add_argument("--chunks", type=int, default=100_000, help="chunks in the query-latency index (default 100000)")
    p.add_argument("--queries", type=int, default=300, help="timed queries (default 300)")
    p.add_argument("--ingest-mb", type=float, default=8.0, help="size of the ingest corpus in MB (default 8)")
    p.add_argument("--seed", type=int, default=7, help="random seed of the synthetic latency corpus (default 7)")
    p.add_argument(
        "--questions",
        dest="corpus_questions",
        metavar="FILE",
        help="JSON questions about a real docs folder (see seeds/docs-npm/queries.json): measure retrieval there, quality only",
    )
    p.add_argument("--corpus", metavar="DIR", help="the docs folder those questions are about (default: the file's 'corpus')")
    p.add_argument("--json", action="store_true", help="JSON output (the default; kept for symmetry)")
    p.set_defaults(func=run)


def default_seeds() -> Path:
    return default_seed_folder("docs")


def run(args: argparse.Namespace) -> int:
    seeds = seed_folder(args.seeds, "--seeds")
    questions = json.loads((seeds / "questions.json").read_text(encoding="utf-8"))["questions"]
    rng = random.Random(args.seed)
    if args.corpus and not args.corpus_questions:
        raise InputError("--corpus needs --questions FILE: the questions about that folder and the pages that answer them.")
    with tempfile.TemporaryDirectory(prefix="tether-bench-docs-") as tmp:
        result: dict[str, Any] = {"bench": "docs"}
        result["quality"] = quality(seeds, questions, Path(tmp))
        if args.corpus_questions:
            result["corpus"] = corpus_quality(Path(args.corpus_questions), args.corpus, Path(tmp))
            _emit(result)
            return 0
        result["ingest"] = ingest_speed(seeds, Path(tmp), args.ingest_mb, rng)
        result["query"] = query_latency(seeds, questions, Path(tmp), args.chunks, args.queries, rng)
    _emit(result)
    return 0


def _emit(result: dict[str, Any]) -> None:
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")


def quality(seeds: Path, questions: list[dict[str, str]], tmp: Path) -> dict[str, Any]:
    with DocsIndex(tmp / "quality.sqlite") as index:
        asyncio.run(Ingester(index, base_dir=seeds).add(str(seeds / "llms.txt")))
        found, reciprocal, misses = 0, 0.0, []
        for q in questions:
            hits = index.search(q["question"], k=5)
            pages = [Path(h.path).relative_to(seeds).as_posix() if h.path else "" for h in hits]
            rank = next((i for i, page in enumerate(pages, 1) if page == q["expected"]), None)
            if rank:
                found += 1
                reciprocal += 1 / rank
            else:
                misses.append(q["question"])
        n = len(questions)
        return {"questions": n, "recall_at_5": round(found / n, 3), "mrr": round(reciprocal / n, 3), "misses": misses}


def corpus_quality(queries_file: Path, corpus: str | None, tmp: Path) -> dict[str, Any]:
    """recall@5, MRR and section recall@5 of the questions in ``queries_file`` over the markdown folder ``corpus``.

    The file: ``{"corpus": DIR?, "questions": [{"question", "expected": PAGE | [PAGE...], "section"?: S | [S...]}]}``,
    pages relative to the folder. Raises InputError for a missing or malformed file or folder.
    """
    try:
        data = json.loads(queries_file.read_text(encoding="utf-8"))
        questions = data["questions"]
        folder = Path(corpus or data["corpus"]).resolve()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{queries_file}: not a queries file with a corpus folder and questions ({exc}).") from None
    if not folder.is_dir():
        raise InputError(f"The docs folder {folder} does not exist; pass --corpus DIR.")
    with DocsIndex(tmp / "corpus.sqlite") as index:
        started = time.perf_counter()
        report = asyncio.run(Ingester(index, base_dir=folder, limits=FetchLimits(max_docs=100_000)).add(str(folder)))
        ingest_s = time.perf_counter() - started
        scored = _score(index, questions, folder)
    return {
        "folder": str(folder),
        "queries_file": str(queries_file),
        "documents": report.added,
        "chunks": report.chunks,
        "ingest_s": round(ingest_s, 2),
        **scored,
    }


def _score(index: DocsIndex, questions: list[dict[str, Any]], folder: Path) -> dict[str, Any]:
    found, reciprocal, sections, with_section, misses = 0, 0.0, 0, 0, []
    for q in questions:
        expected = {q["expected"]} if isinstance(q["expected"], str) else set(q["expected"])
        hits = index.search(q["question"], k=5)
        pages = [Path(h.path).relative_to(folder).as_posix() if h.path else "" for h in hits]
        rank = next((i for i, page in enumerate(pages, 1) if page in expected), None)
        if rank:
            found += 1
            reciprocal += 1 / rank
        else:
            misses.append({"question": q["question"], "expected": sorted(expected), "got": pages[:3]})
        if q.get("section"):
            with_section += 1
            wanted = [q["section"]] if isinstance(q["section"], str) else q["section"]
            sections += any(page in expected and any(w in h.heading for w in wanted) for page, h in zip(pages, hits, strict=True))
    n = len(questions)
    out: dict[str, Any] = {"questions": n, "recall_at_5": round(found / n, 3), "mrr": round(reciprocal / n, 3)}
    if with_section:
        out["section_questions"] = with_section
        out["section_recall_at_5"] = round(sections / with_section, 3)
    out["misses"] = misses
    return out


def ingest_speed(seeds: Path, tmp: Path, megabytes: float, rng: random.Random) -> dict[str, Any]:
    pages = [p.read_text(encoding="utf-8") for p in sorted((seeds / "pages").glob("*.md"))]
    folder = tmp / "corpus"
    folder.mkdir()
    written, n = 0, 0
    while written < megabytes * 1e6:
        text = _vary(pages[n % len(pages)], rng, 0.3)
        (folder / f"page-{n:05d}.md").write_text(text, encoding="utf-8")
        written += len(text.encode("utf-8"))
        n += 1
    with DocsIndex(tmp / "ingest.sqlite") as index:
        started = time.perf_counter()
        ingester = Ingester(index, base_dir=tmp, limits=FetchLimits(max_docs=n + 1))
        report = asyncio.run(ingester.add(str(folder)))
        seconds = time.perf_counter() - started
    return {
        "documents": report.added,
        "chunks": report.chunks,
        "megabytes": round(report.bytes / 1e6, 2),
        "seconds": round(seconds, 2),
        "mb_per_s": round(report.bytes / 1e6 / seconds, 2),
    }


def query_latency(
    seeds: Path, questions: list[dict[str, str]], tmp: Path, n_chunks: int, n_queries: int, rng: random.Random
) -> dict[str, Any]:
    base = [c for p in sorted((seeds / "pages").glob("*.md")) for c in chunk_markdown(p.read_text(encoding="utf-8"))]
    vocab = _synthetic_vocabulary(rng, 50_000)
    with DocsIndex(tmp / "query.sqlite") as index:
        source = index.add_source("synthetic", str(tmp), "folder", None)
        started = time.perf_counter()
        per_doc = 50
        for d in range(0, n_chunks, per_doc):
            chunks = []
            for _ in range(min(per_doc, n_chunks - d)):
                chunk = rng.choice(base)
                text = _vary(chunk.text, rng, 0.5, vocab)
                chunks.append(chunk.__class__(chunk.heading, chunk.start_line, chunk.end_line, text, estimate_tokens(text)))
            meta = DocumentIn(key=f"doc-{d}", path=f"/synthetic/doc-{d}.md", sha256=str(d), bytes=0)
            index.put_document(source.id, meta, chunks)
        index.refresh_stats()
        build = time.perf_counter() - started
        queries = [q["question"] for q in questions]
        while len(queries) < n_queries:
            q = rng.choice(questions)["question"]
            queries.append(f"{q} {rng.choice(vocab)}")  # a rare term too, as real queries have
        for q in queries[:20]:
            index.search(q, k=5)  # warm the page cache, as a running server would be
        samples = []
        for q in queries[:n_queries]:
            t0 = time.perf_counter()
            index.search(q, k=5)
            samples.append(time.perf_counter() - t0)
        size = (tmp / "query.sqlite").stat().st_size
        return {
            "chunks": index.chunk_count(),
            "build_s": round(build, 1),
            "db_mb": round(size / 1e6, 1),
            "queries": len(samples),
            "ms": summary(samples),
            "goal_p50_ms": 5.0,
        }


def _synthetic_vocabulary(rng: random.Random, size: int) -> list[str]:
    syllables = ["ka", "lo", "mi", "tra", "vel", "dor", "quin", "sa", "pe", "rux", "zen", "bo", "fi", "gar", "nu", "wex"]
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def _vary(text: str, rng: random.Random, rate: float, vocab: list[str] | None = None) -> str:
    """Swap a share of the words: for synthetic vocab, Zipf-like (a few words common, most rare)."""

    def swap(match: re.Match[str]) -> str:
        if rng.random() >= rate:
            return match.group(0)
        if vocab is None:
            return match.group(0)[::-1]
        return vocab[min(len(vocab) - 1, int(rng.paretovariate(1.0)) - 1)] if rng.random() < 0.5 else rng.choice(vocab)

    return _WORD.sub(swap, text)
