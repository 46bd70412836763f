"""Work-done progress (``$/progress``) around a long operation, cancellable from the client.

Uses the client's ``workDoneToken`` when the request carried one, else creates a token
(``window/workDoneProgress/create``) when the client supports it. Cancelling the progress
(``window/workDoneProgress/cancel``) cancels the operation, like ``$/cancelRequest``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from .protocol import TetherServer

log = logging.getLogger(__name__)
CREATE_TIMEOUT_S = 5.0


@contextlib.asynccontextmanager
async def work_done(ls: TetherServer, token: int | str | None, title: str) -> AsyncIterator[Callable[[str], None]]:
    token = token if token is not None else await _create(ls)
    if token is None:
        yield lambda message: None
        return
    progress = ls.work_done_progress
    progress.begin(token, types.WorkDoneProgressBegin(title=title, cancellable=True))
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    future = progress.tokens.get(token)
    if future is not None and task is not None:
        future.add_done_callback(lambda f: f.cancelled() and loop.call_soon_threadsafe(task.cancel))
    outcome = "cancelled"
    try:
        # ``async with work_done(...) as report``: report("step 2/3") sends a progress report.
        yield lambda message: progress.report(token, types.WorkDoneProgressReport(message=message))
        outcome = "done"
    except asyncio.CancelledError:
        raise
    except BaseException:
        outcome = "failed"
        raise
    finally:
        progress.end(token, types.WorkDoneProgressEnd(message=outcome))
        progress.tokens.pop(token, None)


async def _create(ls: TetherServer) -> str | None:
    window = ls.client_capabilities.window
    if not (window and window.work_done_progress):
        return None
    token = f"tether-{uuid.uuid4().hex[:12]}"
    try:
        await asyncio.wait_for(ls.work_done_progress.create_async(token), CREATE_TIMEOUT_S)
    except Exception as exc:  # a client that refuses progress still gets the result
        log.info("no work-done progress: %s", exc)
        return None
    return token
