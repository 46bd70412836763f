"""RecentChunks: the completion ring buffer keeps a stable, oldest-first order between keystrokes."""

from __future__ import annotations

from tether.context.recent import RecentChunks

DOC = "".join(f"line {i}\n" for i in range(100))


def test_snippets_are_oldest_first_and_exclude_the_current_file() -> None:
    recent = RecentChunks(window_lines=10)
    recent.record("a.py", DOC, 3)
    recent.record("b.py", DOC, 50)
    recent.record("c.py", DOC, 80)
    assert [s.path for s in recent.snippets()] == ["a.py", "b.py", "c.py"]
    assert [s.path for s in recent.snippets(exclude_path="b.py")] == ["a.py", "c.py"]
    b = recent.snippets()[1]
    assert b.start_line <= 50 < b.end_line and b.text.startswith(f"line {b.start_line}\n")
    assert b.source().kind == "recent" and b.source().start_line == b.start_line + 1


def test_typing_in_one_file_keeps_the_prefix_identical() -> None:
    recent = RecentChunks(window_lines=10)
    recent.record("a.py", DOC, 10)
    recent.record("b.py", DOC, 10)
    before = recent.snippets(exclude_path="cur.py")
    text = DOC
    for i in range(20):  # keystrokes in cur.py, cursor moving a little
        text = text.replace("line 42\n", f"line 42{'x' * i}\n")
        recent.record("cur.py", text, 42 + i % 3)
        assert recent.snippets(exclude_path="cur.py") == before


def test_an_unchanged_chunk_keeps_its_place_and_a_changed_one_moves_last() -> None:
    recent = RecentChunks(window_lines=10)
    recent.record("a.py", DOC, 10)
    recent.record("b.py", DOC, 10)
    recent.record("a.py", DOC, 11)  # same grid cell, same text
    assert [s.path for s in recent.snippets()] == ["a.py", "b.py"]
    recent.record("a.py", DOC.replace("line 11\n", "line eleven\n"), 11)
    assert [s.path for s in recent.snippets()] == ["b.py", "a.py"]
    assert "line eleven" in recent.snippets()[-1].text
    assert len(recent) == 2  # replaced, not added


def test_budget_capacity_secrets_and_forget() -> None:
    recent = RecentChunks(capacity=3, window_lines=10)
    for name in ("a.py", "b.py", "c.py", "d.py"):
        recent.record(name, DOC, 0)
    assert [s.path for s in recent.snippets()] == ["b.py", "c.py", "d.py"]  # a.py fell out
    one = len(recent.snippets()[0].text)
    assert [s.path for s in recent.snippets(budget_chars=2 * one)] == ["c.py", "d.py"]  # the newest that fit
    recent.record(".env", "OPENAI_API_KEY=sk-canary0123456789abcdefghij\n", 0)
    recent.record("k.py", 'API_KEY = "sk-canary0123456789abcdefghij"\n', 0)
    assert all(s.path != ".env" for s in recent.snippets())
    assert "sk-canary" not in recent.snippets()[-1].text
    recent.forget("k.py")
    assert all(s.path != "k.py" for s in recent.snippets())
    recent.record("empty.py", "", 0)
    assert all(s.path != "empty.py" for s in recent.snippets())


def test_a_chunk_too_long_to_be_a_snippet_is_not_recorded() -> None:
    recent = RecentChunks()
    recent.record("blob.py", "data = 'x'\n", 0)
    blob = "data = '" + "A" * 400_000 + "'\n"  # a minified bundle or base64 blob (case 23)
    recent.record("blob.py", blob, 0)
    assert all(s.path != "blob.py" for s in recent.snippets())  # the stale chunk went too
