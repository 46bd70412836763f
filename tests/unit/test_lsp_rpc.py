"""The pure rules under the LSP boundary: JSON-RPC envelopes, the lifecycle, text repair."""

from __future__ import annotations

import json

import pytest

from tether.lsp import rpc
from tether.lsp.text import first_line_with, repair_json, repair_text


@pytest.mark.parametrize(
    "data, problem",
    [
        ({"jsonrpc": "2.0", "id": 1, "method": "x", "params": {}}, None),
        ({"jsonrpc": "2.0", "id": "a", "method": "x", "params": []}, None),
        ({"jsonrpc": "2.0", "method": "x"}, None),
        ({"jsonrpc": "2.0", "id": 1, "result": None}, None),  # a response: not checked
        ({"jsonrpc": "2.0", "id": 1, "method": 5}, "method must be a string"),
        ({"jsonrpc": "1.0", "id": 1, "method": "x"}, '"jsonrpc": "2.0"'),
        ({"id": 1, "method": "x"}, '"jsonrpc": "2.0"'),
        ({"jsonrpc": "2.0", "id": None, "method": "x"}, "id must be"),
        ({"jsonrpc": "2.0", "id": True, "method": "x"}, "id must be"),
        ({"jsonrpc": "2.0", "id": 1.5, "method": "x"}, "id must be"),
        ({"jsonrpc": "2.0", "id": 1, "method": "x", "params": "p"}, "params must be"),
        ({"jsonrpc": "2.0"}, "needs a method"),
        ([{"jsonrpc": "2.0", "id": 1, "method": "x"}], "batch"),
        ("text", "JSON object"),
    ],
)
def test_envelope_problem(data, problem):
    found = rpc.envelope_problem(data)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_reply_id_is_null_unless_integer_or_string():
    assert [rpc.reply_id(d) for d in ({"id": 3}, {"id": "x"}, {"id": True}, {"id": [1]}, {}, [1])] == [3, "x", None, None, None, None]


def test_lifecycle_follows_lsp_3_17():
    life = rpc.Lifecycle()
    refused = life.check("tether/status", 1, True)
    assert isinstance(refused, rpc.Refusal) and refused.code == rpc.SERVER_NOT_INITIALIZED and refused.id == 1
    assert isinstance(life.check("textDocument/didOpen", None, False), rpc.Drop)
    assert life.check("exit", None, False) is None  # exit is allowed before initialize
    assert life.check("initialize", 2, True) is None
    life.note("initialize")
    second = life.check("initialize", 3, True)
    assert isinstance(second, rpc.Refusal) and second.code == rpc.INVALID_REQUEST
    assert life.check("tether/status", 4, True) is None
    assert isinstance(life.check("initialize", None, False), rpc.Drop)  # a request sent as a notification
    assert isinstance(life.check("initialized", 5, True), rpc.Refusal)  # a notification sent as a request
    life.note("shutdown")
    for method in ("tether/status", "shutdown", "textDocument/completion"):
        after = life.check(method, 6, True)
        assert isinstance(after, rpc.Refusal) and after.code == rpc.INVALID_REQUEST
    assert isinstance(life.check("textDocument/didChange", None, False), rpc.Drop)
    assert life.check("exit", None, False) is None
    life.note("exit")
    assert life.exit_code == 0


def test_exit_without_shutdown_is_1():
    life = rpc.Lifecycle()
    life.note("initialize")
    life.note("exit")
    assert life.exit_code == 1


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@pytest.mark.parametrize(
    "text, fixed, count",
    [
        ("plain ascii", "plain ascii", 0),
        ("s = '\ud83d'\n", "s = '\ufffd'\n", 1),
        ("\ude00\ud83d", "\ufffd\ufffd", 2),  # a pair in the wrong order is two lone halves
        ("\ud83d\ude00!", "\U0001f600!", 0),  # a split pair is joined
        ("already \ufffd and \ud800", "already \ufffd and \ufffd", 1),
        ("é ok 😀", "é ok 😀", 0),
    ],
)
def test_repair_text_keeps_utf16_positions(text, fixed, count):
    assert repair_text(text) == (fixed, count)
    assert utf16_units(fixed) == utf16_units(text)
    fixed.encode("utf-8")


def test_repair_json_fixes_every_string_keys_too_and_deep_nesting():
    value = json.loads('{"a": ["x\\ud800", {"\\udfff": "y"}], "n": 1, "t": true}')
    fixed, count = repair_json(value)
    assert fixed == {"a": ["x\ufffd", {"\ufffd": "y"}], "n": 1, "t": True} and count == 2
    deep: list = []
    node = deep
    for _ in range(50_000):
        node.append([])
        node = node[0]
    node.append("\ud800")
    assert repair_json(deep)[1] == 1


def test_first_line_with():
    assert first_line_with("a\r\nb\rc\ufffd\n", "\ufffd") == 3
    assert first_line_with("abc", "\ufffd") == 0
