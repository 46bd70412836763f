"""`tether bench lsp`: what the language server adds on top of the op it calls.

A real ``python -m tether serve`` process is driven over stdio by pygls' client. Measured:

- ``status_ms``: ``tether/status`` round trips — JSON-RPC, stdio and the adapter, no model.
- ``edit_action_ms``: an incremental ``didChange`` (one character typed) then
  ``textDocument/codeAction`` — text sync plus a request, no model.
- ``complete_lsp_ms`` against ``complete_direct_ms``: the same completion (same text, cursor,
  model, one token by default) as ``textDocument/inlineCompletion`` and as a direct
  ``tether.ops.complete.complete`` call in this process, alternating. The prompt repeats, so
  llama.cpp's KV cache keeps model time small and equal on both sides; ``overhead_ms`` is the
  p50 of the paired differences, the LSP overhead without model time (goal: at most 10 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from lsprotocol import types

from ..config import load_settings
from ..engine import Engine
from ..ops.complete import complete
from .stats import print_json, summary

GOAL_P50_MS = 10.0
DOC = "def add(a, b):\n    return a + b\n\n\ndef square(x):\n    return \n"
CURSOR = (5, 11)


def register(benches: argparse._SubParsersAction) -> None:
    p = benches.add_parser("lsp", help="LSP round-trip overhead over the direct op call")
    p.add_argument("--samples", type=int, default=30, help="timed requests per measure (default 30)")
    p.add_argument("--max-tokens", type=int, default=1, help="tokens per inline completion (default 1)")
    p.add_argument("--model", help="GGUF path (default: the bundled model)")
    p.add_argument("--json", action="store_true", help="JSON output (the default; kept for symmetry)")
    p.set_defaults(func=lambda args: print_json(asyncio.run(run(args))))


async def run(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {"complete": {"maxTokens": args.max_tokens, "debounceMs": 0}}
    if args.model:
        options["models"] = {"bundled": {"path": args.model}}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "square.py").write_text(DOC, encoding="utf-8")
        engine = Engine(load_settings(root, env={}, overrides=_snake(options)), root)
        client = await _start(root, options)
        try:
            result = await _measure(client, engine, root, args.samples)
        finally:
            await _stop(client)
            await engine.aclose()
    overhead = result["overhead_ms"]["p50"]
    return {
        "bench": "lsp",
        "samples": args.samples,
        "max_tokens": args.max_tokens,
        **result,
        "goal_p50_ms": GOAL_P50_MS,
        "meets_goal": overhead <= GOAL_P50_MS and result["status_ms"]["p50"] <= GOAL_P50_MS,
    }


async def _measure(client: Any, engine: Engine, root: Path, samples: int) -> dict[str, Any]:
    uri = (root / "square.py").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="python", version=1, text=DOC))
    )
    status = [await _timed(lambda: client.protocol.send_request_async("tether/status", {})) for _ in range(samples)]
    actions = [await _timed(functools.partial(_type_then_actions, client, uri, v)) for v in range(2, samples + 2)]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=samples + 2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=DOC)],
        )
    )
    params = types.InlineCompletionParams(
        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked),
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(*CURSOR),
    )
    lsp, direct = [], []
    for step in range(samples + 2):  # two warm-up rounds: model load, KV cache
        timed_lsp = await _timed(lambda: client.text_document_inline_completion_async(params))
        timed_direct = await _timed(lambda: complete(engine, "square.py", DOC, *CURSOR))
        if step >= 2:
            lsp.append(timed_lsp)
            direct.append(timed_direct)
    return {
        "status_ms": summary(status),
        "edit_action_ms": summary(actions),
        "complete_direct_ms": summary(direct),
        "complete_lsp_ms": summary(lsp),
        # paired: each LSP call minus the direct call right after it, so drift cancels
        "overhead_ms": summary([a - b for a, b in zip(lsp, direct, strict=True)]),
        "completion": (await complete(engine, "square.py", DOC, *CURSOR)).text,
    }


async def _type_then_actions(client: Any, uri: str, version: int) -> Any:
    """Type one character at the end of the document, then ask for code actions there."""
    end = types.Position(line=6 + version - 2, character=0)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=end, end=end), text="\n")],
        )
    )
    return await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(0, 0), end=types.Position(2, 0)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )


async def _start(root: Path, options: dict[str, Any]) -> Any:
    from pygls.lsp.client import LanguageClient

    from ..lsp.protocol import converter_factory

    client = LanguageClient("tether-bench", "0", converter_factory=converter_factory)
    await client.start_io(sys.executable, "-m", "tether", "serve")
    await client.initialize_async(
        types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=root.as_uri(), initialization_options=options)
    )
    client.initialized(types.InitializedParams())
    return client


async def _stop(client: Any) -> None:
    try:
        await asyncio.wait_for(client.shutdown_async(None), 30)
        client.exit(None)
    finally:
        await client.stop()


async def _timed(call: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await call()
    return time.perf_counter() - start


def _snake(options: dict[str, Any]) -> dict[str, Any]:
    from ..lsp.convert import snake_keys

    return snake_keys(options)
