"""Guard: one definition of a line. ``str.splitlines`` breaks at form feed, U+2028, U+0085 and
more, so no code under server/tether calls it; ``tether.lines`` is the one splitter (DESIGN.md,
"One definition of a line")."""

from __future__ import annotations

import ast
from pathlib import Path

import tether

PACKAGE = Path(tether.__file__).resolve().parent
HELPER = PACKAGE / "lines.py"


def splitlines_calls(path: Path) -> list[int]:
    """1-based lines of ``<anything>.splitlines(...)`` calls in a Python file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "splitlines"
    )


def test_no_splitlines_call_outside_the_lines_helper():
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != HELPER
        for line in splitlines_calls(path)
    ]
    assert found == [], "use tether.lines.split_lines instead of str.splitlines: " + ", ".join(found)


def test_the_guard_sees_a_call(tmp_path: Path):
    sample = tmp_path / "sample.py"
    sample.write_text('x = "a\\nb".splitlines()\n"""a docstring naming str.splitlines is fine"""\n')
    assert splitlines_calls(sample) == [1]
