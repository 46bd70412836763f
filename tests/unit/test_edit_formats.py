"""Edit formats: SEARCH/REPLACE blocks and whole-region rewrites, with the errors the model is re-asked with."""

from __future__ import annotations

import pytest

from tether.edits.reply import extract_code
from tether.edits.rewrite import check_rewrite, fit_region
from tether.edits.search_replace import apply_blocks, parse_blocks
from tether.errors import GenerationError
from tether.lines import detect_newline

FILE = "def a():\n    return 1\n\n\ndef b():\n    return 2\n"


def test_search_replace_applies_exact_and_whitespace_tolerant_blocks():
    reply = "<<<<<<< SEARCH\ndef b():\n    return 2\n=======\ndef b():\n    return 3\n>>>>>>> REPLACE\n"
    assert apply_blocks(FILE, parse_blocks(reply)).endswith("return 3\n")
    sloppy = "<<<<<<< SEARCH\ndef a():   \n    return 1\n=======\ndef a():\n    return 0\n>>>>>>> REPLACE"
    assert apply_blocks(FILE, parse_blocks(sloppy)).startswith("def a():\n    return 0\n\n")


def test_search_replace_errors_say_what_to_fix():
    with pytest.raises(GenerationError, match="no SEARCH/REPLACE block"):
        parse_blocks("I changed it.")
    missing = "<<<<<<< SEARCH\ndef c():\n=======\nx\n>>>>>>> REPLACE"
    with pytest.raises(GenerationError, match="does not match the file exactly once"):
        apply_blocks(FILE, parse_blocks(missing))
    twice = "<<<<<<< SEARCH\n    return\n=======\nx\n>>>>>>> REPLACE"
    with pytest.raises(GenerationError, match="matches 2 places"):
        apply_blocks(FILE.replace(" 1", "").replace(" 2", ""), parse_blocks(twice))


def test_rewrites_that_lose_code_are_refused():
    with pytest.raises(GenerationError, match="empty") as empty:
        check_rewrite("  \n", FILE, "python")
    assert empty.value.kind == "empty"
    with pytest.raises(GenerationError, match="elides existing code") as elided:
        check_rewrite("def a():\n    # ... rest of the code unchanged\n", FILE, "python")
    assert elided.value.kind == "elided"
    check_rewrite("def a():\n    ...\n", "def a():\n    return 1\n", "python")  # a stub body is code
    with pytest.raises(GenerationError, match="elides existing code"):
        check_rewrite("def a():\n    return 1\n\n\n...\n", FILE, "python")  # ... where `def b` was


def test_replies_are_read_and_fitted_to_the_file():
    assert extract_code("```python\nx = 1\n```\nExplanation", "a = 0\n") == "x = 1\n"
    assert extract_code("x = 1\n```\nExplanation", "a = 0\n") == "x = 1\n"  # closer without opener
    assert extract_code("Here it is:\n```\nx = 1\n", "a = 0\n") == "x = 1\n"  # opener without closer
    assert (
        fit_region(
            "x = 1\n",
            "a = 0",
        )
        == "x = 1"
    )
    assert fit_region("x = 1\n", "a = 0\n\n\n") == "x = 1\n\n\n"  # blank tail the model never saw
    assert detect_newline("a\r\nb\r\n") == "\r\n" and detect_newline("a\nb\n") == "\n"
