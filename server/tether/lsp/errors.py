"""Errors, converted once at the LSP boundary.

A TetherError becomes a JSON-RPC error with code -32001, ``message = str(error)`` and
``data = {"type": ..., "exitCode": ...}``; invalid params (pydantic) become -32602. Commands,
which generic clients run without showing the error, also raise a ``window/showMessage``.
Anything else is left to pygls (-32603) and the server keeps serving.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from lsprotocol import types
from pydantic import BaseModel, ValidationError
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from ..errors import TetherError

TETHER_ERROR_CODE = -32001
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
M = TypeVar("M", bound=BaseModel)


def rpc_error(exc: TetherError) -> JsonRpcException:
    return JsonRpcException(message=str(exc), code=TETHER_ERROR_CODE, data={"type": type(exc).__name__, "exitCode": exc.exit_code})


def params_error(exc: ValidationError, what: str) -> JsonRpcInvalidParams:
    problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '(params)'}: {err['msg']}" for err in exc.errors())
    return JsonRpcInvalidParams(message=f"Invalid params for {what}: {problems}.")


def parse(model: type[M], raw: Any, what: str) -> M:
    """Validate raw params (a dict, or None for {}) into a wire model, or an InvalidParams error."""
    if isinstance(raw, (list, tuple)):
        # executeCommand arguments: a single object (or none)
        if len(raw) > 1:
            raise JsonRpcInvalidParams(message=f"{what} takes one argument object, not {len(raw)}.")
        raw = raw[0] if raw else None
    if raw is None:
        raw = {}
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise params_error(exc, what) from exc


def handles_errors(show: bool) -> Callable[[F], F]:
    """Turn TetherErrors into JSON-RPC errors; with ``show``, also tell the user in a message."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        async def wrapper(ls: Any, *args: Any) -> Any:
            try:
                return await fn(ls, *args)
            except TetherError as exc:
                if show:
                    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=str(exc)))
                raise rpc_error(exc) from exc
            except JsonRpcInvalidParams as exc:
                if show:
                    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=exc.message))
                raise

        return wrapper  # type: ignore[return-value]

    return decorate
