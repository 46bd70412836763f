"""Newest wins, per document: a newer completion request cancels the older one's generation.

Each call waits out the debounce first, so a burst of keystrokes costs one model call: the
older calls are cancelled while still waiting. A superseded call returns None (an empty
result for its request); a call whose own request was cancelled raises CancelledError.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class Latest:
    def __init__(self) -> None:
        self._tasks: dict[Hashable, asyncio.Task[Any]] = {}

    async def run(self, key: Hashable, delay_s: float, work: Callable[[], Awaitable[T]]) -> T | None:
        older = self._tasks.get(key)
        if older is not None:
            older.cancel()
        task = asyncio.ensure_future(self._after(delay_s, work))
        self._tasks[key] = task
        try:
            return await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # our own request was cancelled ($/cancelRequest, shutdown)
            return None  # superseded by a newer call for the same key
        finally:
            if self._tasks.get(key) is task:
                del self._tasks[key]

    @staticmethod
    async def _after(delay_s: float, work: Callable[[], Awaitable[T]]) -> T:
        if delay_s > 0:
            await asyncio.sleep(delay_s)  # the debounce: a newer call cancels us here, for free
        return await work()

    def pending(self) -> int:
        return len(self._tasks)
