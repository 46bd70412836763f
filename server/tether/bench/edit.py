"""`tether bench edit`: rewrite speed with and without prompt-lookup speculative decoding.

The same copy-heavy edit requests (the edit op's own prompts: a region of real code and an
instruction that changes little) run greedily on two instances of the same model, one plain and
one with llama-cpp-python's prompt-lookup draft model. Greedy decoding makes both produce the
same text, so tokens/s compare directly; identical output is checked and reported.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from ..backends.base import GenerationRequest
from ..backends.llamacpp import LlamaCppBackend
from ..backends.runtime import generate
from ..config import load_settings
from ..engine import Engine
from ..errors import ConfigError
from ..languages import language_for
from ..lines import split_lines
from ..pack import ContextPack
from ..prompts.edit import rewrite_messages
from .stats import print_json, summary

INSTRUCTIONS = ["Add a docstring.", "Add type hints.", "Rename the variable 'lines' to 'rows'."]


def register(benches: argparse._SubParsersAction) -> None:
    p = benches.add_parser("edit", help="rewrite tokens/s with and without speculative decoding")
    p.add_argument("--model", help="GGUF path (default: the bundled model)")
    p.add_argument("--max-tokens", type=int, default=400, help="tokens per rewrite (default 400)")
    p.add_argument("--region-lines", type=int, default=30, help="lines of each rewritten region (default 30)")
    p.add_argument("--n-gpu-layers", type=int, default=-1, help="layers offloaded to the GPU (-1: all that fit, 0: CPU only; default -1)")
    p.add_argument("--json", action="store_true", help="JSON output (the default; kept for symmetry)")
    p.set_defaults(func=lambda args: print_json(asyncio.run(run(args))))


def regions(count: int) -> list[str]:
    """Functions of at least ``count`` lines from a real stdlib module (textwrap)."""
    lines = split_lines(inspect.getsource(textwrap), keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith(("def ", "    def "))]
    found = []
    for start in starts:
        found.append("".join(lines[start : start + count]))
        if len(found) == len(INSTRUCTIONS):
            break
    return found


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        bundled: dict[str, Any] = {"n_gpu_layers": args.n_gpu_layers}
        if args.model:
            bundled["path"] = args.model
        engine = Engine(load_settings(Path(tmp), env={}, overrides={"models": {"bundled": bundled}}), Path(tmp))
        backend = engine.backend("edit")
        if not isinstance(backend, LlamaCppBackend):
            raise ConfigError(
                f"tether bench edit measures llama.cpp speculative decoding, but the edit role runs on {type(backend).__name__}."
            )
        try:
            cases = await _cases(backend, args)
        finally:
            await engine.aclose()
    plain = [c["plain_tok_s"] for c in cases]
    fast = [c["speculative_tok_s"] for c in cases]
    return {
        "bench": "edit",
        "model": str(backend.path),
        "cases": cases,
        "plain_tok_s": summary(plain, scale=1),
        "speculative_tok_s": summary(fast, scale=1),
        "speedup_p50": round(summary(fast, scale=1)["p50"] / summary(plain, scale=1)["p50"], 2),
        "goal_speedup": 3.0,
        "identical_output": all(c["identical"] for c in cases),
    }


async def _cases(backend: LlamaCppBackend, args: argparse.Namespace) -> list[dict[str, Any]]:
    await backend.worker()
    cases = []
    for instruction, region in zip(INSTRUCTIONS, regions(args.region_lines), strict=True):
        messages = rewrite_messages("textwrap.py", language_for("x.py"), region, "", "", instruction, ContextPack(), False)
        request = GenerationRequest(messages=messages, assistant_prefix="```python\n", stop=["```"], max_tokens=args.max_tokens)
        await generate(backend, request)  # warm both instances' caches on this prompt alike
        await generate(backend, request.model_copy(update={"speculative": True}))
        plain = await generate(backend, request)
        fast = await generate(backend, request.model_copy(update={"speculative": True}))
        tokens = await backend.count_tokens(plain.text.removeprefix(request.assistant_prefix))
        cases.append(
            {
                "instruction": instruction,
                "output_tokens": tokens,
                "plain_s": round(plain.elapsed_s, 3),
                "speculative_s": round(fast.elapsed_s, 3),
                "plain_tok_s": round(tokens / plain.elapsed_s, 1),
                "speculative_tok_s": round(tokens / fast.elapsed_s, 1),
                "identical": plain.text == fast.text,
            }
        )
    return cases
