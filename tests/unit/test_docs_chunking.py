"""Markdown chunking: heading paths, exact line ranges, code blocks kept whole, token bounds."""

from __future__ import annotations

from pathlib import Path

from tether.docs.chunking import chunk_markdown, estimate_tokens

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "docs"

DOC = """# Guide

Intro text.

## Install

### From PyPI

Run this:

```bash
pip install thing
```

## Usage

Use it.
"""


def _lines(text: str, chunk) -> str:
    return "\n".join(text.split("\n")[chunk.start_line - 1 : chunk.end_line])


def test_chunks_follow_headings_and_keep_the_path():
    chunks = chunk_markdown(DOC)
    assert [c.heading_path for c in chunks] == ["Guide", "Guide > Install > From PyPI", "Guide > Usage"]
    # "## Install" has no text of its own, so it travels with its first subsection.
    assert chunks[1].text.startswith("## Install\n\n### From PyPI")
    assert [(c.start_line, c.end_line) for c in chunks] == [(1, 3), (5, 13), (15, 17)]


def test_line_ranges_are_the_chunk_text_exactly():
    text = (SEEDS / "pages" / "jobs.md").read_text(encoding="utf-8")
    chunks = chunk_markdown(text, max_tokens=120)
    assert len(chunks) > 5
    for chunk in chunks:
        assert chunk.text == _lines(text, chunk)
    ends = [c.end_line for c in chunks]
    assert ends == sorted(ends)


def test_code_block_is_never_split_even_when_over_the_bound():
    code = "\n".join(f"    line_{i} = compute({i})  # a fairly long line of code" for i in range(80))
    text = f"# API\n\nBefore.\n\n```python\n{code}\n```\n\nAfter.\n"
    chunks = chunk_markdown(text, max_tokens=100)
    holding = [c for c in chunks if "line_0 =" in c.text or "line_79 =" in c.text]
    assert len(holding) == 1, "the code block ended up in more than one chunk"
    block = holding[0]
    assert "```python" in block.text and block.text.rstrip().endswith("```")
    assert block.tokens > 100  # the one allowed way to exceed the bound
    for chunk in chunks:
        assert chunk.text.count("```") % 2 == 0


def test_nested_code_in_a_long_list_stays_whole():
    items = "\n".join(f"- item {i} with some words to make it longer than it needs to be" for i in range(30))
    nested = "- with code:\n\n  ```\n" + "\n".join(f"  code {i}" for i in range(40)) + "\n  ```\n"
    text = f"# L\n\n{items}\n{nested}"
    chunks = chunk_markdown(text, max_tokens=80)
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.text.count("```") % 2 == 0
    assert sum("code 0" in c.text for c in chunks) == 1


def test_long_sections_are_split_within_the_bound():
    body = "\n\n".join(f"Paragraph {i}. " + "word " * 40 for i in range(30))
    chunks = chunk_markdown(f"# Long\n\n{body}\n", max_tokens=200)
    assert len(chunks) > 3
    assert all(c.tokens <= 200 for c in chunks)
    assert all(c.heading_path == "Long" for c in chunks)
    assert "Paragraph 29." in chunks[-1].text


def test_custom_token_counter_is_used():
    words = lambda s: len(s.split())  # noqa: E731
    body = "\n\n".join("one two three four five" for _ in range(20))
    chunks = chunk_markdown(f"# W\n\n{body}\n", max_tokens=30, count_tokens=words)
    assert all(c.tokens == words(c.text) for c in chunks)
    assert all(c.tokens <= 30 for c in chunks)


def test_title_heads_the_path_when_there_is_no_h1():
    chunks = chunk_markdown("Some text.\n\n## Part\n\nMore.\n", title="From llms.txt")
    assert [c.heading_path for c in chunks] == ["From llms.txt", "From llms.txt > Part"]


def test_front_matter_is_skipped_and_its_title_used():
    text = "---\ntitle: 'Front Title'\ntags: [a]\n---\nBody text.\n\n## Sub\n\nx\n"
    chunks = chunk_markdown(text, title="ignored")
    assert chunks[0].heading_path == "Front Title"
    assert chunks[0].start_line == 5 and "title:" not in chunks[0].text
    assert chunks[1].heading_path == "Front Title > Sub"


def test_heading_markup_is_cleaned_in_the_path():
    chunks = chunk_markdown("# The `Queue` **class** and [links](x.md)\n\ntext\n")
    assert chunks[0].heading_path == "The Queue class and links"


def test_crlf_and_setext_headings():
    chunks = chunk_markdown("Title\r\n=====\r\n\r\nText\r\n\r\nSub\r\n---\r\n\r\nMore\r\n")
    assert [c.heading_path for c in chunks] == ["Title", "Title > Sub"]
    assert [(c.start_line, c.end_line) for c in chunks] == [(1, 4), (6, 9)]


def test_document_with_only_a_title_still_gives_one_chunk():
    chunks = chunk_markdown("# Lonely\n")
    assert len(chunks) == 1 and chunks[0].heading_path == "Lonely"


def test_estimate_tokens():
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2


def test_front_matter_description_joins_the_top_of_the_heading_path():
    text = "---\ntitle: npm-pack\ndescription: 'Create a tarball from a package'\n---\n\n### Description\n\nText.\n"
    chunks = chunk_markdown(text)
    assert [c.heading_path for c in chunks] == ["npm-pack — Create a tarball from a package > Description"]
    assert "description:" not in chunks[0].text and chunks[0].start_line == 6
    with_h1 = chunk_markdown("---\ndescription: Cron schedules\n---\n# Scheduling\n\nx\n\n## Cron\n\ny\n")
    assert [c.heading_path for c in with_h1] == ["Scheduling — Cron schedules", "Scheduling — Cron schedules > Cron"]
    long = chunk_markdown("---\ntitle: T\ndescription: " + "word " * 100 + "\n---\nBody.\n")
    assert len(long[0].heading_path) <= len("T — ") + 160
