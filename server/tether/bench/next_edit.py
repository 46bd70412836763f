"""`tether bench next-edit`: next-edit suggestions replayed on a git repository's real history.

For each commit (newest first; merges, root commits and commits with no usable file skipped) the
first modified text file whose change has at least two hunks is taken. Hunks are
``difflib.SequenceMatcher.get_grouped_opcodes(3)`` groups of the parent's and the commit's lines
(the hunks of a unified diff with 3 context lines; difflib's matcher, not git's, so a hunk may
split differently from `git diff`'s). The first hunk is the person's edit: it is applied to the
parent's text, fed to an ``EditHistory`` as one event, and the cursor put at the end of its new
lines. ``ops.next_edit`` is then asked for the next edit, and the suggestion compared with the
commit's remaining hunks of that file:

- exact: the document after the suggestion equals the document after one remaining hunk;
- within range: the suggestion's lines (0-based, inclusive) overlap one remaining hunk's lines
  in the same document (an insertion counts as the line it sits at).

Latency is the op's end to end time (ms). With the llama.cpp backend each suggestion's prompt is
also sent raw to a separately loaded copy of the model (``Llama.create_completion``, same tokens,
same ``max_tokens``, same stop strings), alternating which goes first, and the ratio of the p50s
reported (goal <= 1.10).
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import functools
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..argtypes import at_least_one, int_at_least
from ..backends.llamacpp import LlamaCppBackend
from ..config import load_settings
from ..context.edit_history import EditHistory
from ..engine import Engine
from ..errors import InputError, TetherError
from ..lines import split_lines
from ..ops.next_edit import ROLE, Replacement, jump_target, next_edit, prompt_format
from ..prompts.next_edit import editable_region, instruct_request, zeta_request
from ..prompts.next_edit_sweep import sweep_request
from .stats import print_json, summary

GPU_LAYERS = int_at_least(-1, "-1: all that fit, 0: CPU only")

MAX_FILE_CHARS = 200_000  # a larger file is skipped ("huge")
GOAL_RATIO = 1.10


def register(benches: argparse._SubParsersAction) -> None:
    p = benches.add_parser("next-edit", help="next-edit exact/within-range hit rates on a repo's history; latency vs raw llama.cpp")
    p.add_argument("--repo", default=".", help="git repository whose history is replayed (default: the current directory)")
    p.add_argument("--commits", type=at_least_one, default=20, help="commits replayed (default 20)")
    p.add_argument("--model", help="GGUF path (default: the bundled model)")
    p.add_argument("--format", choices=["zeta", "sweep", "instruct", "fim"], help="next_edit.format (default: the settings')")
    p.add_argument("--max-tokens", type=at_least_one, help="next_edit.max_tokens (default: the settings')")
    p.add_argument(
        "--n-gpu-layers", type=GPU_LAYERS, default=-1, help="layers offloaded to the GPU (-1: all that fit, 0: CPU only; default -1)"
    )
    p.add_argument("--n-threads", type=at_least_one, help="llama.cpp threads, ours and raw (default: llama.cpp's choice)")
    p.add_argument("--no-raw", action="store_true", help="skip the raw llama.cpp comparison")
    p.add_argument("--json", action="store_true", help="JSON output (the default; kept for symmetry)")
    p.set_defaults(func=lambda args: print_json(asyncio.run(run(args))))


@dataclass(frozen=True)
class Hunk:
    """Lines [old_start, old_end) of the old text (0-based) became ``new_lines`` (breaks kept)."""

    old_start: int
    old_end: int
    new_lines: list[str]


@dataclass(frozen=True)
class Case:
    """One replayed commit: ``before`` is the parent's text with the first hunk applied; the
    cursor is at 0-based ``line`` / code-point ``col``; ``remaining`` are the other hunks in
    ``before``'s line numbers."""

    commit: str
    path: str
    parent_text: str
    before: str
    line: int
    col: int
    remaining: list[Hunk]


def hunks(old: str, new: str) -> list[Hunk]:
    """The hunks turning ``old`` into ``new`` (see the module docstring), first to last, in ``old``'s line numbers."""
    a, b = split_lines(old, keepends=True), split_lines(new, keepends=True)
    found = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(3):
        changed = [op for op in group if op[0] != "equal"]
        first, last = changed[0], changed[-1]
        found.append(Hunk(first[1], last[2], b[first[3] : last[4]]))
    return found


def apply_hunk(text: str, hunk: Hunk) -> str:
    """``text`` with ``hunk`` applied."""
    lines = split_lines(text, keepends=True)
    return "".join(lines[: hunk.old_start] + hunk.new_lines + lines[hunk.old_end :])


def apply_replacement(text: str, rep: Replacement) -> str:
    """``text`` with ``rep`` applied (0-based lines, code-point columns)."""
    starts = [0]
    for line in split_lines(text, keepends=True):
        starts.append(starts[-1] + len(line))

    def at(line: int, col: int) -> int:
        return starts[min(line, len(starts) - 1)] + col

    return text[: at(rep.start_line, rep.start_col)] + rep.text + text[at(rep.end_line, rep.end_col) :]


def make_case(commit: str, path: str, old: str, new: str) -> Case | None:
    """The replay case for one file's change, or None when it has fewer than two hunks."""
    found = hunks(old, new)
    if len(found) < 2:
        return None
    first = found[0]
    before = apply_hunk(old, first)
    shift = len(first.new_lines) - (first.old_end - first.old_start)
    remaining = [Hunk(h.old_start + shift, h.old_end + shift, h.new_lines) for h in found[1:]]
    if first.new_lines:
        line = first.old_start + len(first.new_lines) - 1
        col = len(first.new_lines[-1].rstrip("\r\n"))
    else:
        line, col = first.old_start, 0
    return Case(commit, path, old, before, line, col, remaining)


def cases(repo_path: Path, count: int, skipped: dict[str, int]) -> list[Case]:
    """Up to ``count`` cases from ``repo_path``'s history, newest commit first (GitPython); the
    reasons commits were passed over are counted in ``skipped``. Raises InputError for a path that
    is no git repository."""
    import git

    try:
        repo = git.Repo(repo_path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise InputError(f"{repo_path} is not a git repository; pass one with --repo PATH.") from None
    found: list[Case] = []
    for commit in repo.iter_commits():
        if len(found) >= count:
            break
        if len(commit.parents) != 1:
            skipped["merge_or_root"] = skipped.get("merge_or_root", 0) + 1
            continue
        case, reason = _commit_case(commit)
        if case is None:
            skipped[reason] = skipped.get(reason, 0) + 1
        else:
            found.append(case)
    return found


def _commit_case(commit: Any) -> tuple[Case | None, str]:
    reason = "no_modified_file"
    for diff in commit.parents[0].diff(commit):
        if diff.change_type != "M" or diff.a_blob is None or diff.b_blob is None:
            continue
        if max(diff.a_blob.size, diff.b_blob.size) > MAX_FILE_CHARS:
            reason = "huge"
            continue
        try:
            old = diff.a_blob.data_stream.read().decode("utf-8")
            new = diff.b_blob.data_stream.read().decode("utf-8")
        except UnicodeDecodeError:
            reason = "binary"
            continue
        if "\0" in old or "\0" in new:
            reason = "binary"
            continue
        case = make_case(commit.hexsha, diff.b_path, old, new)
        if case is not None:
            return case, ""
        reason = "one_hunk"
    return None, reason


def score(case: Case, rep: Replacement | None) -> tuple[bool, bool]:
    """(exact, within range) for a suggestion on ``case`` (see the module docstring)."""
    if rep is None:
        return False, False
    after = apply_replacement(case.before, rep)
    exact = any(after == apply_hunk(case.before, h) for h in case.remaining)
    within = any(rep.start_line <= max(h.old_end - 1, h.old_start) and h.old_start <= rep.end_line for h in case.remaining)
    return exact, within


async def replay(engine: Engine, found: list[Case], raw: Any = None) -> dict[str, Any]:
    """Ask ``engine``'s next-edit op for each case; rates, latency (ms) and per-case results.
    ``raw``: a ``llama_cpp.Llama`` to time the same prompts against (llama.cpp backend only)."""
    cfg = engine.settings.next_edit
    ours: list[float] = []
    theirs: list[float] = []
    paired: list[float] = []  # our times of the cases the raw call also ran (ratio_p50 compares these)
    rows = []
    exact_n = within_n = 0
    for index, case in enumerate(found):
        history = EditHistory()
        history.observe(case.path, case.parent_text, 0)
        event = history.observe(case.path, case.before, 1)
        events = history.events_text(case.path, cfg.max_events)
        names = event.removed_names() if event else []
        direct = None
        if raw is not None:
            direct = await _raw_call(engine, raw, case, events, names)
        raw_s = None
        if direct is not None and index % 2:
            raw_s = _timed(direct)
        start = time.perf_counter()
        error = reason = None
        rep = None
        try:
            result = await next_edit(engine, case.path, case.before, case.line, case.col, events=events, names=names)
            rep = result.replacement
        except TetherError as exc:
            error, reason = type(exc).__name__, str(exc)[:300]
        ours.append(time.perf_counter() - start)
        if direct is not None and not index % 2:
            raw_s = _timed(direct)
        if raw_s is not None:
            theirs.append(raw_s)
            paired.append(ours[-1])
        exact, within = score(case, rep)
        exact_n += exact
        within_n += within
        rows.append(
            {
                "commit": case.commit[:12],
                "path": case.path,
                "cursor": [case.line, case.col],
                "remaining_hunks": len(case.remaining),
                "suggested": None if rep is None else [rep.start_line, rep.end_line],
                "exact": exact,
                "within_range": within,
                "error": error,
                "reason": reason,  # the error's message (first 300 characters): why no suggestion was made
                "ms": round(ours[-1] * 1000, 1),
            }
        )
    n = len(found)
    out: dict[str, Any] = {
        "bench": "next-edit",
        "format": prompt_format(engine.settings, _backend(engine)),  # the serving slot's, else next_edit.format
        "max_tokens": cfg.max_tokens,
        "cases": n,
        "exact_match_rate": round(exact_n / n, 3) if n else None,
        "within_range_rate": round(within_n / n, 3) if n else None,
        "suggestions": sum(1 for r in rows if r["suggested"] is not None),
        "errors": sum(1 for r in rows if r["error"]),
        "latency_ms": {k: v for k, v in summary(ours).items() if k in ("p50", "p90", "mean", "n")},
        "raw_ms": None,
        "ratio_p50": None,
        "goal_ratio_p50": GOAL_RATIO,
        "results": rows,
    }
    if theirs:
        out["raw_ms"] = {k: v for k, v in summary(theirs).items() if k in ("p50", "p90", "mean", "n")}
        out["ratio_p50"] = round(summary(paired)["p50"] / summary(theirs)["p50"], 3)
    return out


async def _raw_call(engine: Engine, raw: Any, case: Case, events: str, names: list[str]) -> Any:
    """A thunk calling ``raw`` on the prompt tokens the op sends for ``case`` (the op's request
    built as ``ops.next_edit`` builds it), or None for the fim format."""
    cfg = engine.settings.next_edit
    backend = _backend(engine)
    fmt = prompt_format(engine.settings, backend)
    if fmt == "fim":
        return None
    assert isinstance(backend, LlamaCppBackend)
    region = editable_region(case.before, case.line, case.col, cfg.lines_before, cfg.lines_after)
    target = jump_target(case.before, region, case.line, names)
    if target is not None:
        region = editable_region(case.before, target[0], target[1], cfg.lines_before, cfg.lines_after)
    if fmt == "zeta":
        request = zeta_request(case.path, case.before, region, events, cfg.max_tokens)
    elif fmt == "sweep":
        request = sweep_request(case.path, case.before, region, events, cfg.max_tokens)
    else:
        request = instruct_request(case.path, region, events, cfg.max_tokens)
    tokens, stop = backend.prompt_tokens(await backend.worker(), request)
    return functools.partial(raw.create_completion, tokens, max_tokens=cfg.max_tokens, temperature=0.0, stop=stop, repeat_penalty=1.0)


def _backend(engine: Engine) -> Any:
    return engine.backend(ROLE if engine.settings.roles.get(ROLE) else "complete")


def _timed(fn: Any) -> float | None:
    """Seconds ``fn`` took, or None when llama.cpp refused it (a prompt over the context window)."""
    start = time.perf_counter()
    try:
        fn()
    except ValueError:
        return None
    return time.perf_counter() - start


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """The bench on the bundled (or ``--model``) GGUF through the llama.cpp backend."""
    skipped: dict[str, int] = {}
    found = cases(Path(args.repo), args.commits, skipped)
    with tempfile.TemporaryDirectory() as tmp:
        bundled: dict[str, Any] = {"n_gpu_layers": args.n_gpu_layers}
        if args.n_threads:
            bundled["n_threads"] = args.n_threads
        if args.model:
            bundled["path"] = args.model
        layer: dict[str, Any] = {"models": {"bundled": bundled}, "next_edit": {}}
        if args.format:
            layer["next_edit"]["format"] = args.format
            bundled["next_edit_format"] = args.format  # wins over a format the slot sets in a user tether.toml
        if args.max_tokens is not None:
            layer["next_edit"]["max_tokens"] = args.max_tokens
        engine = Engine(load_settings(Path(tmp), env={}, overrides=layer), Path(tmp))
        backend = _backend(engine)
        raw = None
        try:
            if isinstance(backend, LlamaCppBackend) and not args.no_raw:
                import llama_cpp

                await backend.worker()
                cfg = backend.config
                raw = llama_cpp.Llama(
                    model_path=str(backend.path),
                    n_ctx=cfg.n_ctx,
                    n_batch=cfg.n_batch,
                    verbose=False,
                    n_threads=cfg.n_threads,  # None lets llama.cpp decide, as the worker does
                    n_gpu_layers=cfg.n_gpu_layers if llama_cpp.llama_supports_gpu_offload() else 0,
                )
            result = await replay(engine, found, raw)
        finally:
            if raw is not None:
                raw.close()
            await engine.aclose()
    result["repo"] = str(Path(args.repo).resolve())
    result["skipped_commits"] = skipped
    result["model"] = str(getattr(backend, "path", backend.name))
    return result
