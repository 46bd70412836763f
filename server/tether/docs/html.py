"""HTML to plain markdown, for pages that have no ``.md`` twin.

Deliberately small: headings become ``#`` lines, ``<pre>`` becomes a fenced code block,
paragraphs, list items and table rows become lines; scripts, styles, navigation and
everything else that is not text is dropped. Good enough to chunk and search; the ``.md``
twin is always preferred when the site publishes one.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_DROP = {"script", "style", "nav", "header", "footer", "noscript", "svg", "template", "head"}
_BLOCK = {"p", "div", "section", "article", "main", "br", "tr", "table", "ul", "ol", "dl", "blockquote", "hr"}
_HEADINGS = {f"h{i}": i for i in range(1, 7)}


class _ToMarkdown(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.drop_depth = 0
        self.pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            self.drop_depth += 1
        elif self.drop_depth:
            return
        elif tag in _HEADINGS:
            self.out.append("\n\n" + "#" * _HEADINGS[tag] + " ")
        elif tag == "pre":
            self.pre_depth += 1
            self.out.append("\n\n```\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in ("td", "th"):
            self.out.append(" | ")
        elif tag == "code" and not self.pre_depth:
            self.out.append("`")
        elif tag in _BLOCK:
            self.out.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self.drop_depth = max(0, self.drop_depth - 1)
        elif self.drop_depth:
            return
        elif tag in _HEADINGS:
            self.out.append("\n\n")
        elif tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)
            self.out.append("\n```\n\n")
        elif tag == "code" and not self.pre_depth:
            self.out.append("`")
        elif tag in _BLOCK:
            self.out.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.drop_depth:
            return
        if self.pre_depth:
            self.out.append(data)
        else:
            self.out.append(re.sub(r"\s+", " ", data))


def html_to_markdown(html: str) -> str:
    parser = _ToMarkdown()
    parser.feed(html)
    parser.close()
    lines: list[str] = []
    in_code = False
    for line in "".join(parser.out).split("\n"):
        if line.strip() == "```":
            in_code = not in_code
            lines.append("```")
        else:
            # Outside code, leading spaces are only collapsed whitespace (and would read as code).
            lines.append(line.rstrip() if in_code else line.strip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
