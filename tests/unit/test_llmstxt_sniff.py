"""llmstxt.sniff_llmstxt: an llms.txt known by its content (https://llmstxt.org), not its name."""

from __future__ import annotations

from pathlib import Path

import pytest

from tether.docs.llmstxt import sniff_llmstxt

SEED = Path(__file__).resolve().parents[2] / "seeds" / "docs" / "llms.txt"

LLMSTXT_SHAPES = {
    "title and one section": "# Ferry\n\n## Docs\n\n- [Jobs](jobs.md): defining jobs\n",
    "summary and details": "# Ferry\n\n> A job queue.\n\nPlain words, and a list:\n\n- one\n\n## Docs\n\n- [Jobs](jobs.md)\n\n## Optional\n\n- [API](api.md)\n",
    "nested link lists": "# Ferry\n## Docs\n- [Jobs](jobs.md)\n  - [Retries](retries.md)\n",
}

MARKDOWN_SHAPES = {
    "no sections": "# Ferry\n\nA page of prose with a [link](x.md).\n",
    "prose in a section": "# Ferry\n\n## Docs\n\nRead these first:\n\n- [Jobs](jobs.md)\n",
    "a list item without a link": "# Ferry\n\n## Docs\n\n- [Jobs](jobs.md)\n- plain words\n",
    "a section without links": "# Ferry\n\n## Docs\n\n- [Jobs](jobs.md)\n\n## Empty\n",
    "an h3 in a section": "# Ferry\n\n## Docs\n\n### Jobs\n\n- [Jobs](jobs.md)\n",
    "a heading in the details": "# Ferry\n\n### Intro\n\n## Docs\n\n- [Jobs](jobs.md)\n",
    "text before the title": "Draft\n\n# Ferry\n\n## Docs\n\n- [Jobs](jobs.md)\n",
    "a second h1": "# Ferry\n\n# Again\n\n## Docs\n\n- [Jobs](jobs.md)\n",
    "no title": "## Docs\n\n- [Jobs](jobs.md)\n",
    "empty": "",
    "a code fence holding the outline": "```\n# Ferry\n## Docs\n- [Jobs](jobs.md)\n```\n",
}


@pytest.mark.parametrize("name", LLMSTXT_SHAPES)
def test_llmstxt_shapes_are_known(name):
    parsed = sniff_llmstxt(LLMSTXT_SHAPES[name])
    assert parsed is not None and parsed.title == "Ferry" and parsed.links()


@pytest.mark.parametrize("name", MARKDOWN_SHAPES)
def test_markdown_shapes_are_not(name):
    assert sniff_llmstxt(MARKDOWN_SHAPES[name]) is None


def test_the_seed_llmstxt_is_known_and_its_pages_are_not():
    parsed = sniff_llmstxt(SEED.read_text())
    assert parsed is not None and len(parsed.links()) == 13
    for page in sorted((SEED.parent / "pages").glob("*.md")):
        assert sniff_llmstxt(page.read_text()) is None, page.name
