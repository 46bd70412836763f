"""`tether proposals`: review journaled proposals from a terminal (list, show, accept, reject)."""

from __future__ import annotations

import argparse
import sys

from ..ops.review import accept_on_disk, locate_proposal, reject
from .common import engine_from, print_json
from .render import conflict_notes, proposal_json, proposal_line


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("proposals", help="list, show, accept, reject or prune proposals")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    v = verbs.add_parser("list", help="pending proposals (--all: every one)")
    v.add_argument("--all", action="store_true")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=run_list)
    v = verbs.add_parser("show", help="a proposal's diff (or JSON)")
    v.add_argument("id")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=run_show)
    for name, func in (("accept", run_accept), ("reject", run_reject)):
        v = verbs.add_parser(name, help=f"{name} hunks (default: every pending hunk)")
        v.add_argument("id")
        v.add_argument("--hunk", action="append", dest="hunks", help="hunk id; repeat for several")
        v.add_argument("--json", action="store_true")
        if name == "accept":
            v.add_argument(
                "--take-proposal",
                action="store_true",
                help="also accept hunks in conflict (you edited their lines): your version of those lines is replaced by the proposal's",
            )
        v.set_defaults(func=func)


def run_list(args: argparse.Namespace) -> int:
    """Hunk states come from the files on disk: a pending hunk whose lines were edited shows as a conflict."""
    engine = engine_from(args)
    items = engine.store.all() if args.all else engine.store.pending()
    located = {p.id: locate_proposal(p, engine.workspace.read_text) for p in items}
    if args.json:
        print_json([proposal_json(p, located[p.id]) for p in items])
    else:
        for proposal in items:
            print(proposal_line(proposal, located[proposal.id]))
    return 0


def run_show(args: argparse.Namespace) -> int:
    """The diff on stdout (as made, base-relative); conflict hunks named on stderr, with their current lines."""
    engine = engine_from(args)
    proposal = engine.store.get(args.id)
    located = locate_proposal(proposal, engine.workspace.read_text)
    if args.json:
        print_json(proposal_json(proposal, located))
    else:
        sys.stdout.write(proposal.diff())
        for note in conflict_notes(located):
            print(f"note: {note}", file=sys.stderr)
    return 0


def run_accept(args: argparse.Namespace) -> int:
    engine = engine_from(args)
    proposal, plans = accept_on_disk(engine, args.id, args.hunks, overwrite_conflicts=args.take_proposal)
    return _report(args, engine, proposal, f"Applied {sum(len(p.hunk_ids) for p in plans)} hunks to {len(plans)} files.")


def run_reject(args: argparse.Namespace) -> int:
    engine = engine_from(args)
    proposal = reject(engine, args.id, args.hunks)
    return _report(args, engine, proposal, "Rejected.")


def _report(args: argparse.Namespace, engine, proposal, message: str) -> int:
    located = locate_proposal(proposal, engine.workspace.read_text)
    if args.json:
        print_json(proposal_json(proposal, located))
    else:
        print(f"{message} {proposal_line(proposal, located)}")
    return 0
