"""Greedy decoding with prompt-lookup drafts, for rewrites that mostly copy their prompt.

When the model rewrites a region, most of its output is text already in the prompt. After
each token, the latest output n-gram is looked up in the prompt (nearest the last match, so a
copy advances through the source) and the tokens that followed it become a draft. The model
checks the whole draft in one batch; the longest prefix that greedy decoding would have chosen
is kept, so the output is what plain greedy decoding gives, in fewer model steps.

llama-cpp-python's own ``LlamaPromptLookupDecoding`` needs logits for every position of every
batch (``logits_all``), prompt included, and re-samples through its full sampler chain; on
CPU that made rewrites slower, not faster. Here logits are asked only where a draft is checked.
This reaches into llama-cpp-python's ``_ctx``/``_batch`` (stable across 0.3.x).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from .base import FinishReason

NGRAMS = (4, 3, 2)
MIN_DRAFT, MAX_DRAFT = 2, 24


class PromptLookup:
    """Proposes the tokens that followed the latest output n-gram in the prompt."""

    def __init__(self, prompt: list[int]):
        self.prompt = prompt
        self.cursor = 0  # where the last accepted draft ended: a copy moves forward from here
        self.size = 8
        self._start = 0
        self._index: dict[tuple[int, ...], list[int]] = {}
        for n in NGRAMS:
            for i in range(len(prompt) - n):
                self._index.setdefault(tuple(prompt[i : i + n]), []).append(i + n)

    def draft(self, history: list[int], room: int) -> list[int]:
        for n in NGRAMS:
            if len(history) < n:
                continue
            starts = self._index.get(tuple(history[-n:]))
            if starts:
                after = [s for s in starts if s >= self.cursor]
                self._start = after[0] if after else starts[-1]
                return self.prompt[self._start : self._start + min(self.size, room)]
        return []

    def feedback(self, drafted: int, accepted: int) -> None:
        """Grow the draft while whole drafts are accepted, shrink it when they are not."""
        if not drafted:
            return
        self.size = min(self.size * 2, MAX_DRAFT) if accepted == drafted else max(self.size // 2, MIN_DRAFT)
        if accepted:
            self.cursor = self._start + accepted


def _eval(llm: Any, tokens: list[int], all_logits: bool) -> np.ndarray:
    """Evaluate tokens; logits for every one of them (all_logits) or just the last."""
    if not tokens:
        raise ValueError("nothing to evaluate: no tokens")
    llm._ctx.kv_cache_seq_rm(-1, llm.n_tokens, -1)
    rows = 0
    for i in range(0, len(tokens), llm.n_batch):
        batch = tokens[i : i + llm.n_batch]
        llm._batch.set_batch(batch=batch, n_past=llm.n_tokens, logits_all=all_logits)
        llm._ctx.decode(llm._batch)
        llm.input_ids[llm.n_tokens : llm.n_tokens + len(batch)] = batch
        llm.n_tokens += len(batch)
        rows = len(batch) if all_logits else 1
    n_vocab = llm.n_vocab()
    return np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(rows * n_vocab,)).reshape(rows, n_vocab).copy()


def _reuse_prefix(llm: Any, prompt: list[int]) -> int:
    """Keep the KV cache for the prompt's longest already-evaluated prefix (at least one token is re-read)."""
    cached = llm.input_ids[: llm.n_tokens]
    keep = 0
    limit = min(len(cached), len(prompt) - 1)
    while keep < limit and cached[keep] == prompt[keep]:
        keep += 1
    llm.n_tokens = keep
    llm._ctx.kv_cache_seq_rm(-1, keep, -1)
    return keep


def greedy_lookup_decode(
    llm: Any,
    prompt: list[int],
    max_tokens: int,
    cancel: threading.Event,
    on_tokens: Callable[[list[int]], bool],
) -> FinishReason:
    """Decode greedily; ``on_tokens`` gets accepted tokens and returns False to stop. Returns the finish reason."""
    import llama_cpp

    vocab = llm._model.vocab

    def eog(token: int) -> bool:
        return bool(llama_cpp.llama_vocab_is_eog(vocab, token))

    keep = _reuse_prefix(llm, prompt)
    logits = _eval(llm, prompt[keep:], all_logits=False)
    # Drafts are checked in small batches; with the batch thread count, every one of a graph's
    # hundreds of barriers waits for a descheduled thread when the CPU is busy (seconds per
    # step seen on 2 busy cores). Checking with the decode thread count keeps a step a step.
    llama_cpp.llama_set_n_threads(llm._ctx.ctx, llm.n_threads, llm.n_threads)
    try:
        return _decode_loop(llm, prompt, logits, max_tokens, cancel, on_tokens, eog)
    finally:
        llama_cpp.llama_set_n_threads(llm._ctx.ctx, llm.n_threads, llm.n_threads_batch)


def _decode_loop(
    llm: Any,
    prompt: list[int],
    logits: np.ndarray,
    max_tokens: int,
    cancel: threading.Event,
    on_tokens: Callable[[list[int]], bool],
    eog: Callable[[int], bool],
) -> FinishReason:
    token = int(np.argmax(logits[-1]))
    lookup = PromptLookup(prompt)
    produced: list[int] = []
    while True:
        if cancel.is_set():
            return "cancelled"
        if eog(token):
            return "stop"
        produced.append(token)
        room = min(max_tokens - len(produced), llm.n_ctx() - llm.n_tokens - 1)
        draft = lookup.draft(prompt + produced, room) if room > 0 else []
        logits = _eval(llm, [token, *draft], all_logits=bool(draft))
        accepted = 0
        while accepted < len(draft) and int(np.argmax(logits[accepted])) == draft[accepted] and not eog(draft[accepted]):
            accepted += 1
        if accepted < len(draft):  # forget the rejected part of the draft
            llm.n_tokens -= len(draft) - accepted
            llm._ctx.kv_cache_seq_rm(-1, llm.n_tokens, -1)
        lookup.feedback(len(draft), accepted)
        batch = [token, *draft[:accepted]]
        produced.extend(draft[:accepted])
        if not on_tokens(batch):
            return "stop"
        if len(produced) >= max_tokens or llm.n_tokens >= llm.n_ctx() - 1:
            return "length"
        token = int(np.argmax(logits[accepted]))
