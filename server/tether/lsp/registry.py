"""Registering ``workspace/executeCommand`` commands: errors converted, and ``$/cancelRequest`` able to reach them.

pygls runs a command as a task of its own; ``command`` records that task under the request's
id in ``session.command_tasks`` while it runs, so ``protocol.py`` can cancel it.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from .errors import handles_errors

Handler = Callable[..., Awaitable[Any]]


def command(server, name: str) -> Callable[[Handler], Handler]:
    """Register a command whose task ``$/cancelRequest`` can reach, with errors converted."""

    def decorate(fn: Handler) -> Handler:
        @functools.wraps(fn)
        async def tracked(ls, *args):
            msg_id = ls.protocol.msg_id
            if msg_id is not None:
                ls.session.command_tasks[msg_id] = asyncio.current_task()
            try:
                return await fn(ls, *args)
            finally:
                ls.session.command_tasks.pop(msg_id, None)

        server.command(name)(handles_errors(show=True)(tracked))
        return fn

    return decorate
