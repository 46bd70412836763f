"""Next edit, the pure parts: edit history (coalescing, bounds, refused paths), the minimal
replacement, and each prompt format's rendering and reading."""

from __future__ import annotations

import pytest

from tether.context.edit_history import EditHistory, line_change
from tether.errors import GenerationError
from tether.ops.next_edit import changed_lines, minimal_replacement, read_reply
from tether.prompts.next_edit import CURSOR, REGION_END, REGION_START, editable_region, instruct_request, parse_zeta, zeta_request

DOC = "def area(width, height):\n    w = width\n    return w * height\n"


def test_history_records_a_line_diff_and_coalesces_typing_on_the_same_line():
    history = EditHistory()
    assert history.observe("a.py", DOC, 0) is None  # the starting point
    text = DOC
    for i, name in enumerate(["wi", "wid", "widt", "w"]):  # shorten, lengthen, within a second each
        text = DOC.replace("width, height", f"{name}, height")
        history.observe("a.py", text, 100 + 300 * i)
    (event,) = history.events("a.py")
    assert (event.start_line, event.old_lines, event.new_lines) == (0, [DOC.splitlines(True)[0]], ["def area(w, height):\n"])
    assert event.at_ms == 1000
    assert "@@ -1,1 +1,1 @@\n-def area(width, height):\n+def area(w, height):\n" in history.events_text("a.py")


def test_history_starts_a_new_event_after_the_pause_or_on_another_line():
    history = EditHistory(coalesce_ms=1000)
    history.observe("a.py", DOC, 0)
    one = DOC.replace("width, height", "w, height")
    history.observe("a.py", one, 0)
    two = one.replace("    w = width", "    w = w")
    history.observe("a.py", two, 10)  # another line: a new event
    three = two.replace("w * height", "w * h")
    history.observe("a.py", three, 5000)
    four = three.replace("w * h", "w * he")
    history.observe("a.py", four, 9000)  # same line, after the pause
    assert [e.start_line for e in history.events("a.py")] == [0, 1, 2, 2]


def test_history_typed_then_undone_leaves_no_event():
    history = EditHistory()
    history.observe("a.py", DOC, 0)
    history.observe("a.py", DOC.replace("height", "heightx", 1), 10)
    history.observe("a.py", DOC, 20)
    assert history.events("a.py") == []


def test_history_is_bounded_per_document_and_in_documents():
    history = EditHistory(max_events=3, max_documents=2, coalesce_ms=0)
    history.observe("a.py", "x\n", 0)
    for i in range(6):
        history.observe("a.py", f"x{i}\n" + "\n" * i, 1000 * (i + 1))  # a new line each time, far apart
    assert len(history.events("a.py")) == 3
    assert history.events("a.py")[-1].at_ms == 6000
    for name in ("b.py", "c.py"):
        history.observe(name, "1\n", 0)
        history.observe(name, "2\n", 10)
    assert history.events("a.py") == []  # the least recently edited document went
    assert [e.path for e in history.events()] == ["b.py", "c.py"]


def test_history_never_records_secret_or_excluded_files():
    history = EditHistory(excluded=lambda path: path.startswith("build/"))
    for path in (".env", "secrets/id_rsa", "build/gen.py"):
        history.observe(path, "KEY=1\n", 0)
        history.observe(path, "KEY=2\n", 10)
        assert history.events(path) == []
        assert history.refused(path)
    assert history.events() == []


def test_history_prompt_text_redacts_secret_looking_strings_and_keeps_the_newest_events():
    history = EditHistory(coalesce_ms=0)
    history.observe("conf.py", "x = 1\n", 0)
    history.observe("conf.py", 'x = 1\nAPI_KEY = "sk-abcdef1234567890abcdef"\n', 10)
    history.observe("conf.py", 'y = 1\nAPI_KEY = "sk-abcdef1234567890abcdef"\n', 20)
    assert "sk-abcdef" in "".join(history.events("conf.py")[0].new_lines)  # kept as typed, redacted when rendered
    text = history.events_text(max_events=2)
    assert "sk-abcdef" not in text and '+API_KEY = "[REDACTED]"' in text
    assert history.events_text(max_events=1).count("User edited") == 1 and "+y = 1" in history.events_text(max_events=1)
    assert history.events_text(max_events=0) == ""


def test_removed_names_are_the_old_names_of_a_rename():
    history = EditHistory()
    history.observe("a.py", DOC, 0)
    history.observe("a.py", DOC.replace("width, height", "w, height"), 10)
    (event,) = history.events("a.py")
    assert event.removed_names() == ["width"]
    history.observe("a.py", DOC.replace("width, height", "w, height") + "x = 1\n", 5000)
    assert history.events("a.py")[-1].removed_names() == []  # an insertion removes nothing


def test_line_change_is_the_one_block_that_differs():
    assert line_change("a\nb\nc\n", "a\nB\nB2\nc\n") == (1, ["b\n"], ["B\n", "B2\n"])
    assert line_change("a\nc\n", "a\nb\nc\n") == (1, [], ["b\n"])
    assert line_change("a\nb", "a\nb!") == (1, ["b"], ["b!"])


def test_minimal_replacement_leaves_out_the_common_head_and_tail():
    text = "x = 1\ndef f(width):\n    return width\n"
    start = text.index("def")
    old = "def f(width):\n    return width\n"
    new = "def f(width):\n    return w\n"
    rep = minimal_replacement(text, start, old, new)
    assert rep is not None
    assert (rep.start_line, rep.start_col, rep.end_line, rep.end_col, rep.text) == (2, 12, 2, 16, "")
    assert changed_lines(rep) == 1
    assert minimal_replacement(text, start, old, old) is None
    inserted = minimal_replacement(text, start, old, old + "    pass\n")
    assert inserted is not None and (inserted.start_line, inserted.start_col, inserted.end_line, inserted.text) == (3, 0, 3, "    pass\n")
    assert changed_lines(inserted) == 2


def test_minimal_replacement_with_repeated_characters_does_not_overlap():
    rep = minimal_replacement("aaa", 0, "aaa", "aaaa")
    assert rep is not None and (rep.start_col, rep.end_col, rep.text) == (3, 3, "a")


def test_zeta_prompt_marks_region_and_cursor_and_its_reply_is_read():
    region = editable_region(DOC, 1, 8, 1, 1)
    assert (region.start_line, region.end_line) == (0, 3)
    request = zeta_request("a.py", DOC, region, 'User edited "a.py":\n```diff\n@@ -1,1 +1,1 @@\n-a\n+b\n```\n', 64)
    assert request.prompt is not None and request.stop == [REGION_END]
    assert '### User Edits:\n\nUser edited "a.py"' in request.prompt
    assert f"```a.py\n<|start_of_file|>\n{REGION_START}\ndef area(width, height):\n    w = {CURSOR}width\n" in request.prompt
    assert request.prompt.endswith("### Response:\n")
    reply = f"```a.py\n<|start_of_file|>\n{REGION_START}\ndef area(w, height):\n    w = {CURSOR}w\n    return w * height\n{REGION_END}\n```"
    assert parse_zeta(reply) == "def area(w, height):\n    w = w\n    return w * height\n"
    assert read_reply("zeta", "def f():\n    pass", region) == "def f():\n    pass\n"


def test_instruct_prompt_and_fenced_reply():
    region = editable_region(DOC, 2, 4, 1, 0)
    request = instruct_request("a.py", region, "", 64)
    assert request.messages is not None
    user = request.messages[-1].content
    assert f"```\n    w = width\n    {CURSOR}return w * height\n```" in user
    assert "(none)" in user and "lines 2-3" in user
    assert read_reply("instruct", "Here:\n```python\n    w = width\n    return w * h\n```\n", region) == "    w = width\n    return w * h\n"
    with pytest.raises(GenerationError):
        read_reply("instruct", "<<<<<<< SEARCH\n    w = width\n=======\n    w = 1\n>>>>>>> REPLACE\n", region)
