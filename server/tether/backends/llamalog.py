"""llama.cpp's own log lines go to the Python logger ``tether.llama_cpp``, at debug level.

llama.cpp (and ggml under it) writes ``llama_model_load…``, ``load_tensors…``,
``llama_kv_cache…`` lines through one process-wide log callback. llama-cpp-python installs a
callback that prints to stderr whatever its level table calls an error, and that table is
older than ggml's current one (NONE=0, DEBUG=1, INFO=2, WARN=3, ERROR=4, CONT=5, ggml.h), so
warnings such as ``llama_kv_cache…`` reach stderr even with ``verbose=False``. Replacing the
callback (``llama_cpp.llama_log_set``, which sets ggml's too) keeps them off stderr: they are
logged at DEBUG, so they show only when logging is verbose (``tether --verbose``/``--debug``,
``tether serve --log-level debug``). A model that fails to load is reported by the backend as
a ModelError, not by these lines.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from typing import Any

logger = logging.getLogger("tether.llama_cpp")

# The ctypes callback object must outlive every call llama.cpp makes through its pointer: a
# collected callback is a crash at the next log line. It lives here for the process's life.
_callback: Any = None
_partial: list[str] = []  # a line llama.cpp sends in pieces (progress dots, CONT records)
_lock = threading.Lock()

# llama-cpp-python with verbose=False points the process's file descriptors 1 and 2 at /dev/null
# while it loads a model (_utils.suppress_stdout_stderr: dup, dup2, then dup2 back). Two loads in
# two threads at once interleave those steps, and stdout can stay on /dev/null for good (seen with
# `tether doctor` checking two GGUFs). Every `llama_cpp.Llama(...)` in tether is built under it.
LOADING = threading.Lock()


def _on_log(level: int, text: bytes | None, user_data: Any) -> None:
    if not text:
        return
    with _lock:
        _partial.append(text.decode("utf-8", "replace"))
        joined = "".join(_partial)
        lines = joined.split("\n")
        _partial[:] = [lines.pop()] if lines[-1] else []
    for line in lines:
        if line.strip():
            logger.debug("%s", line.rstrip())


def route_llama_logs() -> None:
    """Install the callback once per process (idempotent). Imports llama_cpp."""
    global _callback
    if _callback is not None:
        return
    import llama_cpp

    with _lock:
        if _callback is None:
            _callback = llama_cpp.llama_log_callback(_on_log)
            llama_cpp.llama_log_set(_callback, ctypes.c_void_p(0))
