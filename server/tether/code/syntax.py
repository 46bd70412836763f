"""Tree-sitter parsing: languages, syntax errors and enclosing scopes.

Grammars come from the per-language wheels (``tree-sitter-python`` and friends), which work
offline; nothing is downloaded at run time. ``adds_syntax_errors`` is what edit validation uses
to re-ask the model when an edit breaks the parse; ``enclosing_scopes`` feeds the scope context
provider. A file's definitions and outline are in ``tags.py``.
"""

from __future__ import annotations

import importlib
import threading
from collections import Counter
from dataclasses import dataclass
from functools import cache

from tree_sitter import Language, Node, Parser, Tree

from ..languages import language_for
from ..lines import lone_cr_as_lf, split_lines

# language name -> (module, function returning the grammar pointer)
GRAMMARS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "java": ("tree_sitter_java", "language"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
}

# Node types that open a scope worth showing as context around a selection.
SCOPE_TYPES: dict[str, frozenset[str]] = {
    "python": frozenset({"function_definition", "class_definition"}),
    "javascript": frozenset(
        {
            "function_declaration",
            "generator_function_declaration",
            "function_expression",
            "arrow_function",
            "method_definition",
            "class_declaration",
            "class",
        }
    ),
    "go": frozenset({"function_declaration", "method_declaration", "func_literal", "type_declaration"}),
    "rust": frozenset(
        {
            "function_item",
            "impl_item",
            "trait_item",
            "mod_item",
            "struct_item",
            "enum_item",
            "closure_expression",
        }
    ),
    "java": frozenset(
        {
            "method_declaration",
            "constructor_declaration",
            "class_declaration",
            "interface_declaration",
            "enum_declaration",
            "record_declaration",
            "lambda_expression",
        }
    ),
    "c": frozenset({"function_definition", "struct_specifier", "enum_specifier", "union_specifier"}),
}
SCOPE_TYPES["typescript"] = SCOPE_TYPES["javascript"] | {
    "abstract_class_declaration",
    "interface_declaration",
    "enum_declaration",
    "internal_module",
}
SCOPE_TYPES["tsx"] = SCOPE_TYPES["typescript"]
SCOPE_TYPES["cpp"] = SCOPE_TYPES["c"] | {"class_specifier", "namespace_definition", "lambda_expression"}

MAX_ERRORS = 20
_local = threading.local()


def lang_of(path: str) -> str | None:
    """The tree-sitter language name for a path, or None when there is no grammar for it."""
    name = language_for(path)
    return name if name in GRAMMARS else None


@cache
def get_language(name: str) -> Language:
    module_name, func = GRAMMARS[name]
    module = importlib.import_module(module_name)
    return Language(getattr(module, func)())


def get_parser(name: str) -> Parser:
    """A parser for ``name``, one per thread (parsers are not thread-safe)."""
    parsers = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    parser = parsers.get(name)
    if parser is None:
        parser = parsers[name] = Parser(get_language(name))
    return parser


def parse_source(lang: str, source: bytes) -> Tree:
    """The tree of UTF-8 ``source``; its rows are tether's 0-based lines (a lone \\r ends a row too)."""
    return get_parser(lang).parse(lone_cr_as_lf(source))


def parse(path: str, text: str) -> Tree | None:
    """The syntax tree of ``text`` as the language of ``path``, or None when unsupported."""
    lang = lang_of(path)
    return parse_source(lang, text.encode("utf-8")) if lang else None


# ---- syntax errors -------------------------------------------------------------------------


def syntax_errors(path: str, text: str) -> list[tuple[int, str]]:
    """(1-based line, message) for each parse error; empty when the language is unknown."""
    tree = parse(path, text)
    if tree is None or not tree.root_node.has_error:
        return []
    lines = split_lines(text)
    errors: list[tuple[int, str]] = []
    _collect_errors(tree.root_node, lines, errors)
    return errors


def _collect_errors(node: Node, lines: list[str], out: list[tuple[int, str]]) -> None:
    # Iterative walk that only enters subtrees containing an error: fast on big, mostly valid files.
    stack = [node]
    while stack and len(out) < MAX_ERRORS:
        current = stack.pop()
        row = current.start_point.row
        if current.is_missing:
            out.append((row + 1, f"missing `{current.type}`"))
        elif current.is_error:
            snippet = lines[row].strip()[:60] if row < len(lines) else ""
            out.append((row + 1, f"unexpected syntax near `{snippet}`" if snippet else "unexpected syntax"))
        else:
            stack.extend(reversed([c for c in current.children if c.has_error]))


def adds_syntax_errors(path: str, before: str, after: str) -> list[tuple[int, str]]:
    """Errors in ``after`` that ``before`` did not have (line numbers are those of ``after``).

    Lines move when code is edited, so errors are compared by message and the text of their
    line, as a multiset: a file that was already broken does not block an edit elsewhere.
    """
    new = syntax_errors(path, after)
    if not new:
        return []
    old_keys = Counter(_error_key(msg, before, line) for line, msg in syntax_errors(path, before))
    added = []
    for line, msg in new:
        key = _error_key(msg, after, line)
        if old_keys[key] > 0:
            old_keys[key] -= 1
        else:
            added.append((line, msg))
    return added


def _error_key(message: str, text: str, line: int) -> tuple[str, str]:
    lines = split_lines(text)
    return message, lines[line - 1].strip() if 0 < line <= len(lines) else ""


# ---- scopes and outline --------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """A syntactic scope; lines are 0-based and inclusive."""

    kind: str
    name: str
    start_line: int
    end_line: int

    @property
    def line_count(self) -> int:
        return self.end_line - self.start_line + 1


def enclosing_scopes(path: str, text: str, start_line: int, end_line: int) -> list[Scope]:
    """Scopes that contain lines [start_line, end_line] (0-based, inclusive), innermost first.

    Decorators and leading comments are not part of a scope; a Python function's range
    includes its decorators.
    """
    lang = lang_of(path)
    if lang is None:
        return []
    tree = parse_source(lang, text.encode("utf-8"))
    lines = split_lines(text)
    first = lines[start_line] if 0 <= start_line < len(lines) else ""
    last = lines[end_line] if 0 <= end_line < len(lines) else ""
    # From the first to the last non-blank character (tree-sitter columns are UTF-8 bytes), so
    # indentation does not widen the range to the enclosing block.
    start_col = len(first.encode("utf-8")) - len(first.lstrip().encode("utf-8"))
    end_col = max(len(last.rstrip().encode("utf-8")) - 1, 0)
    node: Node | None = tree.root_node.descendant_for_point_range((start_line, start_col), (end_line, end_col))
    types = SCOPE_TYPES[lang]
    scopes = []
    while node is not None:
        if node.type in types:
            top = node.parent if node.parent is not None and node.parent.type == "decorated_definition" else node
            if top.start_point.row <= start_line and top.end_point.row >= end_line:
                scopes.append(Scope(node.type, _node_name(node), top.start_point.row, _last_row(top)))
        node = node.parent
    return scopes


def _node_name(node: Node) -> str:
    name = node.child_by_field_name("name")
    if name is None:
        declarator = node.child_by_field_name("declarator")
        while declarator is not None and declarator.child_by_field_name("declarator") is not None:
            declarator = declarator.child_by_field_name("declarator")
        name = declarator
    return name.text.decode("utf-8", "replace") if name is not None and name.text else ""


def _last_row(node: Node) -> int:
    # A node ending at column 0 ends on the previous line (its trailing newline).
    row = node.end_point.row
    return row - 1 if node.end_point.column == 0 and row > node.start_point.row else row
