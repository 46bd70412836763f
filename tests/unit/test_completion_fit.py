"""Completion hygiene (edits/completion_fit.py): each rule on realistic Python and JavaScript.

The inputs are the texts models return at the cursor: control tokens left as text, a doubled
indent on an already indented line, a last line cut mid-statement, a line that leaves the block
the code after the cursor continues, a line that breaks the file's syntax.
"""

from __future__ import annotations

import logging
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tether.code.syntax import syntax_errors
from tether.edits.completion_fit import (
    drop_partial_line,
    fit_completion,
    fit_leading_indent,
    keep_parsing,
    stop_at_dedent,
    strip_control,
)


def at(text: str, marker: str = "█") -> tuple[str, int]:
    """(text without the cursor marker, the marker's code-point offset)."""
    return text.replace(marker, ""), text.index(marker)


# -- rule 1: control tokens -------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "a + b<|endoftext|>\n",
        "a + b<|fim_middle|>c",
        "a + b<|file_sep|>calc.py",
        "a + b<|repo_name|>tether",
        "a + b<|im_end|>",
        "a + b<fim_suffix>",
        "a + b <EOT>",
        "a + b<MID> c",
        "a + b <SUF>",
        "a + b<｜fim▁end｜>",
        "a + b<filename>calc.py",
    ],
)
def test_control_tokens_of_every_fim_family_end_the_completion(raw):
    text, offset = at("def add(a, b):\n    return █\n")
    assert fit_completion(raw, "calc.py", text, offset).text == "a + b"


def test_a_control_token_the_file_holds_is_kept_and_the_models_own_are_cut():
    file_text = 'EOS = "<PRE>"\n'
    assert strip_control('"<PRE>"', file_text) == '"<PRE>"'
    assert strip_control("x = 1[END_OF_MIDDLE] y", "", extra_tokens=("[END_OF_MIDDLE]",)) == "x = 1"


# -- rule 2: leading whitespace -----------------------------------------------------------------


def test_a_doubled_indent_on_an_indented_line_is_removed_from_every_line():
    text, offset = at("def mean(xs):\n    █\n")
    raw = "    total = sum(xs)\n        return total / len(xs)\n"
    assert fit_completion(raw, "stats.py", text, offset).text == "total = sum(xs)\n    return total / len(xs)"


def test_an_indent_one_level_deeper_after_a_block_opener_is_kept():
    prefix = "def f(xs):\n    for x in xs:\n"
    assert fit_leading_indent("    print(x)", prefix + "    ", prefix) == "    print(x)"  # the line above opens a block
    assert fit_leading_indent("    print(x)", "def f(xs):\n    y = 1\n    ", "") == "print(x)"


def test_a_space_after_a_space_mid_line_is_dropped():
    text, offset = at("def add(a, b):\n    return █\n")
    assert fit_completion("  a + b", "calc.py", text, offset).text == "a + b"


def test_continuation_lines_in_spaces_follow_a_tab_indented_file():
    text, offset = at("function sum(xs) {\n\tlet t = 0;\n\tfor (const x of xs) {\n\t\t█\n\t}\n\treturn t;\n}\n")
    raw = "t += x;\n        console.log(t);\n"
    assert fit_completion(raw, "sum.js", text, offset).text == "t += x;\n\t\tconsole.log(t);"


# -- rule 3: boundaries -------------------------------------------------------------------------


def test_the_completion_stops_at_a_dedent_below_the_block_the_suffix_continues():
    text, offset = at("def total(xs):\n    t = 0\n    for x in xs:\n        █\n    return t\n")
    raw = "t += x\n        print(t)\n    return t\n\nprint(total([1, 2]))\n"
    assert fit_completion(raw, "total.py", text, offset).text == "t += x\n        print(t)"
    # With nothing after the cursor, the model may close the block and go on.
    assert stop_at_dedent("t += x\nprint(t)\n", "        ", "") == "t += x\nprint(t)\n"


@pytest.mark.parametrize(
    "raw",
    [
        "a = load()\n    b = transform(a,\n",  # open bracket
        "a = load()\n    b = a +\n",  # trailing operator
        "a = load()\n    if a:\n",  # a block opener with no body
        "a = load()\n    b = [\n        1,\n",  # two unfinished lines, dropped one by one
    ],
)
def test_a_last_line_ending_mid_statement_is_dropped(raw):
    text, offset = at("def run():\n    █\n")
    assert fit_completion(raw, "run.py", text, offset).text == "a = load()"


def test_a_last_line_cut_by_the_token_limit_is_dropped_but_a_single_line_is_kept():
    assert drop_partial_line("x = 1\ny = compu", "length") == "x = 1"
    assert drop_partial_line("y = compu", "length") == "y = compu"
    assert drop_partial_line("x = 1\ny = 2\n", "stop") == "x = 1\ny = 2"


def test_prose_is_not_trimmed_as_code():
    assert drop_partial_line("Steps:\n- install\n- run the tests:", code=False) == "Steps:\n- install\n- run the tests:"


def test_the_leash_cuts_at_a_line_and_the_last_line_stays_whole():
    text, offset = at("def f():\n    █\n")
    raw = "a = 1\n    b = 2\n    c = 3\n"
    assert fit_completion(raw, "f.py", text, offset, max_lines=2).text == "a = 1\n    b = 2"


# -- rule 4: syntax -----------------------------------------------------------------------------


def test_a_completion_that_breaks_a_file_that_parsed_is_refused_and_logged(caplog):
    text, offset = at("def add(a, b):\n    return █\n\n\nprint(add(1, 2))\n")
    assert not syntax_errors("calc.py", text)
    with caplog.at_level(logging.DEBUG, logger="tether.edits.completion_fit"):
        fitted = fit_completion("a + ) b", "calc.py", text, offset)
    assert fitted.text == "" and "breaks the syntax of calc.py" in fitted.reason
    assert any("completion refused" in record.getMessage() for record in caplog.records)


def test_lines_that_break_the_syntax_are_cut_back_to_the_longest_prefix_that_parses():
    text, offset = at("const total = (xs) => {\n  let t = 0;\n  █\n  return t;\n};\n")
    raw = "for (const x of xs) t += x;\n  t = t * 2 )\n"
    assert fit_completion(raw, "total.js", text, offset).text == "for (const x of xs) t += x;"


def test_a_file_that_did_not_parse_before_is_not_judged_by_its_syntax():
    text, offset = at("def add(a, b):\n    return █\nx = (\n")
    assert syntax_errors("calc.py", text)
    assert fit_completion("a + ) b", "calc.py", text, offset).text == "a + ) b"


def test_a_language_without_a_grammar_is_not_judged_by_its_syntax():
    text, offset = at("Install with █\n")
    assert fit_completion("pip install (tether", "README.txt", text, offset).text == "pip install (tether"


def test_a_long_completion_tries_its_longest_prefixes_then_its_first_line():
    text, offset = at("def f():\n    █\n    return 0\n")
    raw = "x = 1\n" + "    y = (x +\n" * 12
    assert keep_parsing(raw, "f.py", text, offset).text == "x = 1"


def test_at_a_lines_start_the_cursor_block_is_the_completions_own_indent():
    text, offset = at("def f(xs):\n    t = 0\n    for x in xs:\n        t += x\n█\n    print(t)\n")
    raw = "    t *= 2\n    t -= 1\nprint(t)\n"
    assert fit_completion(raw, "f.py", text, offset).text == "    t *= 2\n    t -= 1"


def test_continuation_lines_in_four_space_steps_follow_a_two_space_file_relative_to_the_cursor_line():
    text, offset = at("function f(xs) {\n  if (xs.length) █\n  return 0;\n}\n")
    raw = "{\n      const first = xs[0];\n      if (first) {\n          return first;\n      }\n  }\n"
    expected = "{\n    const first = xs[0];\n    if (first) {\n      return first;\n    }\n  }"
    assert fit_completion(raw, "f.js", text, offset).text == expected


def test_an_indent_aligned_to_a_bracket_is_left_alone():
    text, offset = at("def f():\n  total = compute(█\n  return total\n")
    raw = "1,\n                  2)\n"
    assert fit_completion(raw, "f.py", text, offset).text == "1,\n                  2)"


def test_a_single_deeper_level_is_not_taken_for_another_indent_width():
    text, offset = at("def f(a, b):\n    total = compute(█\n    return total\n")
    raw = "\n            a,\n            b)\n"  # PEP 8's hanging indent: two levels
    assert fit_completion(raw, "f.py", text, offset).text == "\n            a,\n            b)"


# -- any text -------------------------------------------------------------------------------

PROPERTY = settings(max_examples=200, deadline=None, derandomize=not os.environ.get("TETHER_PROPERTY_EXPLORE"))
PIECES = st.sampled_from(
    ["    ", "\t", "\n", "\r\n", "x = 1", "(", ")", ":", "{", "}", "<|endoftext|>", "<EOT>", "<MID>", " ", "if a", "é"]
)


@PROPERTY
@given(raw=st.lists(PIECES, max_size=12).map("".join), file=st.lists(PIECES, max_size=12).map("".join), cut=st.integers(0, 100))
def test_fitting_never_raises_and_leaves_no_control_token_the_file_lacks(raw, file, cut):
    offset = min(cut, len(file))
    for path in ("any.py", "any.js", "notes.txt"):
        fitted = fit_completion(raw, path, file, offset).text
        assert not fitted.endswith((" ", "\t", "\n", "\r"))
        for token in ("<|endoftext|>", "<EOT>", "<MID>"):
            assert token not in fitted or token in file


def test_a_leashed_completion_keeps_its_last_whole_line_even_when_the_token_limit_ended_it():
    text, offset = at("def f():\n    █\n")
    raw = "a = 1\n    b = 2\n    c = 3\n    d = comp"
    assert fit_completion(raw, "f.py", text, offset, "length", max_lines=2).text == "a = 1\n    b = 2"
    assert fit_completion(raw, "f.py", text, offset, "length").text == "a = 1\n    b = 2\n    c = 3"


# -- gaps a new user found: an empty line, an inconsistent reply, tether's own markers ------


@pytest.mark.parametrize(
    ("before", "raw", "expected"),
    [
        ("x = 1\n█\n", "    y = 2", "y = 2"),  # top level: no indent at all
        ("def f(x):\n    x = 1\n█\n    return x\n", "        y = 2", "    y = 2"),  # the block's indent
        ("def f(x):\n█\n    return x\n", "        y = 2\n        z = 3", "    y = 2\n    z = 3"),
    ],
)
def test_an_empty_line_takes_the_enclosing_blocks_indent(before: str, raw: str, expected: str) -> None:
    text, offset = at(before)
    fitted = fit_completion(raw, "m.py", text, offset).text
    assert fitted == expected
    assert not syntax_errors("m.py", text[:offset] + fitted + text[offset:])
    compile(text[:offset] + fitted + text[offset:], "m.py", "exec")  # no IndentationError either


def test_a_line_indented_deeper_than_its_block_is_refused_by_pythons_parser() -> None:
    # tree-sitter's grammar sees no error in an unexpected indent; Python's parser does.
    text = "def f(x):\n    x = 1\n\n    return x\n"
    offset = text.index("\n\n") + 1
    refused = keep_parsing("        y = 2", "m.py", text, offset)
    assert refused.text == "" and "unexpected indent" in refused.reason
    assert keep_parsing("    y = 2\n  z = 3", "m.py", text, offset).text == "    y = 2"


def test_an_inconsistent_reply_is_cut_at_its_stray_line_not_rescaled() -> None:
    text, offset = at("def f():\n    return 1\n\n\n█")
    assert fit_completion("def g():\n    return 1\n  x", "m.py", text, offset).text == "def g():\n    return 1"
    # A consistent 2-space reply is still rescaled to the file's 4 spaces.
    two = "def g(a):\n  if a:\n    return 1\n  return 2"
    assert fit_completion(two, "m.py", text, offset).text == "def g(a):\n    if a:\n        return 1\n    return 2"
    # Inside brackets any indent goes (a hanging indent is not a block).
    assert fit_leading_indent("foo(a,\n        b,\n    c)\ny = 2", "x = ", text) == "foo(a,\n        b,\n    c)\ny = 2"


@pytest.mark.parametrize("marker", ["<|cursor|>", "<|user_cursor_is_here|>", "<|editable_region_start|>", "<|editable_region_end|>"])
def test_tethers_own_next_edit_markers_end_a_completion(marker: str) -> None:
    assert fit_completion(f"a + b{marker}\nmore", "notes.txt", "total = ", 8).text == "a + b"
    held = f"see {marker} here\n"  # a file that holds the marker keeps it
    assert strip_control(f"x{marker}", held) == f"x{marker}"


def test_a_column_before_the_line_start_names_the_column_not_the_line() -> None:
    from tether.config import CompleteSettings
    from tether.errors import InputError
    from tether.ops.complete import completion_request, offset_of

    with pytest.raises(InputError, match=r"Column 0 is outside line 1"):
        offset_of("x = 1\n", 0, -1)
    with pytest.raises(InputError, match="max_tokens must be between 1 and 512; got 0"):
        completion_request(CompleteSettings(), "x = 1\n", 0, 0, max_tokens=0)
    with pytest.raises(InputError, match="max_tokens must be between 1 and 512; got 513"):
        completion_request(CompleteSettings(), "x = 1\n", 0, 0, max_tokens=513)


def test_an_inconsistent_reply_in_prose_is_kept_whole_and_not_rescaled() -> None:
    # A markdown list nests by 2 or 3 columns at will: nothing is cut, nothing re-indented.
    text, offset = at("# Notes\n\n    code block\n\n█")
    raw = "- a\n   - b\n  - c"
    assert fit_completion(raw, "notes.md", text, offset).text == raw
    assert fit_completion(raw, "notes.py", text, offset).text == "- a\n   - b"
