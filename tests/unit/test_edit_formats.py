"""Edit formats: SEARCH/REPLACE blocks and whole-region rewrites, with the errors the model is re-asked with."""

from __future__ import annotations

import pytest

from tether.edits.rewrite import check_rewrite, clean_reply, detect_newline, fit_region
from tether.edits.search_replace import apply_blocks, parse_blocks
from tether.errors import GenerationError

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
        apply_blocks(FILE.replace(" 1", "").replace(" 2", ""), parse_blocks(twice.replace("    return\n", "    return\n")))


def test_rewrites_that_lose_code_are_refused():
    with pytest.raises(GenerationError, match="cut off"):
        check_rewrite("def a():\n", FILE, truncated=True)
    with pytest.raises(GenerationError, match="empty"):
        check_rewrite("  \n", FILE, truncated=False)
    with pytest.raises(GenerationError, match="elides"):
        check_rewrite("def a():\n    # ... rest of the code unchanged\n", FILE, truncated=False)
    check_rewrite("def a():\n    ...\n", FILE, truncated=False)  # Python's Ellipsis is code, not elision


def test_replies_are_cleaned_and_fitted_to_the_file():
    assert clean_reply("```python\nx = 1\n```\nExplanation") == "x = 1\n"
    assert clean_reply("x = 1\n```") == "x = 1\n"
    assert fit_region("x = 1\ny = 2", "a = 0\r\n", "\r\n") == "x = 1\r\ny = 2\r\n"
    assert fit_region("x = 1\n", "a = 0", "\n") == "x = 1"
    assert fit_region("x = 1\n", "a = 0\n\n\n", "\n") == "x = 1\n\n\n"  # blank tail the model never saw
    assert detect_newline("a\r\nb\r\n") == "\r\n" and detect_newline("a\nb\n") == "\n"
