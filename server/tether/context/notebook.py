"""Jupyter notebooks as text a model can read: the cells, not the JSON.

An ``.ipynb`` file is nbformat 4 JSON (https://nbformat.readthedocs.io/en/latest/format_description.html):
``cells`` of ``cell_type`` markdown/code/raw, each with a ``source`` (a string or a list of
line strings) and, for code cells, ``outputs``. Pasted raw, a notebook is mostly JSON quoting
and, with a saved figure, tens of kilobytes of base64 image data. ``render_notebook`` writes it
in the percent format (``# %%`` before each cell, as jupytext and VS Code read it): cell
sources as they are, short text outputs as ``# Out:`` comment lines, rich outputs (images,
HTML) as one marker line. Parsed with the stdlib's ``json``: nbformat (and its jsonschema
validation) would add dependencies to read four keys.
"""

from __future__ import annotations

import json
from typing import Any

MAX_OUTPUT_LINES = 10
MAX_OUTPUT_CHARS = 1_000
_TEXT_KINDS = ("text/plain",)


def render_notebook(text: str) -> str | None:
    """The notebook ``text`` (nbformat 4 JSON) in the percent format, or None when it is not a
    notebook (not JSON, or no ``cells`` list): the caller then treats it as plain text."""
    try:
        notebook = json.loads(text)
    except ValueError:
        return None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        return None
    parts = []
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        kind = cell.get("cell_type", "code")
        header = "# %%" if kind == "code" else f"# %% [{kind}]"
        lines = [header, _joined(cell.get("source")).rstrip("\n")]
        if kind == "code":
            lines += [line for output in cell.get("outputs") or [] if isinstance(output, dict) for line in _output(output)]
        parts.append("\n".join(line for line in lines if line != ""))
    return "\n\n".join(parts) + "\n"


def _joined(source: Any) -> str:
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


def _output(output: dict[str, Any]) -> list[str]:
    """Comment lines for one output: short text kept, everything else named by its kind."""
    kind = output.get("output_type")
    if kind == "stream":
        return _text_lines(_joined(output.get("text")))
    if kind == "error":
        return [f"# Error: {output.get('ename', '')}: {output.get('evalue', '')}"[:MAX_OUTPUT_CHARS]]
    data = output.get("data")
    if not isinstance(data, dict):
        return []
    rich = [mime for mime in data if mime not in _TEXT_KINDS]
    if rich:
        return [f"# [{', '.join(sorted(rich))} output]"]
    return _text_lines(_joined(data.get("text/plain")))


def _text_lines(text: str) -> list[str]:
    text = text[:MAX_OUTPUT_CHARS]
    lines = text.rstrip("\n").split("\n") if text.strip() else []
    shown = [f"# Out: {line}" for line in lines[:MAX_OUTPUT_LINES]]
    if len(lines) > MAX_OUTPUT_LINES:
        shown.append(f"# Out: [… {len(lines) - MAX_OUTPUT_LINES} more lines]")
    return shown
