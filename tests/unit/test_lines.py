"""tether.lines: a line ends at \\n, \\r\\n or \\r and nowhere else (LSP 3.17, "Text Documents").

Form feed, vertical tab, \\x1c-\\x1e, U+0085, U+2028 and U+2029 are characters inside a line,
though ``str.splitlines`` breaks at each of them.
"""

from __future__ import annotations

import pytest

from tether.lines import (
    break_count,
    detect_newline,
    line_break,
    line_count,
    lone_cr_as_lf,
    split_lines,
    strip_break,
)

# Characters str.splitlines breaks at that LSP, git and editors keep inside a line.
NOT_BREAKS = ["\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("char", NOT_BREAKS, ids=[f"U+{ord(c):04X}" for c in NOT_BREAKS])
def test_characters_splitlines_breaks_at_stay_inside_a_line(char):
    text = f"a{char}b\nc\n"
    assert split_lines(text) == [f"a{char}b", "c"]
    assert split_lines(text, keepends=True) == [f"a{char}b\n", "c\n"]
    assert line_count(text) == 2 and break_count(text) == 2
    assert len(text.splitlines()) == 3  # what the helper is for


def test_form_feed_line_of_its_own_is_one_line():
    text = "import os\n\x0c\ndef greet():\n    return 'hi'\n"
    assert split_lines(text) == ["import os", "\x0c", "def greet():", "    return 'hi'"]
    assert split_lines(text)[3] == "    return 'hi'"  # LSP line 3, as the editor counts


def test_u2028_inside_a_string_literal():
    text = "import os\nSEP = \"a\u2028b\"\n\x0c\ndef greet():\n    return 'hi'\n"
    assert line_count(text) == 5
    assert split_lines(text)[4] == "    return 'hi'"  # line 5, 1-based, as git counts


@pytest.mark.parametrize(
    "text, lines, ends",
    [
        ("a\nb\n", ["a", "b"], ["\n", "\n"]),
        ("a\r\nb\r\n", ["a", "b"], ["\r\n", "\r\n"]),
        ("a\rb\r", ["a", "b"], ["\r", "\r"]),
        ("a\r\nb\rc\nd", ["a", "b", "c", "d"], ["\r\n", "\r", "\n", ""]),
        ("a\n\r\nb", ["a", "", "b"], ["\n", "\r\n", ""]),
        ("a\r\rb", ["a", "", "b"], ["\r", "\r", ""]),
        ("a\n\rb", ["a", "", "b"], ["\n", "\r", ""]),
    ],
    ids=["lf", "crlf", "cr-alone", "mixed", "lf-then-crlf", "cr-cr", "lf-then-cr"],
)
def test_the_three_breaks_and_mixtures(text, lines, ends):
    assert split_lines(text) == lines
    kept = split_lines(text, keepends=True)
    assert [line_break(line) for line in kept] == ends
    assert [strip_break(line) for line in kept] == lines


def test_empty_text_has_no_lines():
    assert split_lines("") == [] and split_lines("", keepends=True) == []
    assert line_count("") == 0 and break_count("") == 0


def test_a_final_break_does_not_start_an_empty_line():
    assert split_lines("a\n") == ["a"]
    assert split_lines("a") == ["a"]
    assert split_lines("\n") == [""]
    assert split_lines("a\n\n") == ["a", ""]
    assert line_count("a\n") == line_count("a") == 1
    # break_count is the 0-based line where the text ends: the empty line after the break
    assert break_count("a\n") == 1 and break_count("a") == 0


def test_no_final_newline_keeps_the_last_line_without_a_break():
    kept = split_lines("x = 1\ny = 2", keepends=True)
    assert kept == ["x = 1\n", "y = 2"]
    assert line_break(kept[-1]) == ""


@pytest.mark.parametrize(
    "text",
    ["", "a", "a\n", "\n\n", "a\r\nb\rc\nd", "\x0c\n\u2028\r\x85\r\n", "\r", "\r\n", "x\n\r", "é😀\r\n😀"],
)
def test_round_trip(text):
    assert "".join(split_lines(text, keepends=True)) == text
    assert len(split_lines(text)) == line_count(text)


def test_strip_break_removes_one_break_only():
    assert strip_break("a\r\n") == "a"
    assert strip_break("a\n\n") == "a\n"
    assert strip_break("a\x0c") == "a\x0c"
    assert strip_break("a\u2028") == "a\u2028"
    assert line_break("a\x85") == ""


def test_detect_newline():
    assert detect_newline("a\r\nb\r\nc\n") == "\r\n"
    assert detect_newline("a\rb\rc\n") == "\r"
    assert detect_newline("a\nb\x0c\u2028") == "\n"
    assert detect_newline("no break") == "\n"


def test_lone_cr_as_lf_keeps_length_and_crlf():
    source = b"a\rb\r\nc\x0cd\n"
    out = lone_cr_as_lf(source)
    assert out == b"a\nb\r\nc\x0cd\n" and len(out) == len(source)
    assert lone_cr_as_lf(b"plain\n") == b"plain\n"
    # the rows a \n-only parser sees are tether's lines
    assert out.decode().count("\n") == break_count(source.decode())
