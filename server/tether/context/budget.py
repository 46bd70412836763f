"""Token budgets, measured with the model's own tokenizer.

``TokenCounter`` wraps a backend's ``count_tokens`` with a small cache (providers count the
same rendered text more than once while fitting). When the model cannot be loaded it falls
back to an estimate and says so (``exact`` is False), so showing context never needs a model.
``fit_prefix`` fits the longest prefix of a ranked list into a budget.
"""

from __future__ import annotations

import hashlib
import logging
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ..backends.base import Backend
from ..errors import ModelError

log = logging.getLogger(__name__)

T = TypeVar("T")
CACHE_SIZE = 4096
# Source code averages about 3.5 characters a token in common BPE vocabularies.
CHARS_PER_TOKEN = 3.5


def estimate_tokens(text: str) -> int:
    return int(len(text) / CHARS_PER_TOKEN) + (1 if text else 0)


class TokenCounter:
    """Counts tokens as ``backend`` does; an estimate when there is no backend or it cannot load."""

    def __init__(self, backend: Backend | None):
        self.backend = backend
        self.exact = backend is not None
        self._cache: OrderedDict[bytes, int] = OrderedDict()

    async def count(self, text: str) -> int:
        if not text:
            return 0
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        n = await self._count(text)
        self._cache[key] = n
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return n

    async def _count(self, text: str) -> int:
        if self.backend is not None and self.exact:
            try:
                return await self.backend.count_tokens(text)
            except ModelError as exc:
                log.warning("cannot count tokens with %s (%s); estimating instead", self.backend.name, exc)
                self.exact = False
        return estimate_tokens(text)


_counters: weakref.WeakKeyDictionary[Backend, TokenCounter] = weakref.WeakKeyDictionary()


def counter_for(backend: Backend | None) -> TokenCounter:
    """One shared counter (and cache) per backend."""
    if backend is None:
        return TokenCounter(None)
    counter = _counters.get(backend)
    if counter is None:
        counter = _counters[backend] = TokenCounter(backend)
    return counter


async def fit_prefix(
    count: Callable[[T], Awaitable[int]], render: Callable[[int], T], n_max: int, budget: int
) -> tuple[int, T | None, int]:
    """The largest ``n <= n_max`` whose ``render(n)`` fits the budget: (n, rendering, tokens), by bisection.

    ``render(n)`` (the first n ranked entries, rendered) must grow with ``n``; ``count`` measures
    a rendering. (0, None, 0) when not even one entry fits.
    """
    best: tuple[int, T | None, int] = (0, None, 0)
    lo, hi = 1, n_max
    while lo <= hi:
        mid = (lo + hi) // 2
        rendered = render(mid)
        tokens = await count(rendered)
        if tokens <= budget:
            best = (mid, rendered, tokens)
            lo = mid + 1
        else:
            hi = mid - 1
    return best
