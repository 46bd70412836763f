"""The stream watch (loops, runaway length, end of code) and fitting replies to the file."""

from __future__ import annotations

from tether.edits.fit import fit_indent, indent_style, keep_line_endings, trim_echo
from tether.edits.reply import closed_block_end, extract_code
from tether.edits.watch import ReplyWatch, looping_tail


def test_a_repeating_tail_is_a_loop_unless_the_prompt_holds_it():
    assert looping_tail("def add_" + "doc_" * 40) == "doc_"
    assert looping_tail("x = 1\n" + "    return 0\n" * 12) is not None
    table = "| a | b |\n" * 30
    assert looping_tail(table, known=table) is None  # copying the file's own table is not a loop
    assert looping_tail("# " + "-" * 78 + "\n") is None  # a separator line is code
    assert looping_tail("def f(a, b):\n    return a + b\n") is None


def test_the_watch_stops_a_loop_a_runaway_and_the_end_of_the_code():
    loop = ReplyWatch("x = 1\n")
    text = "```python\ndef add_"
    while not loop.check(text):
        text += "doc_"
    assert loop.problem is not None and loop.problem.kind == "looped" and len(text) < 400
    runaway = ReplyWatch("x = 1\n")
    text, n = "", 0
    while not runaway.check(text):
        text += f"value_{n} = {n}\n"
        n += 1
    assert runaway.problem is not None and runaway.problem.kind == "too long"
    done = ReplyWatch("x = 1\n", done=lambda reply: closed_block_end(reply, "x = 1\n"))
    assert not done.check("```python\nx = 2\n")
    assert done.check("```python\nx = 2\n```\n") and done.problem is None


def test_the_block_closes_at_the_fence_that_balances_the_regions_own():
    region = "# Title\n\n```sh\nmake\n```\n\nEnd.\n"
    reply = "````markdown\n# Demo\n\n```sh\nmake\n```\n\nEnd.\n````\nI renamed the title."
    assert closed_block_end(reply[: reply.index("```\n\nEnd") + 4], region) is None
    assert extract_code(reply, region) == "# Demo\n\n```sh\nmake\n```\n\nEnd.\n"
    shorter = "```markdown\n# Demo\n\n```sh\nmake\n```\n\nEnd.\n```\n"  # the model's fence is shorter than ours
    assert extract_code(shorter, region) == "# Demo\n\n```sh\nmake\n```\n\nEnd.\n"


def test_kept_lines_keep_their_own_line_breaks_and_new_lines_take_their_neighbours():
    assert keep_line_endings("a\r\nb\nc\r\n", "a\nB\nc\n") == "a\r\nB\nc\r\n"
    assert keep_line_endings("a\r\nb\r\n", "a\nnew\nb\n") == "a\r\nnew\r\nb\r\n"
    assert keep_line_endings("a\rb", "a\nb") == "a\rb"  # old Mac endings, no final newline
    assert keep_line_endings("a\nb", "a\nb\n") == "a\nb\n"  # the final newline is the new text's choice


def test_indentation_follows_the_file():
    assert indent_style("def f():\n\tpass\n") == ("\t", 1)
    assert indent_style("        a\n        b\n") == (" ", 0)  # a nested fragment shows no width
    assert fit_indent("if x:\n    y\n", "\tz\n", "def f():\n\tz\n", "a.go") == "\tif x:\n\t\ty\n"
    assert fit_indent("if x:\n    y\n", "  z\n", "if a:\n  z\n", "a.py") == "  if x:\n    y\n"
    assert fit_indent("all:\n    cc x\n", "all:\n\tcc\n", "all:\n\tcc\n", "Makefile") == "all:\n\tcc x\n"


def test_echoed_context_is_trimmed_only_when_the_selection_did_not_hold_it():
    above, below = ["def f(items):", "    total = 0"], ["    return total"]
    reply = "    total = 0\n    for i in items:\n        total += i\n    return total\n"
    assert trim_echo(reply, above, below, "    pass\n") == "    for i in items:\n        total += i\n"
    # the selection itself starts with a line equal to the one above: nothing to trim
    assert trim_echo("x = 1\nx = 1\n", ["x = 1"], [], "x = 1\n") == "x = 1\nx = 1\n"
