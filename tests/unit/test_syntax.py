"""tree-sitter layer: grammars load offline, syntax errors, enclosing scopes, tags."""

from __future__ import annotations

import pytest

from tether.code.syntax import (
    GRAMMARS,
    adds_syntax_errors,
    enclosing_scopes,
    lang_of,
    syntax_errors,
)
from tether.code.tags import DEF_QUERIES, extract_tags

VALID = {
    "a.py": "import os\n\nclass A:\n    def m(self, x):\n        return os.path.join(x)\n",
    "a.js": "const K = 3;\nfunction f(a) {\n  return a * K;\n}\nclass C {\n  m() { return f(1); }\n}\n",
    "a.ts": "interface I { m(): void }\ntype T = number;\nexport function f(a: T): T {\n  return a;\n}\n",
    "a.tsx": 'export function App() {\n  return <div className="x">hi</div>;\n}\n',
    "a.go": "package main\n\ntype S struct{ a int }\n\nfunc (s *S) M() int {\n\treturn s.a\n}\n",
    "a.rs": "struct S { a: i32 }\nimpl S {\n    fn m(&self) -> i32 {\n        self.a\n    }\n}\n",
    "A.java": "public class A {\n  int m(int x) {\n    return x + 1;\n  }\n}\n",
    "a.c": "#define N 3\nstruct S { int a; };\nint f(int a) {\n  return a + N;\n}\n",
    "a.cpp": "namespace ns {\nclass C {\n public:\n  int m() { return 1; }\n};\n}\n",
}

BROKEN = {
    "a.py": "def f(:\n    pass\n",
    "a.js": "function f( {\n  return 1;\n}\n",
    "a.ts": "function f(a: ) {\n  return a;\n}\n",
    "a.tsx": "export function App() {\n  return <div>;\n}\n",
    "a.go": "package main\n\nfunc f( {\n}\n",
    "a.rs": "fn f( {\n}\n",
    "A.java": "public class A {\n  int m( {\n  }\n}\n",
    "a.c": "int f(int a {\n  return a;\n}\n",
    "a.cpp": "class C {\n  int m( {\n};\n",
}


def test_every_grammar_loads_and_maps_from_its_extensions() -> None:
    assert set(GRAMMARS) == {"python", "javascript", "typescript", "tsx", "go", "rust", "java", "c", "cpp"}
    assert {lang_of(p) for p in VALID} == set(GRAMMARS)
    assert lang_of("notes.md") is None and lang_of("Makefile") is None


@pytest.mark.parametrize("path", sorted(VALID))
def test_valid_code_has_no_syntax_errors(path: str) -> None:
    assert syntax_errors(path, VALID[path]) == []


@pytest.mark.parametrize("path", sorted(BROKEN))
def test_broken_code_reports_errors_with_lines(path: str) -> None:
    errors = syntax_errors(path, BROKEN[path])
    assert errors, f"no error found in {path}"
    for line, message in errors:
        assert 1 <= line <= BROKEN[path].count("\n") + 1
        assert message


def test_unknown_language_has_no_errors() -> None:
    assert syntax_errors("notes.txt", "def f(:") == []
    assert adds_syntax_errors("notes.txt", "", "def f(:") == []


def test_adds_syntax_errors_only_counts_new_ones() -> None:
    good = "def f(a):\n    return a\n\n\ndef g(b):\n    return b\n"
    assert adds_syntax_errors("m.py", good, good.replace("return a", "return a +")) != []
    assert adds_syntax_errors("m.py", good, good.replace("return b", "return b * 2")) == []
    # A file that was already broken does not block an edit elsewhere, even when lines move.
    broken = "x = (\n\n" + good
    edited = "# a comment\nx = (\n\n" + good.replace("return b", "return b * 2")
    assert syntax_errors("m.py", broken) and adds_syntax_errors("m.py", broken, edited) == []
    # ...but a second error is still caught.
    assert adds_syntax_errors("m.py", broken, broken.replace("return a", "return a +")) != []


def test_enclosing_scopes_innermost_first() -> None:
    text = "class A:\n    @staticmethod\n    def m(x):\n        y = x\n        return y\n\n\ndef top():\n    pass\n"
    scopes = enclosing_scopes("a.py", text, 3, 3)
    assert [(s.kind, s.name) for s in scopes] == [("function_definition", "m"), ("class_definition", "A")]
    assert (scopes[0].start_line, scopes[0].end_line) == (1, 4)  # decorator included
    assert (scopes[1].start_line, scopes[1].end_line) == (0, 4)
    assert enclosing_scopes("a.py", text, 0, 8) == []  # nothing encloses the whole file


@pytest.mark.parametrize(
    "path, line, name",
    [("a.js", 5, "m"), ("a.go", 5, "M"), ("a.rs", 3, "m"), ("A.java", 2, "m"), ("a.c", 3, "f"), ("a.cpp", 3, "m")],
)
def test_enclosing_scope_in_each_language(path: str, line: int, name: str) -> None:
    scopes = enclosing_scopes(path, VALID[path], line, line)
    assert scopes and scopes[0].name == name


def test_tags_leave_nested_functions_out_and_join_headers() -> None:
    text = "X = 1\n\nclass A(Base):\n    def m(self,\n          y):\n        def inner():\n            pass\n\ndef f():\n    pass\n"
    defs = sorted(extract_tags("python", text.encode("utf-8")).defs, key=lambda d: d.line)
    assert [(d.name, d.kind) for d in defs] == [("X", "constant"), ("A", "class"), ("m", "method"), ("f", "function")]
    assert defs[2].signature == "def m(self, y):"  # a multi-line header on one line


def test_def_queries_compile_for_every_language() -> None:
    for lang in GRAMMARS:
        assert lang in DEF_QUERIES
        extract_tags(lang, b"")


@pytest.mark.parametrize(
    "lang, source, expected",
    [
        ("python", b"class A:\n    def m(self): pass\ndef f(): pass\n", {("A", "class"), ("m", "method"), ("f", "function")}),
        (
            "javascript",
            b"class C { m() {} }\nconst g = (x) => x;\nfunction f() {}\n",
            {("C", "class"), ("m", "method"), ("g", "function"), ("f", "function")},
        ),
        (
            "typescript",
            b"interface I { m(): void }\ntype T = number;\nenum E { A }\n",
            {("I", "interface"), ("m", "method"), ("T", "type"), ("E", "enum")},
        ),
        (
            "go",
            b"package p\ntype S struct{}\nfunc (s S) M() {}\nfunc F() {}\nconst C = 1\n",
            {("S", "type"), ("M", "method"), ("F", "function"), ("C", "constant")},
        ),
        (
            "rust",
            b"struct S;\ntrait T { fn t(&self); }\nimpl S { fn m(&self) {} }\nfn f() {}\n",
            {("S", "class"), ("T", "interface"), ("t", "method"), ("m", "method"), ("f", "function")},
        ),
        (
            "java",
            b"class A { A() {} void m() {} interface I {} }\n",
            {("A", "class"), ("A", "method"), ("m", "method"), ("I", "interface")},
        ),
        (
            "c",
            b"#define N 1\nstruct S { int a; };\ntypedef int T;\nint f(void);\nchar *g(void) { return 0; }\n",
            {("N", "macro"), ("S", "class"), ("T", "type"), ("f", "function"), ("g", "function")},
        ),
        (
            "cpp",
            b"namespace ns { class C { int m(); }; }\nint ns::C::m() { return 1; }\n",
            {("ns", "module"), ("C", "class"), ("m", "method")},
        ),
    ],
)
def test_definitions_per_language(lang: str, source: bytes, expected: set) -> None:
    found = {(d.name, d.kind) for d in extract_tags(lang, source).defs}
    assert found == expected


def test_nested_functions_are_not_definitions_but_references_are_counted() -> None:
    tags = extract_tags("python", b"def outer():\n    def inner():\n        return helper(helper(1))\n    return inner\n")
    assert [d.name for d in tags.defs] == ["outer"]
    assert tags.refs["helper"] == 2 and tags.refs["inner"] == 2
    assert "return" not in tags.refs  # keywords are not identifiers
