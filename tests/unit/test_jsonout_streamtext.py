"""extract_json (the JSON fallback parser) and ReplyFilter (repeated prefix passed unscanned, client-side stops)."""

from __future__ import annotations

import pytest

from tether.backends.jsonout import extract_json
from tether.backends.streamtext import ReplyFilter
from tether.errors import GenerationError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ('Here you go: {"a": [1, 2]} -- done', {"a": [1, 2]}),
        ("The list is [1, 2, 3].", [1, 2, 3]),
        ('Example {not json} then {"b": true}', {"b": True}),
        ('Noise {"x": 0}\n```json\n{"fenced": "wins"}\n```', {"fenced": "wins"}),
        ('```\n[{"k": "v"}]\n```', [{"k": "v"}]),
        ('```json\nnot json\n```\nbut {"later": 1}', {"later": 1}),
    ],
)
def test_extract_json_finds_the_value(text: str, expected: object) -> None:
    assert extract_json(text) == expected


@pytest.mark.parametrize("text", ["", "no json here", '{"unterminated": ', "a scalar 42 is not enough"])
def test_extract_json_without_a_value_is_a_generation_error(text: str) -> None:
    with pytest.raises(GenerationError, match="holds no JSON object or array"):
        extract_json(text)


def run(filter_: ReplyFilter, pieces: list[str]) -> str:
    out = []
    for piece in pieces:
        out.append(filter_.feed(piece))
        if filter_.stopped:
            break
    out.append(filter_.finish())
    return "".join(out)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 100])
def test_reply_filter_passes_a_repeated_prefix_unscanned_and_stops(size: int) -> None:
    text = "\n```python\nx = 1\n```\ntrailing"
    pieces = [text[i : i + size] for i in range(0, len(text), size)]
    assert run(ReplyFilter("```python\n", ["```"]), pieces) == "\n```python\nx = 1\n"


@pytest.mark.parametrize("size", [1, 3, 100])
def test_reply_filter_passes_a_reply_that_does_not_repeat_the_prefix(size: int) -> None:
    text = "x = 1\ny = 2"
    pieces = [text[i : i + size] for i in range(0, len(text), size)]
    assert run(ReplyFilter("```python\n", ["```"]), pieces) == text


def test_reply_filter_holds_back_a_partial_stop_until_it_is_decided() -> None:
    reply = ReplyFilter("", ["END"])
    assert reply.feed("abc E") == "abc "
    assert reply.feed("N") == ""
    assert reply.feed("Z more") == "ENZ more"
    assert reply.feed(" EN") == " "
    assert reply.finish() == "EN"


def test_reply_filter_earliest_stop_wins_and_short_reply_equal_to_partial_prefix_survives() -> None:
    assert run(ReplyFilter("", ["zz", "b"]), ["a", "bzz"]) == "a"
    assert run(ReplyFilter("```python\n", []), ["```py"]) == "```py"
