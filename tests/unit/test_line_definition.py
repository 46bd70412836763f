"""One definition of a line (\\n, \\r\\n, \\r; LSP 3.17) in every module that counts lines.

Bug case 02 as pure tests: form feed, U+2028, U+0085 and the like are characters inside a line
for hunks, LSP positions, completion offsets, tree-sitter rows and error messages alike.
"""

from __future__ import annotations

import pytest
from lsprotocol import types

from tether.code.syntax import enclosing_scopes, syntax_errors
from tether.errors import InputError
from tether.lines import split_lines
from tether.lsp.convert import code_points, lsp_position_at, lsp_text_edit, to_line_col
from tether.ops.complete import offset_of
from tether.prompts.complete import fim_parts
from tether.proposals import NO_NEWLINE, apply_hunks, line_replacement, make_hunks
from tether.workspace import decode_text

UTF8, UTF16 = types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16

CASE = "import os\nSEP = \"a\u2028b\"\n\x0c\ndef greet():\n    return 'hi'\n"  # bug case 02, 5 lines
LSP_CASE = "import os\n\x0c\ndef greet():\n    return 'hi'\n"  # its LSP part, 4 lines


def test_hunk_header_counts_lines_as_git_does():
    new = CASE.replace("'hi'", "'hello'")
    (hunk,) = make_hunks("mod.py", CASE, new)
    assert hunk.diff == ("@@ -2,4 +2,4 @@\n SEP = \"a\u2028b\"\n \x0c\n def greet():\n-    return 'hi'\n+    return 'hello'\n")
    assert hunk.old_start == 2 and NO_NEWLINE not in hunk.diff
    assert apply_hunks(CASE, [hunk]) == new


def test_no_newline_marker_only_on_the_real_last_line():
    base = "a\n\x0c\nb\n\x0c\nc"
    (hunk,) = make_hunks("m.py", base, base.replace("b", "B"))
    assert hunk.diff.count(NO_NEWLINE) == 1 and hunk.diff.endswith(" c\n" + NO_NEWLINE)
    (end,) = make_hunks("m.py", "a\nb\x0c", "a\nb\x0c\n")
    assert end.diff == "@@ -1,2 +1,2 @@\n a\n-b\x0c\n" + NO_NEWLINE + "+b\x0c\n"


def test_lone_cr_lines_stay_one_diff_line_each():
    base = "a\rb\rc\r"
    (hunk,) = make_hunks("m.py", base, base.replace("b", "B"))
    assert hunk.diff == "@@ -1,3 +1,3 @@\n a\r\n-b\r\n+B\r\n c\r\n"
    assert hunk.changed_lines == 2 and NO_NEWLINE not in hunk.diff
    assert apply_hunks(base, [hunk]) == "a\rB\rc\r"


def test_line_replacement_counts_lsp_lines():
    assert line_replacement(LSP_CASE, LSP_CASE.replace("'hi'", "'yo'")) == (3, 4, "    return 'yo'\n")


def test_lsp_text_edit_for_case_02_changes_the_editors_line_3():
    edit = lsp_text_edit(LSP_CASE, LSP_CASE.replace("'hi'", "'hi'  # edited"), UTF16)
    assert (edit.range.start.line, edit.range.start.character) == (3, 0)
    assert (edit.range.end.line, edit.range.end.character) == (4, 0)
    assert edit.new_text == "    return 'hi'  # edited\n"


def test_positions_with_separators_inside_lines_stay_utf16():
    text = "a\u2028😀\x85b\nc"
    assert to_line_col(text, types.Position(line=0, character=4), UTF16) == (0, 3)  # a, U+2028, 😀 (2 units)
    assert to_line_col(text, types.Position(line=1, character=1), UTF16) == (1, 1)
    assert to_line_col(text, types.Position(line=0, character=8), UTF8) == (0, 3)  # 1 + 3 + 4 bytes
    assert lsp_position_at(text, 5, UTF16) == types.Position(line=0, character=6)
    assert lsp_position_at(text, 6, UTF16) == types.Position(line=1, character=0)
    assert code_points("x\x0c\r\n", 99, UTF16) == 2


def test_position_between_cr_and_lf_is_the_end_of_the_line():
    assert lsp_position_at("ab\r\ncd", 3, UTF16) == types.Position(line=0, character=2)
    assert lsp_position_at("ab\r\ncd", 4, UTF16) == types.Position(line=1, character=0)
    assert lsp_position_at("ab\rcd", 3, UTF16) == types.Position(line=1, character=0)


def test_lsp_text_edit_on_a_last_line_without_break_ends_in_utf16_units():
    old = "a\n\x0c\nlast = '😀'"
    edit = lsp_text_edit(old, old.replace("'😀'", "'😀😀'"), UTF16)
    assert (edit.range.start.line, edit.range.start.character) == (2, 0)
    assert (edit.range.end.line, edit.range.end.character) == (2, len("last = ''") + 2)


def test_completion_offset_uses_lsp_lines():
    assert offset_of(LSP_CASE, 3, 4) == LSP_CASE.index("return")
    assert offset_of("a\rb\r\nc", 2, 1) == 6
    with pytest.raises(InputError, match="outside the document, which has 4 lines"):
        offset_of(LSP_CASE, 9, 0)


def test_fim_suffix_is_cut_after_a_whole_line():
    text = "x = 1\r\n\x0cy = 2\r\nz = 3\r\n"
    parts = fim_parts(text, 0, 1000, 12)
    assert parts.suffix == "x = 1\r\n"
    assert fim_parts("x = 1\ry = 2\rz\r", 0, 1000, 9).suffix == "x = 1\r"


def test_tree_sitter_rows_are_tether_lines():
    form_feed = "import os\n\x0c\ndef f(:\n    pass\n"
    assert [line for line, _ in syntax_errors("m.py", form_feed)] == [3]
    lone_cr = "import os\r\rdef f():\r    return 1\r"
    scopes = enclosing_scopes("m.py", lone_cr, 3, 3)
    assert [(s.name, s.start_line, s.end_line) for s in scopes] == [("f", 2, 3)]
    assert split_lines(lone_cr)[scopes[0].start_line] == "def f():"


def test_a_bad_byte_is_reported_on_its_lsp_line():
    with pytest.raises(InputError, match="bad byte at line 3"):
        decode_text(b"a\rb\x0c\r\n\xff", "m.py")


def test_env_secrets_are_redacted_on_every_kind_of_line():
    from tether.secrets import REDACTED, redact, unredact

    text = "A=1\rAPI_KEY=abcdef123456\rB=2\r\nTOKEN=zzzzzz99\n\x0cSECRET=qwerty1234\n"
    seen = redact(text)
    assert seen == f"A=1\rAPI_KEY={REDACTED}\rB=2\r\nTOKEN={REDACTED}\n\x0cSECRET={REDACTED}\n"
    assert unredact(seen, text) == text


def test_tag_rows_are_tether_lines():
    from tether.code.tags import extract_tags

    for text in (
        "x = 1\r\x0c\rclass A:\r    def m(self):\r        pass\r",
        "x = '\u2028'\n\x0c\nclass A:\n    def m(self):\n        pass\n",
    ):
        defs = sorted(extract_tags("python", text.encode("utf-8")).defs, key=lambda d: (d.line, -d.end_line))
        assert [(d.name, d.line, d.end_line) for d in defs] == [("x", 0, 0), ("A", 2, 4), ("m", 3, 4)]
        assert defs[2].signature.startswith("def m(self)")


def test_synced_buffer_applies_incremental_changes_on_lsp_lines():
    from tether.lsp.documents import LspWorkspace

    workspace = LspWorkspace("file:///ws", types.TextDocumentSyncKind.Incremental, [], UTF16)
    uri = "file:///ws/mod.py"
    text = "s = '😀\u2028'\n\x0c\ndef greet():\n    return 'hi'\n"
    workspace.put_text_document(types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text))
    at = types.Position(line=3, character=15)
    change = types.TextDocumentContentChangePartial(range=types.Range(start=at, end=at), text="  # edited")
    workspace.update_text_document(types.VersionedTextDocumentIdentifier(uri=uri, version=2), change)
    assert workspace.get_text_document(uri).source == text.replace("'hi'", "'hi'  # edited")
    at = types.Position(line=0, character=7)  # after the emoji: two UTF-16 units
    change = types.TextDocumentContentChangePartial(range=types.Range(start=at, end=at), text="!")
    workspace.update_text_document(types.VersionedTextDocumentIdentifier(uri=uri, version=3), change)
    assert workspace.get_text_document(uri).source.startswith("s = '😀!\u2028'\n\x0c\n")
