"""Notebooks in the digest as their cells, not their JSON (bug case 34)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from tests.conftest import make_git_repo

from tether.context.budget import estimate_tokens
from tether.context.digest import build_digest
from tether.context.notebook import MAX_OUTPUT_LINES, render_notebook

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 120).decode()


def notebook() -> dict:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3"}},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Sine\n", "A plot of sin(x)."]},
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": 1,
                "source": ["import math\n", "ys = [math.sin(x) for x in range(10)]\n", "print(len(ys))"],
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": ["10\n"]},
                    {"output_type": "display_data", "metadata": {}, "data": {"image/png": PNG, "text/plain": ["<Figure>"]}},
                    {
                        "output_type": "execute_result",
                        "metadata": {},
                        "execution_count": 1,
                        "data": {"text/plain": [f"{i}\n" for i in range(40)]},
                    },
                ],
            },
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": 2,
                "source": "1 / 0",
                "outputs": [
                    {"output_type": "error", "ename": "ZeroDivisionError", "evalue": "division by zero", "traceback": ["..."]},
                ],
            },
        ],
    }


def test_a_notebook_is_its_cells_in_the_percent_format():
    text = render_notebook(json.dumps(notebook()))
    assert text is not None
    assert text.startswith("# %% [markdown]\n# Sine\nA plot of sin(x).\n\n# %%\nimport math\n")
    assert "# Out: 10\n# [image/png output]\n" in text
    assert text.count("# Out:") == 1 + MAX_OUTPUT_LINES + 1 and "# Out: [… 30 more lines]" in text
    assert "# %%\n1 / 0\n# Error: ZeroDivisionError: division by zero" in text
    assert PNG[:64] not in text


def test_text_that_is_not_a_notebook_is_none():
    assert render_notebook("{not json") is None
    assert render_notebook('{"cells": 3}') is None
    assert render_notebook("[1, 2]") is None


async def test_the_digest_shows_a_notebook_without_its_image_data(tmp_path: Path):
    root = make_git_repo(tmp_path / "nb", {"plot.ipynb": json.dumps(notebook(), indent=1), "app.py": "print('hello')\n"})

    async def count(text: str) -> int:
        return estimate_tokens(text)

    digest = await build_digest(root, count)
    assert digest.included == ["app.py", "plot.ipynb"]
    assert "ys = [math.sin(x) for x in range(10)]" in digest.text and "[image/png output]" in digest.text
    assert PNG[:64] not in digest.text and digest.tokens < 600
