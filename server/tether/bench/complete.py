"""`tether bench complete`: completion latency, ours vs a raw llama-cpp-python call, same prompt, same run.

A typing session is simulated: characters are inserted one by one at a cursor in a real source
file, and each keystroke asks for a completion. For every keystroke the op (tether.ops.complete
through the llama.cpp backend and its worker thread) and a raw ``Llama.create_completion`` on a
separately loaded copy of the same model get the identical prompt tokens, alternating which goes
first. Both are warm the same way (llama.cpp's KV prefix reuse). Also counted: prompt tokens
actually evaluated on each warm request, against the tokens that are new since the last one.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import inspect
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

from ..backends.llamacpp import LlamaCppBackend
from ..config import load_settings
from ..engine import Engine
from ..errors import ConfigError
from ..lines import split_lines
from ..ops.complete import complete, completion_request
from .stats import print_json, summary

TYPED = "result = wrapper.fill(text)"


def register(benches: argparse._SubParsersAction) -> None:
    p = benches.add_parser("complete", help="op latency vs raw llama-cpp-python; tokens re-evaluated when warm")
    p.add_argument("--model", help="GGUF path (default: the bundled model)")
    p.add_argument("--keystrokes", type=int, default=len(TYPED), help="keystrokes typed, one completion each (default: {len(TYPED)})")
    p.add_argument("--max-tokens", type=int, default=16, help="tokens per completion (default 16)")
    p.add_argument("--prefix-chars", type=int, default=3000, help="characters of the document before the cursor (default 3000)")
    p.add_argument("--n-gpu-layers", type=int, default=-1, help="layers offloaded to the GPU (-1: all that fit, 0: CPU only; default -1)")
    p.add_argument("--json", action="store_true", help="JSON output (the default; kept for symmetry)")
    p.set_defaults(func=lambda args: print_json(asyncio.run(run(args))))


def sample_document() -> tuple[str, int, int]:
    """A real source file (textwrap from the stdlib) and a cursor in the middle of it."""
    text = inspect.getsource(textwrap)
    lines = split_lines(text, keepends=True)
    line = len(lines) // 2
    while lines[line].strip():
        line += 1  # an empty line: the typed statement starts there
    return text, line, 0


async def run(args: argparse.Namespace) -> dict[str, Any]:
    import llama_cpp

    with tempfile.TemporaryDirectory() as tmp:
        overrides: dict[str, Any] = {"complete": {"max_prefix_chars": args.prefix_chars, "max_tokens": args.max_tokens}}
        bundled: dict[str, Any] = {"n_gpu_layers": args.n_gpu_layers}
        if args.model:
            bundled["path"] = args.model
        overrides["models"] = {"bundled": bundled}
        engine = Engine(load_settings(Path(tmp), env={}, overrides=overrides), Path(tmp))
        backend = engine.backend("complete")
        if not isinstance(backend, LlamaCppBackend):
            raise ConfigError(f"tether bench complete compares against llama.cpp, but the complete role runs on {type(backend).__name__}.")
        worker = await backend.worker()
        cfg = backend.config
        raw = llama_cpp.Llama(
            model_path=str(backend.path),
            n_ctx=cfg.n_ctx,
            n_batch=cfg.n_batch,
            verbose=False,
            n_gpu_layers=cfg.n_gpu_layers if llama_cpp.llama_supports_gpu_offload() else 0,
        )
        try:
            result = await _session(engine, backend, worker, raw, args)
        finally:
            raw.close()
            await engine.aclose()
    result["model"] = str(backend.path)
    result["gpu_offload"] = bool(llama_cpp.llama_supports_gpu_offload())
    return result


async def _session(engine: Engine, backend: LlamaCppBackend, worker: Any, raw: Any, args: argparse.Namespace) -> dict[str, Any]:
    text, line, col = sample_document()
    lines = split_lines(text, keepends=True)
    ours, theirs, evaluated, fresh = [], [], [], []
    previous: list[int] = []
    counter = _EvalCounter(worker.llm)
    for step in range(args.keystrokes + 1):
        typed = TYPED[:step]
        doc = "".join(lines[:line]) + typed + "".join(lines[line:])
        request = completion_request(engine.settings.complete, doc, line, col + len(typed))
        tokens, stop = backend.prompt_tokens(worker, request)
        op = functools.partial(_op_text, engine, doc, line, col + len(typed), args.max_tokens)
        direct = functools.partial(_direct_text, raw, tokens, stop, args.max_tokens)
        counter.reset()
        first_ours = step % 2 == 0
        if not first_ours:
            theirs.append(_timed(direct)[0])
        elapsed, got = await _timed_async(op)
        ours.append(elapsed)
        if first_ours:
            theirs.append(_timed(direct)[0])
        if step > 0:  # warm: the previous keystroke's prompt (and reply) is in the KV cache
            evaluated.append(counter.prompt_tokens())
            fresh.append(len(tokens) - _common_prefix(previous, tokens))
        previous = tokens + worker.llm.tokenize(got.encode("utf-8"), add_bos=False)
    warm_ours, warm_raw = ours[1:], theirs[1:]
    ratio = summary(warm_ours)["p50"] / summary(warm_raw)["p50"]
    extra = [e - f for e, f in zip(evaluated, fresh, strict=True)]
    return {
        "bench": "complete",
        "keystrokes": args.keystrokes,
        "prompt_tokens": len(tokens),
        "max_tokens": args.max_tokens,
        "cold_ms": {"ours": round(ours[0] * 1000, 1), "raw": round(theirs[0] * 1000, 1)},
        "warm_ms": {"ours": summary(warm_ours), "raw": summary(warm_raw)},
        "ratio_p50": round(ratio, 3),
        "goal_ratio_p50": 1.10,
        "warm_prompt_tokens_evaluated": summary([float(e) for e in evaluated], scale=1),
        "warm_new_prompt_tokens": summary([float(f) for f in fresh], scale=1),
        "max_evaluated_minus_new": max(extra) if extra else 0,
        "goal_evaluated_minus_new": 32,
    }


async def _op_text(engine: Engine, doc: str, line: int, col: int, max_tokens: int) -> str:
    """The op's completion at 0-based ``line``/``col`` (code points) of ``doc``."""
    return (await complete(engine, "sample.py", doc, line, col, max_tokens=max_tokens)).text


def _direct_text(raw: Any, tokens: list[int], stop: list[str], max_tokens: int) -> str:
    """The raw llama-cpp-python completion of the same prompt tokens."""
    out = raw.create_completion(tokens, max_tokens=max_tokens, temperature=0.0, stop=stop, repeat_penalty=1.0)
    return str(out["choices"][0]["text"])


class _EvalCounter:
    """Counts tokens passed to llama.cpp's eval (prompt tokens plus one per decoded token)."""

    def __init__(self, llm: Any):
        self.calls: list[int] = []
        original = llm.eval

        def counting(tokens: Any) -> Any:
            self.calls.append(len(tokens))
            return original(tokens)

        llm.eval = counting

    def reset(self) -> None:
        self.calls = []

    def prompt_tokens(self) -> int:
        # The first eval carries the prompt suffix; each later one is a single decoded token.
        return self.calls[0] if self.calls else 0


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):  # the shorter list bounds the common prefix
        if x != y:
            break
        n += 1
    return n


def _timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


async def _timed_async(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = await fn()
    return time.perf_counter() - start, value
