"""`tether context FILE:LINE` (what an edit there would show the model) and `tether digest` (the repo as one text)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from ..errors import InputError, TetherError
from .common import add_model_flags, engine_from, print_json, run_op


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("context", help="show the context an edit at FILE:LINE would give the model")
    p.add_argument("location", metavar="FILE:LINE", help="file and 1-based line, or FILE:A-B for a range")
    p.add_argument("--instruction", "-m", default="", help="the instruction the edit would carry (ranks the repo map)")
    p.add_argument("--json", action="store_true", help="print the pack as JSON")
    p.add_argument("--verbose", "-v", action="store_true", help="print each item's text too")
    p.add_argument("--fresh", action="store_true", help="ignore pending proposals: gather what a new edit would get")
    add_model_flags(p)
    p.set_defaults(func=run_context)

    p = sub.add_parser("digest", help="the workspace as one LLM-friendly text (tree + files)")
    p.add_argument("path", nargs="?", default="", help="a folder or file inside the workspace (default: all of it)")
    p.add_argument("--max-tokens", type=int, help="leave files out to stay within this many tokens")
    p.add_argument("--output", "-o", help="write the digest to this file instead of stdout")
    p.add_argument("--json", action="store_true", help="print a JSON summary (and the text unless --output)")
    add_model_flags(p)
    p.set_defaults(func=run_digest)


def parse_location(spec: str) -> tuple[str, int, int]:
    """'path:L' or 'path:A-B' (1-based, inclusive) -> (path, 0-based start, 0-based exclusive end)."""
    path, sep, lines = spec.rpartition(":")
    if not sep or not path:
        raise InputError(f"Give a location as FILE:LINE (like src/app.py:42); got {spec!r}.")
    first, _, last = lines.partition("-")
    try:
        start, end = int(first), int(last or first)
    except ValueError:
        raise InputError(f"{spec!r}: the part after ':' must be a line number or A-B.") from None
    if start < 1 or end < start:
        raise InputError(f"{spec!r}: lines start at 1 and a range must not run backwards.")
    return path, start - 1, end


def run_context(args: argparse.Namespace) -> int:
    from ..ops.show import context_for, pack_json, pack_text, proposal_at, sources_json, sources_text

    path, start, end = parse_location(args.location)
    engine = engine_from(args)
    proposal = None if args.fresh else proposal_at(engine, path, start)
    if proposal is not None:
        # What the model saw for the pending proposal there (sources are recorded, texts are not).
        if args.json:
            print_json({"proposal": proposal.id, "instruction": proposal.instruction, **sources_json(proposal.sources)})
        else:
            sys.stdout.write(f"Proposal {proposal.id} ({proposal.instruction}) saw:\n{sources_text(proposal.sources)}\n")
        return 0
    pack = run_op(engine, context_for(engine, path, start, end, args.instruction))
    if args.json:
        print_json(pack_json(pack, with_text=args.verbose))
    else:
        sys.stdout.write(pack_text(pack, args.verbose) + "\n")
    return 0


def run_digest(args: argparse.Namespace) -> int:
    from ..context.budget import counter_for
    from ..context.digest import build_digest, repo_ranks

    if args.max_tokens is not None and args.max_tokens < 1:
        raise InputError("--max-tokens must be a positive number of tokens.")
    engine = engine_from(args)
    sub = engine.workspace.rel(args.path) if args.path else ""
    sub = "" if sub == "." else sub

    async def go():
        try:
            backend = engine.backend("edit")
        except TetherError:
            backend = None
        counter = counter_for(backend)
        # Source files ranked by the repo map (its cache shared with edits); the budget is filled in that order.
        ranks = await asyncio.to_thread(repo_ranks, engine.workspace.root, Path(engine.data_dir) / "repomap.sqlite")
        digest = await build_digest(engine.workspace.root, counter.count, sub, args.max_tokens, ranks)
        return digest, counter.exact

    digest, exact = run_op(engine, go())
    if args.output:
        Path(args.output).write_text(digest.text, encoding="utf-8")
    if args.json:
        data = {
            "tokens": digest.tokens,
            "tokenizer": "model" if exact else "estimate",
            "included": digest.included,
            "omitted": digest.omitted,
            "skipped": digest.skipped,
        }
        if not args.output:
            data["text"] = digest.text
        print_json(data)
    elif not args.output:
        sys.stdout.write(digest.text)
    how = "" if exact else " (estimated: the model could not be loaded)"
    print(
        f"{len(digest.included)} file{'' if len(digest.included) == 1 else 's'}, {digest.tokens:,} tokens{how}"
        + (f"; {len(digest.omitted)} left out for --max-tokens" if digest.omitted else ""),
        file=sys.stderr,
    )
    return 0
