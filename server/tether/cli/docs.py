"""`tether docs add|list|search|rm`: manage the documentation index (docs/docs-ingest.md).

The index is ``<data_dir>/docs.sqlite`` (``<workspace>/.tether`` unless ``data_dir`` is set),
or the user data dir with ``--global``. Progress bars go to stderr, only on a terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError
from ..lines import split_lines
from .common import print_json, settings_from, stderr_progress


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("docs", help="ingest and search documentation (llms.txt, markdown)")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)

    v = verbs.add_parser("add", help="ingest an llms.txt (file or URL, known by its content), a markdown file or a folder; again to update")
    v.add_argument("source", help="llms.txt path or URL, site URL, markdown file or URL, or folder")
    v.add_argument("--name", help="name of the source (default: the llms.txt title, or the file/folder name)")
    v.add_argument("--max-docs", type=int, default=500, help="most documents to take from the source (default 500)")
    v.add_argument("--max-bytes", type=int, default=2_000_000, help="largest document, in bytes (default 2000000)")
    v.add_argument("--timeout", type=float, default=15.0, help="seconds per HTTP request (default 15)")
    v.add_argument("--max-tokens", type=int, default=384, help="chunk size bound in tokens (default 384)")
    _common(v)
    v.set_defaults(func=run_add)

    v = verbs.add_parser("list", help="indexed sources with their document and chunk counts")
    _common(v)
    v.set_defaults(func=run_list)

    v = verbs.add_parser("search", help="search the index; prints chunks with citations")
    v.add_argument("query", help="what to look for (words; full-text search)")
    v.add_argument("-k", type=int, default=5, help="how many chunks (default 5)")
    v.add_argument("--source", help="only this source")
    v.add_argument("--no-optional", action="store_true", help="leave out pages from llms.txt 'Optional' sections")
    _common(v)
    v.set_defaults(func=run_search)

    v = verbs.add_parser("rm", help="remove a source and everything indexed from it")
    v.add_argument("name", help="the source's name (as `tether docs list` shows it)")
    _common(v)
    v.set_defaults(func=run_rm)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--global", dest="global_", action="store_true", help="use the user-wide index, not the workspace's")
    parser.add_argument("--json", action="store_true", help="JSON output")


def index_path(args: argparse.Namespace) -> Path:
    from ..docs.index import global_index_path, workspace_index_path

    if args.global_:
        return global_index_path()
    settings = settings_from(args)
    data_dir = Path(settings.data_dir) if settings.data_dir else Path(args.workspace).resolve() / ".tether"
    return workspace_index_path(data_dir)


def run_add(args: argparse.Namespace) -> int:
    from ..docs.embed import embed_missing, embedder_from_settings
    from ..docs.fetch import FetchLimits
    from ..docs.index import DocsIndex
    from ..docs.ingest import Ingester

    limits = FetchLimits(max_docs=args.max_docs, max_bytes=args.max_bytes, timeout_s=args.timeout)
    embedder = embedder_from_settings(settings_from(args))

    async def go(index: DocsIndex, progress) -> dict:
        ingester = Ingester(
            index, base_dir=Path(args.workspace).resolve(), max_tokens=args.max_tokens, limits=limits, progress=progress("Ingesting")
        )
        report = await ingester.add(args.source, name=args.name)
        data = report.model_dump()
        if embedder is not None:
            data["embedded"] = await embed_missing(index, embedder, progress("Embedding"))
        return data

    with DocsIndex(index_path(args)) as index, _progress() as progress:
        data = asyncio.run(go(index, progress))
    if args.json:
        print_json(data)
        return 0
    for warning in data["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"{data['source']}: {data['added']} added, {data['changed']} changed, {data['unchanged']} unchanged, "
        f"{data['removed']} removed, {data['failed']} failed; {data['chunks']} chunk{'s' * (data['chunks'] != 1)} written, "
        f"{data['bytes'] / 1e6:.2f} MB read in {data['seconds']:.1f}s"
    )
    print(f"{data['location']}: read as {data['read_as']}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from ..docs.index import DocsIndex

    path = index_path(args)
    sources = []
    if path.is_file():
        with DocsIndex(path, readonly=True) as index:
            sources = [s.model_dump() for s in index.list_sources()]
    if args.json:
        print_json(sources)
    elif not sources:
        print(f"No docs indexed in {path}; add some with `tether docs add SOURCE`.", file=sys.stderr)
    for s in [] if args.json else sources:
        print(f"{s['name']:24} {s['documents']:5} docs {s['chunks']:7} chunks  {s['kind']:8} {s['location']}")
    return 0


def run_search(args: argparse.Namespace) -> int:
    from ..docs.embed import embedder_from_settings
    from ..docs.index import DocsIndex
    from ..docs.search import rank

    embedder = embedder_from_settings(settings_from(args))
    with DocsIndex(index_path(args), readonly=True) as index:
        if args.source and index.source(args.source) is None:
            raise InputError(f"No docs source named '{args.source}'; `tether docs list` shows them.")
        hits = asyncio.run(rank(index, args.query, args.k, embedder, source=args.source, include_optional=not args.no_optional))
    if args.json:
        print_json([{**h.model_dump(), "citation": h.citation()} for h in hits])
        return 0
    for n, hit in enumerate(hits, 1):
        print(f"{n}. {hit.citation()}  [score {hit.score:.3f}]")
        for line in split_lines(hit.text.strip())[:4]:
            print(f"     {line}")
    if not hits:
        print("No matching docs.", file=sys.stderr)
    return 0


def run_rm(args: argparse.Namespace) -> int:
    from ..docs.index import DocsIndex

    path = index_path(args)
    removed = False
    if path.is_file():
        with DocsIndex(path) as index:
            removed = index.remove_source(args.name)
    if not removed:
        raise InputError(f"No docs source named '{args.name}'; `tether docs list` shows them.")
    if args.json:
        print_json({"removed": args.name})
    else:
        print(f"Removed {args.name}.")
    return 0


@contextmanager
def _progress() -> Iterator:
    """A factory of progress callbacks: rich bars on a terminal's stderr, silent otherwise."""
    bars = stderr_progress()

    def factory(label: str):
        task = bars.add_task(label, total=None)

        def update(done: int, total: int, _item: str) -> None:
            bars.update(task, completed=done, total=total)

        return update

    with bars:
        yield factory
