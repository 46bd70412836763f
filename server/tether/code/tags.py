"""Definitions and references of a source file, found with tree-sitter queries.

The repo map is built from these tags: a definition is a named class, function, method,
type or constant at file or class level (functions nested inside functions are left out: they
are not part of anything another file can call); a reference is every identifier-like node,
counted per name. Each query pattern captures the whole definition as ``@definition.<kind>``
and its name as ``@name``.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from typing import NamedTuple

from tree_sitter import Node, Query, QueryCursor

from ..lines import lone_cr_as_lf
from .syntax import get_language, parse_source

MAX_SIGNATURE_CHARS = 240
_KEYWORDS_ONLY = re.compile(rb"[ \t]*(?:[A-Za-z_]+[ \t]+)*")

_JS_DEFS = """
(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(class_declaration name: (_) @name) @definition.class
(method_definition name: (_) @name) @definition.method
(variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @definition.function
(program (lexical_declaration (variable_declarator name: (identifier) @name) @definition.constant))
(program (export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @name) @definition.constant)))
"""

_TS_DEFS = (
    _JS_DEFS
    + """
(abstract_class_declaration name: (type_identifier) @name) @definition.class
(interface_declaration name: (type_identifier) @name) @definition.interface
(type_alias_declaration name: (type_identifier) @name) @definition.type
(enum_declaration name: (identifier) @name) @definition.enum
(function_signature name: (identifier) @name) @definition.function
(method_signature name: (_) @name) @definition.method
(abstract_method_signature name: (_) @name) @definition.method
(internal_module name: (_) @name) @definition.module
"""
)

_C_DEFS = """
(function_definition declarator: (function_declarator declarator: (identifier) @name)) @definition.function
(function_definition declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))) @definition.function
(translation_unit (declaration declarator: (function_declarator declarator: (identifier) @name)) @definition.function)
(translation_unit (declaration declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))) @definition.function)
(struct_specifier name: (type_identifier) @name body: (_)) @definition.class
(union_specifier name: (type_identifier) @name body: (_)) @definition.class
(enum_specifier name: (type_identifier) @name body: (_)) @definition.enum
(type_definition declarator: (type_identifier) @name) @definition.type
(preproc_def name: (identifier) @name) @definition.macro
(preproc_function_def name: (identifier) @name) @definition.macro
"""

DEF_QUERIES: dict[str, str] = {
    "python": """
(function_definition name: (identifier) @name) @definition.function
(class_definition name: (identifier) @name) @definition.class
(module (expression_statement (assignment left: (identifier) @name) @definition.constant))
""",
    "javascript": _JS_DEFS,
    "typescript": _TS_DEFS,
    "tsx": _TS_DEFS,
    "go": """
(function_declaration name: (identifier) @name) @definition.function
(method_declaration name: (field_identifier) @name) @definition.method
(type_spec name: (type_identifier) @name) @definition.type
(source_file (const_declaration (const_spec name: (identifier) @name) @definition.constant))
(source_file (var_declaration (var_spec name: (identifier) @name) @definition.constant))
""",
    "rust": """
(function_item name: (identifier) @name) @definition.function
(function_signature_item name: (identifier) @name) @definition.function
(struct_item name: (type_identifier) @name) @definition.class
(enum_item name: (type_identifier) @name) @definition.enum
(union_item name: (type_identifier) @name) @definition.class
(trait_item name: (type_identifier) @name) @definition.interface
(type_item name: (type_identifier) @name) @definition.type
(mod_item name: (identifier) @name) @definition.module
(macro_definition name: (identifier) @name) @definition.macro
(const_item name: (identifier) @name) @definition.constant
(static_item name: (identifier) @name) @definition.constant
""",
    "java": """
(class_declaration name: (identifier) @name) @definition.class
(interface_declaration name: (identifier) @name) @definition.interface
(enum_declaration name: (identifier) @name) @definition.enum
(record_declaration name: (identifier) @name) @definition.class
(annotation_type_declaration name: (identifier) @name) @definition.interface
(method_declaration name: (identifier) @name) @definition.method
(constructor_declaration name: (identifier) @name) @definition.method
""",
    "c": _C_DEFS,
    "cpp": _C_DEFS
    + """
(function_definition declarator: (function_declarator declarator: (field_identifier) @name)) @definition.method
(function_definition declarator: (function_declarator declarator: (qualified_identifier name: (identifier) @name))) @definition.method
(function_definition declarator: (function_declarator declarator: (qualified_identifier name: (qualified_identifier name: (identifier) @name)))) @definition.method
(field_declaration declarator: (function_declarator declarator: (field_identifier) @name)) @definition.method
(class_specifier name: (type_identifier) @name body: (_)) @definition.class
(namespace_definition name: (namespace_identifier) @name) @definition.module
(alias_declaration name: (type_identifier) @name) @definition.type
""",
}

# Deepest start depth of a definition worth mapping: Python's platform-dependent functions sit in
# nested if/else blocks at depth 7; namespaces and templates nest C++ deeper.
MAX_DEF_DEPTH = {"cpp": 10}

# Identifier-like node types counted as references.
REF_TYPES: dict[str, tuple[str, ...]] = {
    "python": ("identifier",),
    "javascript": ("identifier", "property_identifier", "shorthand_property_identifier"),
    "typescript": ("identifier", "property_identifier", "shorthand_property_identifier", "type_identifier"),
    "go": ("identifier", "type_identifier", "field_identifier"),
    "rust": ("identifier", "type_identifier", "field_identifier"),
    "java": ("identifier", "type_identifier"),
    "c": ("identifier", "type_identifier", "field_identifier"),
    "cpp": ("identifier", "type_identifier", "field_identifier", "namespace_identifier"),
}
REF_TYPES["tsx"] = REF_TYPES["typescript"]

# A definition inside one of these is local to it (not part of the file's interface).
FUNCTION_TYPES = frozenset(
    {
        "function_definition",
        "function_declaration",
        "generator_function_declaration",
        "function_expression",
        "arrow_function",
        "method_definition",
        "function_item",
        "method_declaration",
        "constructor_declaration",
        "func_literal",
        "closure_expression",
        "lambda_expression",
        "lambda",
    }
)
CLASS_TYPES = frozenset(
    {
        "class_definition",
        "class_declaration",
        "class",
        "class_body",
        "impl_item",
        "trait_item",
        "class_specifier",
        "interface_declaration",
        "abstract_class_declaration",
        "declaration_list",
    }
)


class Definition(NamedTuple):
    name: str
    kind: str
    line: int  # 0-based first line of the definition
    end_line: int  # 0-based last line
    signature: str  # the definition's header (up to where its body starts) on one line


class FileTags(NamedTuple):
    defs: list[Definition]
    refs: dict[str, int]


@cache
def _queries(lang: str) -> tuple[Query, Query]:
    language = get_language(lang)
    refs = " ".join(f"({t})" for t in REF_TYPES[lang])
    return Query(language, DEF_QUERIES[lang]), Query(language, f"[{refs}] @ref")


def extract_tags(lang: str, source: bytes) -> FileTags:
    """Definitions and reference counts of one file's source bytes (rows: 0-based tether lines)."""
    source = lone_cr_as_lf(source)
    tree = parse_source(lang, source)
    def_query, ref_query = _queries(lang)
    found: dict[tuple[int, int], tuple[int, Definition]] = {}
    cursor = QueryCursor(def_query)
    # Definitions worth mapping sit near the top (file, class, namespace); not descending into
    # every function body more than halves the query time on big files.
    cursor.set_max_start_depth(MAX_DEF_DEPTH.get(lang, 8))
    for pattern, captures in cursor.matches(tree.root_node):
        name_nodes = captures.get("name")
        def_key = next((key for key in captures if key.startswith("definition.")), None)
        if not name_nodes or def_key is None:
            continue
        def_node = captures[def_key][0]
        span = (def_node.start_byte, def_node.end_byte)
        if span in found and found[span][0] <= pattern:
            continue  # one node, several patterns: the earlier (more specific) pattern wins
        kind = _kind(def_node, def_key[len("definition.") :])
        if kind is None:
            continue
        name = source[name_nodes[0].start_byte : name_nodes[0].end_byte].decode("utf-8", "replace")
        found[span] = (pattern, Definition(name, kind, def_node.start_point.row, _end_row(def_node), _signature(def_node, source)))
    defs = [d for _, (_, d) in sorted(found.items())]
    counts: Counter[bytes] = Counter()
    for nodes in QueryCursor(ref_query).captures(tree.root_node).values():
        counts.update(source[n.start_byte : n.end_byte] for n in nodes)
    refs = {name.decode("utf-8", "replace"): n for name, n in counts.items()}
    return FileTags(defs, refs)


def _kind(node: Node, kind: str) -> str | None:
    """The definition's kind, "method" inside a class; None when nested inside a function."""
    in_class = False
    parent = node.parent
    while parent is not None:
        ptype = parent.type
        if ptype in FUNCTION_TYPES:
            return None
        in_class = in_class or ptype in CLASS_TYPES
        parent = parent.parent
    return "method" if in_class and kind == "function" else kind


def _end_row(node: Node) -> int:
    row = node.end_point.row
    return row - 1 if node.end_point.column == 0 and row > node.start_point.row else row


def _signature(node: Node, source: bytes) -> str:
    """A definition's header on one line: its text up to where the body starts, whitespace collapsed."""
    body = node.child_by_field_name("body")
    if body is not None and body.start_byte > node.start_byte:
        end = body.start_byte
    else:
        end = source.find(b"\n", node.start_byte, node.end_byte)
        end = node.end_byte if end < 0 else end
    start = node.start_byte
    # Keep leading keywords on the same line ("export const", "type", "pub"), not other code.
    line_start = source.rfind(b"\n", 0, start) + 1
    if _KEYWORDS_ONLY.fullmatch(source[line_start:start]):
        start = line_start
    header = source[start : min(end, start + MAX_SIGNATURE_CHARS)]
    return " ".join(header.decode("utf-8", "replace").split())
