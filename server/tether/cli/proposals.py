"""`tether proposals`: review journaled proposals from a terminal (list, show, accept, reject)."""

from __future__ import annotations

import argparse
import sys

from ..ops.review import accept_on_disk, reject
from .common import engine_from, print_json
from .render import proposal_json, proposal_line


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
        v.set_defaults(func=func)


def run_list(args: argparse.Namespace) -> int:
    engine = engine_from(args)
    items = engine.store.all() if args.all else engine.store.pending()
    if args.json:
        print_json([proposal_json(p) for p in items])
    else:
        for proposal in items:
            print(proposal_line(proposal))
    return 0


def run_show(args: argparse.Namespace) -> int:
    proposal = engine_from(args).store.get(args.id)
    if args.json:
        print_json(proposal_json(proposal))
    else:
        sys.stdout.write(proposal.diff())
    return 0


def run_accept(args: argparse.Namespace) -> int:
    proposal, plans = accept_on_disk(engine_from(args), args.id, args.hunks)
    return _report(args, proposal, f"Applied {sum(len(p.hunk_ids) for p in plans)} hunks to {len(plans)} files.")


def run_reject(args: argparse.Namespace) -> int:
    proposal = reject(engine_from(args), args.id, args.hunks)
    return _report(args, proposal, "Rejected.")


def _report(args: argparse.Namespace, proposal, message: str) -> int:
    if args.json:
        print_json(proposal_json(proposal))
    else:
        print(f"{message} {proposal_line(proposal)}")
    return 0
