"""`tether models list|info` and `tether doctor`: what models are configured and what llama.cpp can use."""

from __future__ import annotations

import argparse
import platform
from typing import Any

from ..backends.bundled import bundled_model_path
from ..errors import TetherError
from .common import engine_from, print_json, run_op, settings_from


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="configured model slots and roles")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    v = verbs.add_parser("list", help="model slots, their backends and roles")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=run_list)
    v = verbs.add_parser("info", help="load a model and show its capabilities (FIM style, n_ctx)")
    v.add_argument("name", nargs="?", default="bundled")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=run_info)
    p = sub.add_parser("doctor", help="llama.cpp build (CUDA/Metal/CPU), devices, configured models")
    p.add_argument("--json", action="store_true")
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
    data = {
        "tether": __import__("tether").__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "llama_cpp": llama_build(),
        "bundled_model": _bundled_or_error(),
        "models": {name: cfg.model_dump(exclude_none=True) for name, cfg in settings_from(args).models.items()},
    }
    if args.json:
        print_json(data)
        return 0
    for key, value in data.items():
        print(f"{key:14} {value}")
    return 0


def llama_build() -> dict[str, Any]:
    """The llama.cpp build: version, accelerator, GPU offload and the backend devices it sees."""
    try:
        import llama_cpp
    except ImportError as exc:
        return {"error": f"llama-cpp-python is not installed: {exc}"}
    info = llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip()
    gpu = bool(llama_cpp.llama_supports_gpu_offload())
    accel = "CPU"
    for name in ("CUDA", "METAL", "VULKAN", "HIP", "SYCL"):
        if f"{name} :" in info.upper() or f"{name} = 1" in info.upper():
            accel = name
    if gpu and accel == "CPU":
        accel = "GPU"
    return {"version": llama_cpp.__version__, "accelerator": accel, "gpu_offload": gpu, "system_info": info}


def _bundled_or_error() -> str:
    try:
        return str(bundled_model_path())
    except TetherError as exc:
        return f"missing ({exc})"
