"""llama.cpp's log lines reach the `tether.llama_cpp` logger at debug level, whole lines only."""

from __future__ import annotations

import logging

from tether.backends import llamalog


def test_pieces_of_a_line_are_logged_once_as_one_debug_record(caplog):
    caplog.set_level(logging.DEBUG, logger="tether.llama_cpp")
    for piece in (b"llama_model_load: loading", b" model", b"...\nload_tensors: ", b"done\n\n", b".", b".\n"):
        llamalog._on_log(2, piece, None)
    records = [r for r in caplog.records if r.name == "tether.llama_cpp"]
    assert [r.getMessage() for r in records] == ["llama_model_load: loading model...", "load_tensors: done", ".."]
    assert {r.levelno for r in records} == {logging.DEBUG}
    llamalog._on_log(4, None, None)  # a NULL text is ignored
    assert llamalog._partial == []


def test_the_callback_is_installed_once_and_kept_alive():
    llamalog.route_llama_logs()
    first = llamalog._callback
    llamalog.route_llama_logs()
    assert first is not None and llamalog._callback is first  # a collected ctypes callback would crash llama.cpp
