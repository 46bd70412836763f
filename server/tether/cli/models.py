"""`tether models list|info` and `tether doctor`: what models are configured, whether each role has one that works
(ops/doctor.py), and what llama.cpp can use."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

from ..backends.bundled import bundled_model_path
from ..config import FLAG_SLOT
from ..errors import ConfigError, ModelError, TetherError
from .common import add_model_flags, engine_from, print_json, run_op, settings_from

if TYPE_CHECKING:
    from ..ops.doctor import DoctorReport


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="configured model slots and roles")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    v = verbs.add_parser("list", help="model slots, their backends and roles")
    v.add_argument("--json", action="store_true", help="print the slots and roles as JSON")
    v.set_defaults(func=run_list)
    v = verbs.add_parser("info", help="load a model and show its capabilities (FIM style, n_ctx)")
    v.add_argument("name", nargs="?", default="bundled", help="the model slot (default: bundled)")
    v.add_argument("--json", action="store_true", help="print the capabilities as JSON")
    add_model_flags(v)
    v.set_defaults(func=run_info)
    p = sub.add_parser("doctor", help="check that each role has a working model; llama.cpp build (CUDA/Metal/CPU)")
    p.add_argument("--json", action="store_true", help="the report as JSON (ops/doctor.py DoctorReport)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to load or reach each model slot (default 10)")
    p.add_argument("--load", action="store_true", help="load each GGUF fully with its slot's settings (default: vocabulary only)")
    add_model_flags(p)
    p.set_defaults(func=run_doctor)


def run_list(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    rows: list[dict[str, Any]] = []
    for name, cfg in settings.models.items():
        roles = [role for role, slots in settings.roles.items() if name in slots]
        where = cfg.base_url if cfg.backend == "openai" else (cfg.path or _bundled_or_error())
        rows.append({"name": name, "backend": cfg.backend, "where": where, "roles": roles})
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(f"{row['name']:12} {row['backend']:9} {','.join(row['roles']) or '-':16} {row['where']}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    if args.model and args.name != FLAG_SLOT:
        raise ConfigError(
            f"--model sets the GGUF of the '{FLAG_SLOT}' slot, and `models info {args.name}` shows slot '{args.name}'; "
            f"drop --model, or the slot name."
        )
    engine = engine_from(args)
    backend = engine.router.backend(args.name)

    async def info() -> dict[str, Any]:
        caps = await backend.capabilities()
        return {**backend.describe(), **caps.model_dump()}

    data = run_op(engine, info())
    if args.json:
        print_json(data)
    else:
        for key, value in data.items():
            print(f"{key:12} {value}")
    return 0


def run_doctor(args: argparse.Namespace) -> int:
    """Exit 0 when every role has a working model, else 4 (ModelError's code; docs/cli.md)."""
    from ..ops.doctor import run_doctor as check

    report = asyncio.run(check(settings_from(args), timeout_s=args.timeout, full_load=args.load))
    if args.json:
        print_json(report.model_dump())
    else:
        render_doctor(report)
    if report.ok:
        return 0
    broken = ", ".join(r.role for r in report.roles if not r.ok)
    print(f"Error: no working model for role {broken}; see the fixes above.", file=sys.stderr)
    return ModelError.exit_code


def render_doctor(report: DoctorReport) -> None:
    """The report for a person: rich tables on a terminal, plain aligned text otherwise."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    build = report.llama_cpp
    head = f"tether {report.tether}, Python {report.python}, {report.platform}"
    llama = (
        f"llama.cpp: llama-cpp-python {build.version}, {build.accelerator}, GPU offload {'yes' if build.gpu_offload else 'no'}"
        if build.installed
        else f"llama.cpp: {build.error}"
    )
    roles = [(r.role, " -> ".join(r.slots) or "-", r.working or "-", _role_status(r.ok, bool(r.slots))) for r in report.roles]
    slots = [
        (c.slot, c.backend, str(c.n_ctx), "ok" if c.ok else "FAILED", c.where or "-", c.detail if c.ok else c.error or "")
        for c in report.slots
    ]
    fixes = [f"slot {c.slot}: {c.fix}" for c in report.slots if c.fix] + [f"role {r.role}: {r.fix}" for r in report.roles if r.fix]
    console = Console()
    if console.is_terminal:
        # Cells are Text, never markup: "[models.gone]" is a setting to show, not a style tag.
        console.print(head, llama, sep="\n", highlight=False, markup=False)
        for title, columns, rows in (("Roles", ROLE_COLUMNS, roles), ("Model slots", SLOT_COLUMNS, slots)):
            table = Table(*columns, title=title, title_justify="left")
            for column in table.columns:
                column.overflow = "fold"  # a path cut with "…" cannot be copied
            for row in rows:
                table.add_row(*(Text(cell) for cell in row), style=None if row[3] in ("ok", "not set") else "red")
            console.print(table)
        for fix in fixes:
            console.print(Text(f"fix: {fix}", style="yellow"))
        return
    print(head)
    print(llama)
    for columns, rows in ((ROLE_COLUMNS, roles), (SLOT_COLUMNS, slots)):
        print()
        for line in _aligned([columns, *rows]):
            print(line)
    if fixes:
        print()
    for fix in fixes:
        print(f"fix: {fix}")


ROLE_COLUMNS = ("role", "slots (in order)", "uses", "status")
SLOT_COLUMNS = ("slot", "backend", "n_ctx", "status", "where", "detail")


def _role_status(ok: bool, has_slots: bool) -> str:
    if not ok:
        return "NO MODEL"
    return "ok" if has_slots else "not set"


def _aligned(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows as text columns padded to their widest cell (the last column unpadded)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return ["  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]).rstrip() for row in rows]


def _bundled_or_error() -> str:
    try:
        return str(bundled_model_path())
    except TetherError as exc:
        return f"missing ({exc})"
