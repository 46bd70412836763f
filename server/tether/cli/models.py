"""`tether models list|info|pull|discover|use` and `tether doctor`: what models are configured, getting
real ones (models/hub.py, models/discover.py, presets in models/presets.py), whether each role has one
that works (ops/doctor.py), and what llama.cpp can use."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..backends.bundled import bundled_model_path
from ..config import FLAG_SLOT
from ..errors import ConfigError, InputError, ModelError, TetherError
from ..models.slots import slot_name_for
from .common import add_model_flags, engine_from, print_json, run_op, settings_from

if TYPE_CHECKING:
    from ..models.gguf_info import GgufInfo
    from ..models.presets import Preset
    from ..models.slots import SlotWrite
    from ..ops.doctor import DoctorReport


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="model slots and roles; pull, discover and adopt GGUF models")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    v = verbs.add_parser("list", help="model slots, their backends and roles")
    v.add_argument("--json", action="store_true", help="print the slots and roles as JSON")
    v.set_defaults(func=run_list)
    v = verbs.add_parser("info", help="load a model and show its capabilities (FIM style, n_ctx)")
    v.add_argument("name", nargs="?", default="bundled", help="the model slot (default: bundled)")
    v.add_argument("--json", action="store_true", help="print the capabilities as JSON")
    add_model_flags(v)
    v.set_defaults(func=run_info)
    v = verbs.add_parser("pull", help="download a GGUF from the Hugging Face hub (sha256 checked); --role adopts it")
    v.add_argument("spec", metavar="REPO[:FILE|:QUANT]", help="owner/name, with a file name or a quantization tag (Q4_K_M)")
    _adopt_flags(v)
    v.add_argument("--revision", help="a branch, tag or commit of the repository (default: main)")
    v.add_argument("--json", action="store_true", help="print the pulled file(s) and the slot written as JSON")
    v.set_defaults(func=run_pull)
    v = verbs.add_parser("discover", help="list GGUFs already on this machine (HF cache, Ollama, LM Studio, llama.cpp)")
    v.add_argument("--json", action="store_true", help="print the models found as JSON")
    v.add_argument("--no-ollama-api", action="store_true", help="do not ask a running Ollama for its models")
    v.set_defaults(func=run_discover)
    v = verbs.add_parser("use", help="adopt a model `discover` found (or a GGUF path) as a slot for roles")
    v.add_argument("name", help="a name `tether models discover` printed (or a unique part of it), or a path to a .gguf")
    _adopt_flags(v)
    v.add_argument("--json", action="store_true", help="print the slot written as JSON")
    v.set_defaults(func=run_use)
    p = sub.add_parser("doctor", help="check that each role has a working model; llama.cpp build (CUDA/Metal/CPU)")
    p.add_argument("--json", action="store_true", help="the report as JSON (ops/doctor.py DoctorReport)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to load or reach each model slot (default 10)")
    p.add_argument("--load", action="store_true", help="load each GGUF fully with its slot's settings (default: vocabulary only)")
    add_model_flags(p)
    p.set_defaults(func=run_doctor)


def _adopt_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--role",
        action="append",
        choices=["complete", "edit", "next-edit"],
        help="write a model slot for this role (repeatable) into the workspace's tether.toml",
    )
    parser.add_argument("--user", action="store_true", help="write the slot into the user's tether.toml instead (all workspaces)")
    parser.add_argument("--slot", help="the slot's name (default: from the file or repository name)")
    parser.add_argument("--replace", action="store_true", help="replace a different [models.SLOT] of that name (default: refuse, exit 3)")


def run_pull(args: argparse.Namespace) -> int:
    from ..models.gguf_info import read_gguf
    from ..models.hub import pull
    from ..models.presets import preset_for_repo

    result = pull(args.spec, revision=args.revision)
    preset = preset_for_repo(result.repo)
    data: dict[str, Any] = {"pulled": result.model_dump()}
    if not args.json:
        print(f"pulled {result.repo}/{result.filename} -> {result.path}")
    if args.role:
        info = read_gguf(Path(result.path))
        comment = f"{result.repo} ({result.filename}), pulled by `tether models pull`" + (f"; preset: {preset.source}" if preset else "")
        data["slot"] = _adopt(
            args, args.slot or (preset.key if preset else slot_name_for(result.filename)), result.path, info, preset, comment
        )
    if args.json:
        print_json(data)
    return 0


def run_discover(args: argparse.Namespace) -> int:
    from ..models.discover import discover

    found = discover(ollama=not args.no_ollama_api)
    if args.json:
        print_json([f.model_dump() for f in found])
        return 0
    if not found:
        print(
            "No GGUF models found (Hugging Face cache, Ollama, LM Studio, llama.cpp cache). Get one: tether models pull REPO.",
            file=sys.stderr,
        )
        return 0
    for f in found:
        if f.info:
            i = f.info
            facts = f"{_size(i.size_bytes):>8}  {i.quantization or '?':8} {i.architecture or '?':10} ctx {i.context_length or '?':<7} FIM {i.fim_style or '-'}"
        elif f.source == "ollama-api":
            facts = f"{'':8}  served at {f.base_url} (model {f.model})"
        else:
            facts = f"unreadable: {f.error}"
        print(f"{f.name}\n    {facts}")
    return 0


def run_use(args: argparse.Namespace) -> int:
    from ..models.discover import discover, find
    from ..models.gguf_info import is_gguf, read_gguf
    from ..models.presets import preset_for_repo

    if not args.role:
        raise InputError("Say which role the model is for: --role complete, --role edit or --role next-edit (repeatable).")
    path = Path(args.name).expanduser()
    # A path only when it is one on disk or is written like one; else a name `discover` printed
    # (names such as hf:owner/repo:file.gguf hold "/" and end in .gguf too).
    on_disk = path.is_file() and ("/" in args.name or args.name.lower().endswith(".gguf"))
    if on_disk or args.name.startswith(("/", "./", "../", "~", ".\\", "..\\")):
        if not is_gguf(path):
            raise InputError(f"{path} is not a GGUF file (missing, unreadable, or it does not start with 'GGUF').")
        info = read_gguf(path)
        slot = _adopt(
            args, args.slot or slot_name_for(path.name), str(path.resolve()), info, None, f"{path.name}, adopted by `tether models use`"
        )
    else:
        entry = find(args.name, discover(ollama=True))
        if entry.source == "ollama-api":
            assert entry.base_url and entry.model
            slot = _adopt_endpoint(args, args.slot or slot_name_for(entry.model.replace(":", "-")) + "-api", entry.base_url, entry.model)
        else:
            if entry.info is None or entry.path is None:
                raise ModelError(f"{entry.name} cannot be used: {entry.error}")
            repo = entry.name.split(":")[1] if entry.source == "huggingface" else ""
            preset = preset_for_repo(repo) if repo else None
            name = args.slot or (preset.key if preset else slot_name_for(Path(entry.name.split(":", 1)[1]).name.replace(":", "-")))
            slot = _adopt(args, name, entry.path, entry.info, preset, f"{entry.name}, adopted by `tether models use`")
    if args.json:
        print_json({"slot": slot})
    return 0


def _adopt(args: argparse.Namespace, slot: str, path: str, info: GgufInfo | None, preset: Preset | None, comment: str) -> dict[str, Any]:
    """Write the slot for ``args.role`` and say so on stderr; the SlotWrite as a dict."""
    from ..models.slots import config_file, role_name, slot_settings, write_slot

    roles = [role_name(r) for r in args.role]
    fmt = preset.next_edit_format if preset and preset.next_edit_format else None
    if "next_edit" in roles and fmt is None:
        fmt = "fim" if info is not None and info.fim_style else "instruct"
    file = config_file(Path(args.workspace), args.user)
    written = write_slot(file, slot, slot_settings(Path(path), info, preset), roles, fmt, comment, replace=args.replace)
    _say_written(args, written)
    return written.model_dump()


def _adopt_endpoint(args: argparse.Namespace, slot: str, base_url: str, model: str) -> dict[str, Any]:
    from ..models.slots import config_file, endpoint_settings, role_name, write_slot

    roles = [role_name(r) for r in args.role]
    fmt = "instruct" if "next_edit" in roles else None
    file = config_file(Path(args.workspace), args.user)
    written = write_slot(file, slot, endpoint_settings(base_url, model), roles, fmt, f"{model} served by Ollama", replace=args.replace)
    _say_written(args, written)
    return written.model_dump()


def _say_written(args: argparse.Namespace, written: SlotWrite) -> None:
    """Say on stderr what the write changed: the slot, every role now using it, and, for a --user
    write, the roles the workspace's own tether.toml sets (they take precedence there)."""
    from ..models.slots import config_file

    extra = f"; next-edit format {written.next_edit_format}" if written.next_edit_format else ""
    verb = "replaced" if written.replaced else "wrote"
    print(f"{verb} [models.{written.slot}] in {written.file}; roles {', '.join(written.roles)} now use it first{extra}", file=sys.stderr)
    if written.other_roles:
        print(f"roles {', '.join(written.other_roles)} also use slot '{written.slot}', so they use the new settings too", file=sys.stderr)
    if args.user:
        shadowed = [r for r in written.roles if r in _workspace_roles(config_file(Path(args.workspace), False))]
        if shadowed:
            print(
                f"note: {Path(args.workspace) / 'tether.toml'} sets its own [roles] {', '.join(shadowed)}, which take precedence "
                "in that workspace: this user pick has no effect there",
                file=sys.stderr,
            )


def _workspace_roles(file: Path) -> dict[str, Any]:
    """The ``[roles]`` table of a workspace's tether.toml ({} when none or unreadable)."""
    import tomllib

    try:
        roles = tomllib.loads(file.read_text(encoding="utf-8")).get("roles", {})
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return roles if isinstance(roles, dict) else {}


def _size(n: int) -> str:
    """Bytes for a person: 980 B, 444.6 KB, 1.6 GB (powers of 1000, as the hub shows sizes)."""
    value = float(n)
    for unit in ("B", "KB", "MB"):
        if value < 1000:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


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
    roles = [
        (r.role, " -> ".join(r.slots) or "-", r.working or "-", _role_status(r.ok, bool(r.slots)), _capable(r.capable, r.capability))
        for r in report.roles
    ]
    slots = [
        (c.slot, c.backend, str(c.n_ctx), "ok" if c.ok else "FAILED", c.where or "-", c.detail if c.ok else c.error or "")
        for c in report.slots
    ]
    fixes = [f"slot {c.slot}: {c.fix}" for c in report.slots if c.fix] + [f"role {r.role}: {r.fix}" for r in report.roles if r.fix]
    pulls = [f"role {r.role.replace('_', '-')} has no capable model; get one: {r.pull}" for r in report.roles if r.pull]
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
        for line in pulls:
            console.print(Text(f"pull: {line}", style="cyan"))
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
    if pulls:
        print()
    for line in pulls:
        print(f"pull: {line}")


ROLE_COLUMNS = ("role", "slots (in order)", "uses", "status", "capable")
SLOT_COLUMNS = ("slot", "backend", "n_ctx", "status", "where", "detail")


def _capable(capable: bool | None, why: str) -> str:
    if capable is None:
        return "-"
    return f"{'yes' if capable else 'no'} ({why})" if why else ("yes" if capable else "no")


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
