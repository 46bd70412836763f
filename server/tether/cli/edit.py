"""`tether complete` and `tether edit`: the COMPLETE, SELECTION and FILE levels from a terminal."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..argtypes import at_least_one, int_between
from ..config import COMPLETE_MAX_TOKENS
from ..errors import InputError
from ..lines import split_lines
from ..ops.review import accept_on_disk, locate_proposal
from ..proposals import Proposal
from .common import add_level_flag, add_model_flags, engine_from, print_json, run_op
from .render import plural, print_review, proposal_json, write_diff


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("complete", help="complete the code at a position (prints the inserted text)")
    p.add_argument("file", help="the file to complete in (inside the workspace)")
    p.add_argument("--line", type=at_least_one, required=True, help="1-based line")
    p.add_argument("--col", type=at_least_one, required=True, help="1-based column (code points)")
    p.add_argument(
        "--max-tokens",
        type=int_between(1, COMPLETE_MAX_TOKENS),
        help=f"the most tokens to insert, 1..{COMPLETE_MAX_TOKENS} (default: the complete settings)",
    )
    p.add_argument("--json", action="store_true", help="print the completion as JSON (text, model, fim, elapsed_s, sources)")
    add_model_flags(p)
    p.set_defaults(func=run_complete)

    p = sub.add_parser("edit", help="propose an edit of a file or a line range (prints a unified diff)")
    p.add_argument("file", help="the file to edit (inside the workspace)")
    p.add_argument("-m", "--message", required=True, help="the instruction")
    p.add_argument("--lines", help="A-B: 1-based inclusive line range (a selection edit); default: the whole file")
    p.add_argument("--apply", action="store_true", help="apply every hunk to the file")
    p.add_argument("--json", action="store_true", help="print the proposal as JSON")
    p.add_argument("--output", help="also write the diff to this file")
    add_level_flag(p)
    add_model_flags(p)
    p.set_defaults(func=run_edit)


def parse_lines(spec: str) -> tuple[int, int]:
    """'A-B' (1-based, inclusive) -> 0-based [start, end)."""
    try:
        first, _, last = spec.partition("-")
        start, end = int(first), int(last or first)
    except ValueError:
        raise InputError(f"--lines takes A-B, like 3-10; got {spec!r}.") from None
    if start < 1 or end < start:
        raise InputError(f"--lines {spec}: lines start at 1 and the range must not run backwards.")
    return start - 1, end


def run_complete(args: argparse.Namespace) -> int:
    from ..ops.complete import complete

    engine = engine_from(args)
    text = engine.workspace.read_text(args.file)
    result = run_op(engine, complete(engine, args.file, text, args.line - 1, args.col - 1, max_tokens=args.max_tokens))
    if args.json:
        print_json(result.model_dump(mode="json"))
    else:
        sys.stdout.write(result.text + "\n")
    return 0


def run_edit(args: argparse.Namespace) -> int:
    from ..ops.edit import edit_file, edit_selection

    engine = engine_from(args)
    if args.lines:
        start, end = parse_lines(args.lines)
        op = edit_selection(engine, args.file, args.message, start, end)
    else:
        op = edit_file(engine, args.file, args.message)
    proposal: Proposal = run_op(engine, op)
    diff = proposal.diff()
    if args.output:
        Path(args.output).write_text(diff, encoding="utf-8")
    if args.apply and proposal.files:
        proposal, _ = accept_on_disk(engine, proposal.id)
    located = locate_proposal(proposal, engine.workspace.read_text)
    if args.json:
        print_json(proposal_json(proposal, located))
        return 0
    if diff:
        write_diff(diff)
    else:
        print("No changes proposed.", file=sys.stderr)
    if proposal.files:
        print_review(proposal, located, sys.stderr)  # hunk ids, lines, states and sources: stdout stays a clean diff
        state = "applied" if args.apply else "pending"
        print(f"Proposal {proposal.id} ({state}: {_line_counts(proposal)}).", file=sys.stderr)
    return 0


def _line_counts(proposal: Proposal) -> str:
    """'2 lines added, 1 removed' over the proposal's hunks (a replaced line counts once each way)."""
    marks = [line[:1] for f in proposal.files for h in f.hunks for line in split_lines(h.diff)[1:]]
    added, removed = marks.count("+"), marks.count("-")
    return f"{plural(added, 'line')} added, {removed} removed"
