"""Source code as tree-sitter sees it: languages, parsing, syntax errors, scopes, definitions.

Below ``edits`` and ``context``, which both use it: edit validation asks whether an edit adds
syntax errors and the section reader finds definitions; the context providers, repo map and
outline read scopes and tags.
"""
