"""The LSP converters and the newest-wins helper, without a server."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from tether.config import Settings
from tether.lines import split_lines
from tether.lsp.convert import (
    client_units,
    code_points,
    lsp_position_at,
    lsp_text_edit,
    snake_keys,
    to_line_col,
    to_line_range,
    to_settings_layer,
)
from tether.lsp.latest import Latest

UTF8, UTF16, UTF32 = (types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16, types.PositionEncodingKind.Utf32)


def apply(text: str, edit: types.TextEdit) -> str:
    """Apply a TextEdit with UTF-16 positions, as an editor would (lines end at \\n, \\r\\n, \\r)."""
    lines = split_lines(text, keepends=True)

    def offset(pos: types.Position) -> int:
        line = lines[pos.line] if pos.line < len(lines) else ""
        return sum(len(x) for x in lines[: pos.line]) + code_points(line, pos.character, UTF16)

    return text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]


def test_columns_follow_the_negotiated_encoding():
    line = "x = '😋' + y\n"
    assert code_points(line, 7, UTF16) == 6  # the emoji is two UTF-16 units
    assert code_points(line, 6, UTF32) == 6
    assert code_points(line, 9, UTF8) == 6
    assert client_units(line, 6, UTF16) == 7
    assert code_points(line, 99, UTF16) == len(line) - 1  # clamped before the line break


def test_position_on_the_empty_last_line():
    assert to_line_col("a\nb\n", types.Position(line=2, character=0), UTF16) == (2, 0)
    assert to_line_col("a\n😋b\n", types.Position(line=1, character=2), UTF16) == (1, 1)


def test_selection_to_whole_lines():
    def rng(a, b, c, d):
        return types.Range(start=types.Position(a, b), end=types.Position(c, d))

    assert to_line_range("", rng(0, 0, 2, 0)) == (0, 2)  # ends at column 0: that line is out
    assert to_line_range("", rng(0, 3, 2, 1)) == (0, 3)
    assert to_line_range("", rng(4, 2, 4, 2)) == (4, 5)  # a cursor: its line
    assert to_line_range("", rng(5, 0, 3, 0)) == (3, 5)  # backwards


@pytest.mark.parametrize(
    "old,new",
    [
        ("a\nb\nc\n", "a\nB\nc\n"),
        ("a\nb", "a\nb\nc"),  # no final newline
        ("a\nb\n", "a\nb\nc\n"),  # append
        ("😋\nb", "😋\nB"),  # astral characters before the edit
        ("", "x\n"),
        ("a\r\nb\r\n", "a\r\nB\r\n"),
    ],
)
def test_text_edit_round_trips(old: str, new: str):
    assert apply(old, lsp_text_edit(old, new, UTF16)) == new


def test_end_of_text_without_newline_is_a_real_position():
    assert lsp_position_at("a\n😋b", 4, UTF16) == types.Position(line=1, character=3)
    assert lsp_position_at("a\nb\n", 4, UTF16) == types.Position(line=2, character=0)


def test_client_settings_become_snake_case_but_names_stay():
    raw = {
        "tether": {
            "maxLevel": "file",
            "complete": {"maxTokens": 8, "debounceMs": 0},
            "models": {"myFast": {"nCtx": 2048, "baseUrl": "http://127.0.0.1:1/v1", "backend": "openai"}},
            "roles": {"complete": ["myFast"]},
            "limits": {"file": {"maxChangedLines": 10}},
        }
    }
    layer = to_settings_layer(raw)
    assert layer["models"] == {"myFast": {"n_ctx": 2048, "base_url": "http://127.0.0.1:1/v1", "backend": "openai"}}
    assert layer["roles"] == {"complete": ["myFast"]}
    settings = Settings().merged(layer)
    assert settings.complete.debounce_ms == 0 and settings.limits_for("file").max_changed_lines == 10
    assert snake_keys({"a": [{"bC": 1}]}) == {"a": [{"b_c": 1}]}
    with pytest.raises(ValueError):
        to_settings_layer(["not", "an", "object"])


async def test_latest_newer_call_supersedes_the_older():
    latest = Latest()
    started = []

    async def work(name: str) -> str:
        started.append(name)
        return name

    older = asyncio.ensure_future(latest.run("doc", 5.0, lambda: work("older")))
    await asyncio.sleep(0)  # the older call is now waiting out its debounce
    assert await latest.run("doc", 0, lambda: work("newer")) == "newer"
    assert await asyncio.wait_for(older, 1) is None
    assert started == ["newer"]  # the superseded call never reached the model
    assert latest.pending() == 0


async def test_latest_own_cancellation_propagates():
    latest = Latest()
    call = asyncio.ensure_future(latest.run("doc", 5.0, lambda: asyncio.sleep(0)))
    await asyncio.sleep(0)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(call, 1)


def test_recent_snippets_are_commented_for_the_completed_file():
    from tether.context.recent import RecentChunks
    from tether.lsp.recent import snippets_text

    recent = RecentChunks()
    recent.record("util.py", "def helper():\n    return 1\n", 0)
    recent.record("main.py", "import util\n", 0)
    assert snippets_text(recent, "main.py") == "# util.py\ndef helper():\n    return 1\n"
    assert snippets_text(recent, "app.ts").startswith("// util.py\n")
    assert snippets_text(recent, "util.py") == "# main.py\nimport util\n"
