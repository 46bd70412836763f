"""`tether proposals`: review journaled proposals from a terminal (list, show, accept, reject, prune, clear)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ..errors import InputError
from ..ops.repo import list_runs, load_run
from ..ops.review import accept_on_disk, locate_proposal, reject
from ..proposals import Proposal
from ..slider import Level
from .common import engine_from, print_json
from .render import conflict_notes, entry_line, plural, print_list, print_review, proposal_json, proposal_line, write_diff

if TYPE_CHECKING:
    from ..engine import Engine

DEFAULT_PRUNE_DAYS = 7.0  # `prune` without --older-than when automatic archiving is off (0)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("proposals", help="list, show, accept, reject, prune or clear proposals")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    v = verbs.add_parser("list", help="pending proposals (--all: every one)")
    v.add_argument("--all", action="store_true", help="every proposal, decided ones too")
    v.add_argument("--json", action="store_true", help="print the proposals as JSON")
    v.set_defaults(func=run_list)
    v = verbs.add_parser("show", help="a proposal's diff on stdout; its hunks (ids, lines now, states) and sources on stderr")
    v.add_argument("id", help="proposal id (any unique prefix)")
    v.add_argument("--json", action="store_true", help="print the proposal as JSON")
    v.set_defaults(func=run_show)
    for name, func in (("accept", run_accept), ("reject", run_reject)):
        v = verbs.add_parser(name, help=f"{name} hunks (default: every pending hunk)")
        v.add_argument("id", nargs="?" if name == "reject" else None, help="proposal id (any unique prefix)")
        v.add_argument("--hunk", action="append", dest="hunks", help="hunk id; repeat for several")
        v.add_argument("--json", action="store_true", help="print the proposal as JSON")
        if name == "reject":
            v.add_argument("--all", action="store_true", dest="every", help="reject every pending proposal")
            v.add_argument("--run", metavar="RUN_ID", help="reject every pending proposal of this repo run (id or unique prefix)")
        if name == "accept":
            v.add_argument(
                "--take-proposal",
                action="store_true",
                help="also accept hunks in conflict (you edited their lines): your version of those lines is replaced by the proposal's",
            )
        v.set_defaults(func=func)
    v = verbs.add_parser("prune", help="archive decided proposals older than DAYS (--delete: remove them)")
    v.add_argument(
        "--older-than", type=float, metavar="DAYS", help="days since the last decision (default: proposals.archive_after_days, else 7)"
    )
    v.add_argument("--all-decided", action="store_true", help="every decided proposal, whatever its age")
    v.add_argument("--delete", action="store_true", help="delete them for good (and archived ones older than DAYS) instead of archiving")
    v.add_argument("--dry-run", action="store_true", help="say what would be done, do nothing")
    v.add_argument("--json", action="store_true", help="print what was pruned as JSON")
    v.set_defaults(func=run_prune)
    v = verbs.add_parser("clear", help="archive every decided proposal now (prune --all-decided; --delete: remove them)")
    v.add_argument("--delete", action="store_true", help="delete them for good (and every archived one) instead of archiving")
    v.add_argument("--dry-run", action="store_true", help="say what would be done, do nothing")
    v.add_argument("--json", action="store_true", help="print what was cleared as JSON")
    v.set_defaults(func=run_prune, all_decided=True, older_than=None)


def run_list(args: argparse.Namespace) -> int:
    """Hunk states come from the files on disk: a pending hunk whose lines were edited shows as a conflict."""
    engine = engine_from(args)
    items = with_runs(engine, engine.store.all() if args.all else engine.store.pending())
    located = {p.id: locate_proposal(p, engine.workspace.read_text) for p in items}
    if args.json:
        print_json([proposal_json(p, located[p.id]) for p in items])
    else:
        print_list(items, located)
    return 0


def run_show(args: argparse.Namespace) -> int:
    """The diff on stdout (as made, base-relative, so it pipes into ``git apply``); on stderr the
    review: run and step, each hunk's id, lines now and state, the sources, and conflict notes."""
    engine = engine_from(args)
    [proposal] = with_runs(engine, [engine.store.get(args.id)])
    located = locate_proposal(proposal, engine.workspace.read_text)
    if args.json:
        print_json(proposal_json(proposal, located))
    else:
        print_review(proposal, located, sys.stderr)
        write_diff(proposal.diff())
        for note in conflict_notes(located):
            print(f"note: {note}", file=sys.stderr)
    return 0


def run_accept(args: argparse.Namespace) -> int:
    engine = engine_from(args)
    proposal, plans = accept_on_disk(engine, args.id, args.hunks, overwrite_conflicts=args.take_proposal)
    hunks = plural(sum(len(p.hunk_ids) for p in plans), "hunk")
    return _report(args, engine, proposal, f"Applied {hunks} to {plural(len(plans), 'file')}.")


def run_reject(args: argparse.Namespace) -> int:
    """One proposal (``ID [--hunk H]...``), or in bulk: ``--all`` pending ones, or those of ``--run RUN_ID``."""
    engine = engine_from(args)
    chosen = sum(1 for given in (args.id, args.every, args.run) if given)
    if chosen != 1:
        raise InputError("Give one of: a proposal ID, --all (every pending proposal), or --run RUN_ID.")
    if args.id:
        return _report(args, engine, reject(engine, args.id, args.hunks), "Rejected.")
    if args.hunks:
        raise InputError("--hunk names hunks of one proposal; it goes with an ID, not with --all or --run.")
    done = [reject(engine, p.id) for p in _pending(engine, args.run)]
    if args.json:
        print_json([proposal_json(p, locate_proposal(p, engine.workspace.read_text)) for p in done])
        return 0
    for proposal in done:
        print(proposal_line(proposal))
    scope = f" of run {args.run}" if args.run else ""
    print(f"Rejected {plural(len(done), 'pending proposal')}{scope}.")
    return 0


def with_runs(engine: Engine, proposals: list[Proposal]) -> list[Proposal]:
    """``proposals`` with ``run_id``/``step``/``step_intent`` filled in from the run journals
    (``.tether/runs/``) for repo-level ones journaled before proposals recorded them; copies, the
    journals are not rewritten. Reads the run journals only when such a proposal is there."""
    if not any(p.level == Level.REPO and not p.run_id for p in proposals):
        return proposals
    where: dict[str, dict[str, object]] = {}
    for run in list_runs(engine):
        where[run.id] = {"run_id": run.id}  # the run's plan proposal has the run's id
        for step in run.steps:
            where.update({pid: {"run_id": run.id, "step": step.number, "step_intent": step.intent} for pid in step.proposals})
    return [p.model_copy(update=where[p.id]) if not p.run_id and p.id in where else p for p in proposals]


def _pending(engine: Engine, run_id: str | None) -> list[Proposal]:
    """Pending or partial proposals: every one, or those a repo run made (``run_id``: id or unique prefix)."""
    if run_id is None:
        return engine.store.pending()
    run = load_run(engine, run_id)
    ids = set(run.proposals)
    return [p for p in engine.store.pending() if p.id in ids or p.run_id == run.id]


def _report(args: argparse.Namespace, engine, proposal, message: str) -> int:
    located = locate_proposal(proposal, engine.workspace.read_text)
    if args.json:
        print_json(proposal_json(proposal, located))
    else:
        print(f"{message} {proposal_line(proposal, located)}")
    return 0


def run_prune(args: argparse.Namespace) -> int:
    """Archive (or ``--delete``) decided proposals: done, rejected or empty, with no write in flight.
    Pending and partial proposals are never touched. Reads the journal's index, not the journals."""
    engine = engine_from(args)
    days = None if args.all_decided else args.older_than if args.older_than is not None else _default_days(engine)
    store = engine.store
    store.archive_after_days = 0  # prune chooses itself (and --dry-run changes nothing)
    chosen = store.decided(days)
    old_archived = store.archived(days) if args.delete else []
    if args.dry_run:
        done, verb = chosen, "Would delete" if args.delete else "Would archive"
    elif args.delete:
        done, verb = store.delete(chosen), "Deleted"
        store.delete_archived(old_archived)
    else:
        done, verb = store.archive(chosen), "Archived"
    left = [e.id for e in chosen if e not in done]
    if args.json:
        print_json(
            {
                "action": "delete" if args.delete else "archive",
                "dry_run": args.dry_run,
                "older_than_days": days,
                "proposals": [e.id for e in done],
                "archived_deleted": old_archived,
                "left": left,
            }
        )
        return 0
    for entry in done:
        print(entry_line(entry))
    age = "decided" if days is None else f"decided more than {days:g} days ago"
    also = f" (and {len(old_archived)} archived ones)" if old_archived else ""
    where = "" if args.delete else f" into {store.folder / 'archive'}"
    print(f"{verb} {plural(len(done), 'proposal')} {age}{also}{where}.")
    if left:
        print(f"Left {len(left)} that changed meanwhile: {', '.join(left)}.")
    return 0


def _default_days(engine: Engine) -> float:
    days = float(engine.settings.proposals.archive_after_days)
    return days if days > 0 else DEFAULT_PRUNE_DAYS
