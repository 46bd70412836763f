"""The llms.txt parser: the format, its optional parts, and the deviations real files have."""

from __future__ import annotations

from pathlib import Path

import pytest

from tether.docs.llmstxt import LlmsTxtError, parse_llmstxt
from tether.errors import InputError

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "docs"

VALID = """# FastHTML

> FastHTML is a python library which brings together Starlette, Uvicorn, HTMX, and fastcore's
> `FT` "FastTags" into a library for creating server-rendered hypermedia applications.

Important notes:

- Although parts of its API are inspired by FastAPI, it is *not* compatible with FastAPI syntax

## Docs

- [FastHTML quick start](https://fastht.ml/docs/tutorials/quickstart_for_web_devs.html.md): A brief overview of many FastHTML features
- [HTMX reference](https://github.com/bigskysoftware/htmx/blob/master/www/content/reference.md): Brief description of all HTMX attributes

## Examples

- [Todo list application](https://github.com/AnswerDotAI/fasthtml/blob/main/examples/adv_app.py): Detailed walk-thru

## Optional

- [Starlette full documentation](https://gist.githubusercontent.com/jph00/809e4a4808d4510be0e3dc9565e9cbd3/raw/starlette-sml.md): A subset of the Starlette documentation
"""


def test_valid_file_gives_title_summary_details_and_sections():
    doc = parse_llmstxt(VALID)
    assert doc.title == "FastHTML"
    assert doc.summary.startswith("FastHTML is a python library") and doc.summary.endswith("hypermedia applications.")
    assert "Important notes:" in doc.details and "not* compatible" in doc.details
    assert [s.name for s in doc.sections] == ["Docs", "Examples", "Optional"]
    first = doc.sections[0].links[0]
    assert first.name == "FastHTML quick start"
    assert first.url == "https://fastht.ml/docs/tutorials/quickstart_for_web_devs.html.md"
    assert first.notes == "A brief overview of many FastHTML features"
    assert first.line == 12
    assert doc.warnings == []


def test_optional_section_is_marked_and_can_be_left_out():
    doc = parse_llmstxt(VALID)
    assert [s.optional for s in doc.sections] == [False, False, True]
    assert len(doc.links()) == 4
    names = [link.name for _, link in doc.links(include_optional=False)]
    assert names == ["FastHTML quick start", "HTMX reference", "Todo list application"]


def test_section_named_optional_in_other_case_is_optional():
    doc = parse_llmstxt("# T\n\n## optional \n\n- [a](a.md)\n")
    assert doc.sections[0].optional


def test_missing_h1_is_an_error_with_the_line_number():
    with pytest.raises(LlmsTxtError) as err:
        parse_llmstxt("\n\nJust some text\n\n- [a](b.md)\n", source="site/llms.txt")
    assert err.value.line == 3
    assert "site/llms.txt, line 3" in str(err.value)
    assert "H1 title" in str(err.value)
    assert isinstance(err.value, InputError)  # the CLI reports it with exit code 3


def test_section_before_title_is_an_error_at_that_line():
    with pytest.raises(LlmsTxtError) as err:
        parse_llmstxt("## Docs\n\n- [a](a.md)\n\n# Title\n")
    assert err.value.line == 1
    assert "comes before the H1 title" in str(err.value)


def test_empty_file_is_an_error():
    with pytest.raises(LlmsTxtError) as err:
        parse_llmstxt("")
    assert err.value.line == 1 and "empty" in str(err.value)


def test_only_h3_headings_is_an_error_not_a_crash():
    with pytest.raises(LlmsTxtError):
        parse_llmstxt("### Not a title\ntext\n")


def test_odd_whitespace_is_tolerated():
    text = (
        "\ufeff  #   Spaced   Title   ##\r\n"
        "\r\n"
        ">\tTabbed summary  \r\n"
        "\r\n"
        "##\tDocs\t\r\n"
        "\r\n"
        "*   [Star item]( ./star.md )  :   starry   notes   \r\n"
        "\t- [Tab item](tab.md):notes\r\n"
        "\r\n"
        "\r\n"
        "+ [Plus\u00a0item](plus.md)\u00a0:\u00a0nbsp\r\n"
    )
    doc = parse_llmstxt(text)
    assert doc.title == "Spaced   Title"
    assert doc.summary == "Tabbed summary"
    assert doc.sections[0].name == "Docs"
    links = doc.sections[0].links
    assert [(link.name, link.url, link.notes) for link in links] == [
        ("Star item", "./star.md", "starry   notes"),
        ("Tab item", "tab.md", "notes"),
        ("Plus\u00a0item", "plus.md", "nbsp"),
    ]
    assert doc.warnings == []


def test_heading_without_space_is_read_with_a_warning():
    doc = parse_llmstxt("#Title\n\n##Docs\n- [a](a.md)\n")
    assert doc.title == "Title"
    assert doc.sections[0].name == "Docs"
    assert any("line 1" in w and "without a space" in w for w in doc.warnings)
    assert any("line 3" in w for w in doc.warnings)


def test_links_without_notes():
    doc = parse_llmstxt('# T\n\n## Docs\n\n- [Plain](plain.md)\n- [Colon only](c.md):\n- [Titled](t.md "A title")\n')
    links = doc.sections[0].links
    assert [(link.name, link.url, link.notes) for link in links] == [
        ("Plain", "plain.md", ""),
        ("Colon only", "c.md", ""),
        ("Titled", "t.md", ""),
    ]


def test_relative_links_are_kept_and_resolve_against_the_file_url():
    doc = parse_llmstxt("# T\n\n## Docs\n\n- [Guide](guide/intro.md)\n- [Up](../api.md#x)\n- [Abs](https://other.example/x.md)\n")
    guide, up, absolute = doc.sections[0].links
    base = "https://example.com/docs/llms.txt"
    assert guide.resolve(base) == "https://example.com/docs/guide/intro.md"
    assert up.resolve(base) == "https://example.com/api.md#x"
    assert absolute.resolve(base) == "https://other.example/x.md"


def test_other_separators_for_notes():
    doc = parse_llmstxt("# T\n## S\n- [a](a.md) - dash notes\n- [b](b.md) \u2014 em dash notes\n")
    assert [link.notes for link in doc.sections[0].links] == ["dash notes", "em dash notes"]


def test_unusable_items_are_skipped_and_reported():
    doc = parse_llmstxt("# T\n\n## Docs\n\n- plain text item\n- [Empty]()\n- [ok](ok.md)\n")
    assert [link.name for link in doc.sections[0].links] == ["ok"]
    assert doc.warnings[0].startswith("line 5: list item without a [name](url) link skipped")
    assert doc.warnings[1] == "line 6: link 'Empty' has an empty URL; skipped"


def test_text_before_title_is_skipped_with_a_warning():
    doc = parse_llmstxt("<!-- generated -->\nsomething\n# Title\n")
    assert doc.title == "Title"
    assert doc.warnings == ["lines 1-2: text before the H1 title skipped"]


def test_code_fences_hide_headings_and_links():
    text = "# T\n\n```md\n## Not a section\n- [not](a.md)\n```\n\n## Real\n\n- [yes](y.md)\n"
    doc = parse_llmstxt(text)
    assert [s.name for s in doc.sections] == ["Real"]
    assert "## Not a section" in doc.details


def test_unclosed_fence_is_reported():
    doc = parse_llmstxt("# T\n\n```\ncode\n")
    assert doc.warnings == ["line 3: code fence never closed; read to the end of the file"]


def test_wrapped_notes_continue_on_indented_lines():
    doc = parse_llmstxt("# T\n## S\n- [a](a.md): first part\n  second part\n\n  not notes after a blank\n")
    section = doc.sections[0]
    assert section.links[0].notes == "first part second part"
    assert "not notes after a blank" in section.text


def test_setext_title_and_second_h1():
    doc = parse_llmstxt("Title\n=====\n\n> sum\n\n# Another\n\n## S\n- [a](a.md)\n")
    assert doc.title == "Title"
    assert doc.summary == "sum"
    assert "# Another" in doc.details
    assert any("setext" in w for w in doc.warnings)
    assert any("second H1" in w for w in doc.warnings)


def test_sections_keep_prose_and_h3():
    doc = parse_llmstxt("# T\n## S\nSome prose.\n### Sub\n- [a](a.md)\n")
    section = doc.sections[0]
    assert section.text == "Some prose.\n### Sub"
    assert section.links[0].name == "a"


def test_the_seeds_llms_txt_parses_cleanly():
    doc = parse_llmstxt((SEEDS / "llms.txt").read_text(encoding="utf-8"))
    assert doc.title == "Ferry"
    assert doc.warnings == []
    assert [s.name for s in doc.sections] == ["Docs", "Reference", "Optional"]
    for _, link in doc.links():
        assert (SEEDS / link.url).is_file(), link.url


# Inputs a line-by-line regex reader got wrong; markdown-it reads them as CommonMark does.


def test_parentheses_in_urls():
    doc = parse_llmstxt(
        "# T\n## S\n- [Foo](https://en.wikipedia.org/wiki/Foo_(bar)): the (disambiguated) page\n- [Esc](a\\(b\\).md)\n- [Angle](<my file (1).md>)\n"
    )
    assert [(link.url, link.notes) for link in doc.sections[0].links] == [
        ("https://en.wikipedia.org/wiki/Foo_(bar)", "the (disambiguated) page"),
        ("a(b).md", ""),
        ("my file (1).md", ""),
    ]


def test_nested_lists_give_their_links_in_order_and_keep_the_parents_notes():
    text = "# T\n## S\n- [Guide](guide.md): the guide\n    - [Install](install.md): setup\n  - [Use](use.md)\n- [API](api.md)\n"
    doc = parse_llmstxt(text)
    links = doc.sections[0].links
    assert [(link.name, link.notes, link.line) for link in links] == [
        ("Guide", "the guide", 3),
        ("Install", "setup", 4),
        ("Use", "", 5),
        ("API", "", 6),
    ]
    assert doc.sections[0].text == "" and doc.warnings == []


def test_code_spans_in_names_and_notes():
    doc = parse_llmstxt("# T\n## S\n- [`parse()` reference](parse.md): what `parse(text) -> Doc` returns\n- [a](a.md): see `[x](y)`\n")
    first, second = doc.sections[0].links
    assert first.name == "`parse()` reference" and first.notes == "what `parse(text) -> Doc` returns"
    assert second.notes == "see `[x](y)`"  # a link inside a code span is not a link


def test_headings_and_links_in_code_fences_stay_code():
    text = (
        "# T\n\n~~~~\n# Not a title\n## Not a section\n~~~~\n\n## Real\n"
        "- [a](a.md): first\n\n  ```\n  ## still code\n  - [no](no.md)\n  ```\n\n    ## indented code\n"
    )
    doc = parse_llmstxt(text)
    assert [s.name for s in doc.sections] == ["Real"]
    assert [link.name for link in doc.sections[0].links] == ["a"]
    assert "## Not a section" in doc.details and "## still code" in doc.sections[0].text
    assert doc.warnings == []


def test_heading_without_space_inside_code_is_code():
    doc = parse_llmstxt("# T\n\n```\n#include <stdio.h>\n```\n## S\n- [a](a.md)\n")
    assert doc.warnings == [] and "#include <stdio.h>" in doc.details


def test_link_later_in_the_item_and_urls_kept_as_written():
    doc = parse_llmstxt("# T\n## S\n- See [Über](docs/über.md) too\n- [Sp](<docs/a b.md>): x\n- [Bare space](docs/a b.md)\n")
    first, second = doc.sections[0].links
    assert (first.name, first.url, first.notes) == ("Über", "docs/über.md", "too")  # not percent-encoded
    assert second.url == "docs/a b.md"
    assert doc.warnings == ["line 5: list item without a [name](url) link skipped: '[Bare space](docs/a b.md)'"]


def test_setext_underline_in_prose_is_not_a_section():
    doc = parse_llmstxt("# T\n\nSome prose\n---\n\n## S\n- [a](a.md)\n")
    assert [s.name for s in doc.sections] == ["S"]
    assert doc.details == "Some prose\n---"


def test_unclosed_fence_in_a_blockquote_and_a_closed_one():
    assert parse_llmstxt("# T\n\n> ```\n> code\n> ```\n").warnings == []
    assert parse_llmstxt("# T\n\n> ```\n> code\n").warnings == ["line 3: code fence never closed; read to the end of the file"]
