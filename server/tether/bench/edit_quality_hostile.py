"""Hostile replies for `tether bench edit-quality --backend scripted-adversarial`.

Each kind is something small local models or remote endpoints really send for a rewrite
request; each is built from the task's own region so it is plausible for that file:

- ``truncated``: half the code, finish reason ``length``;  ``loop``: one line over and over
  until the token limit;  ``loop_stop``: a three-line block repeated, then a normal stop;
- ``prose_around_fence``: "Sure! Here is..." before the fenced code and a remark after it;
- ``think_block``: a ``<think>`` reasoning block before the fenced code;
- ``elided``: the first line, then ``# ... rest of the code unchanged``;
- ``crlf``: the edited code with CRLF line breaks;  ``bom_no_final_newline``: a byte order
  mark in front and no final newline;  ``tabs``: indentation turned into tabs;
- ``whole_file``: the whole file where only the selection was asked for (for a whole-file
  task: the file written twice);  ``wrong_file``: another file of the workspace;
- ``empty``;  ``control_tokens``: chat-template tokens and a second turn after the code;
- ``syntax_error``: the edit plus a line that breaks the file's language (an unclosed ~~~
  fence in markdown);  ``fence_mismatch``: fenced with another language tag;
- ``dropped_last_line``: the edit without its last line (selections only: a whole file that
  ends a line early cannot be told from an edit that deletes it, so whole-file tasks get
  ``good`` instead);  ``indented``: every line shifted
  four spaces right;  ``unchanged``: the region as it was (a valid no-change);
- ``dropped_section``: (whole files) the edit without the file's last section (from its
  last ``def``/``class``, ``[table]`` or ``#`` heading line on), still parsing; selections get
  ``good``;  ``piece``: (whole files) only a middle stretch of the file, bounded by lines that
  occur once in it, with the marker comment inside (the change, as models send it when asked
  for the whole file); selections and files without such a stretch get ``good``;
- ``good``: the region with one comment line added (JSON, which has no comments: unchanged).

Task ``index`` gets three replies: kinds ``index``, ``index + 7`` and ``index + 13`` of
``KINDS`` (mod its length), the third replaced by ``good`` on even indexes, so every kind
comes first somewhere and half the tasks can recover. Later requests get an empty reply.
"""

from __future__ import annotations

import re

from ..languages import language_for
from ..lines import split_lines

KINDS = [
    "truncated",
    "loop",
    "dropped_section",
    "piece",
    "prose_around_fence",
    "think_block",
    "elided",
    "crlf",
    "whole_file",
    "wrong_file",
    "empty",
    "control_tokens",
    "bom_no_final_newline",
    "syntax_error",
    "tabs",
    "loop_stop",
    "fence_mismatch",
    "dropped_last_line",
    "indented",
    "unchanged",
    "good",
]
SELECTION_ONLY = {"dropped_last_line"}
MARKERS = {"python": "# edited (scripted)", "toml": "# edited (scripted)", "markdown": "<!-- edited (scripted) -->"}


def script_for(index: int, path: str, text: str, selection: tuple[int, int] | None, other: str) -> list[tuple[str, str, str]]:
    """(kind, reply text, finish reason) for task number ``index`` (0-based).

    ``text``: the file; ``selection``: 0-based [start, end) lines or None for the whole file;
    ``other``: another workspace file's text, for ``wrong_file``.
    """
    n = len(KINDS)
    kinds = [KINDS[index % n], KINDS[(index + 7) % n], KINDS[(index + 13) % n] if index % 2 else "good"]
    if selection is None:
        kinds = ["good" if kind in SELECTION_ONLY else kind for kind in kinds]
    return [(kind, *hostile_reply(kind, path, text, selection, other)) for kind in kinds]


def hostile_reply(kind: str, path: str, text: str, selection: tuple[int, int] | None, other: str) -> tuple[str, str]:
    """One reply of ``kind`` (see the module docstring): (text, finish reason)."""
    lang = language_for(path)
    lines = split_lines(text.removeprefix("\ufeff"))
    start, end = selection if selection is not None else (0, len(lines))
    region = lines[start:end]
    good = edited(region, lang)
    body = "\n".join(good) + "\n"
    first = good[0] if good else ""
    indent = _indent(first)
    if kind == "truncated":
        return body[: max(1, len(body) // 2)], "length"
    if kind == "loop":
        return first + "\n" + (first + "\n") * max(8, 3000 // max(len(first) + 1, 1)), "length"
    if kind == "loop_stop":
        block = "\n".join(good[:3]) + "\n"
        return block * 30, "stop"
    if kind == "prose_around_fence":
        return f"Sure! Here is the updated code:\n\n```{lang}\n{body}```\n\nI added a comment at the top.\n", "stop"
    if kind == "think_block":
        return f"<think>\nThe user wants a small change; keep everything else.\n</think>\n\n```{lang}\n{body}```\n", "stop"
    if kind == "elided":
        comment = "<!--" if lang == "markdown" else "#"
        return f"{first}\n{indent}{comment} ... rest of the code unchanged\n", "stop"
    if kind == "crlf":
        return body.replace("\n", "\r\n"), "stop"
    if kind == "bom_no_final_newline":
        return "\ufeff" + body.rstrip("\n"), "stop"
    if kind == "tabs":
        return re.sub(r"(?m)^((?:    )+)", lambda m: "\t" * (len(m.group(1)) // 4), body), "stop"
    if kind == "whole_file":
        if selection is None:
            return body + "\n" + body, "stop"
        return "\n".join(lines[:start] + good + lines[end:]) + "\n", "stop"
    if kind == "wrong_file":
        return other, "stop"
    if kind == "empty":
        return "", "stop"
    if kind == "control_tokens":
        return body + "<|im_end|>\n<|im_start|>user\nThanks!<|im_end|>\n<|im_start|>assistant\n" + body, "stop"
    if kind == "syntax_error":
        return body + _BREAKERS.get(lang, "}}}\n"), "stop"
    if kind == "fence_mismatch":
        return f"```text\n{body}```\n", "stop"
    if kind == "dropped_last_line":
        return "\n".join(good[:-1]) + "\n", "stop"
    if kind == "indented":
        return "".join("    " + line + "\n" if line else "\n" for line in good), "stop"
    if kind == "unchanged":
        return "\n".join(region) + "\n", "stop"
    if kind == "dropped_section" and selection is None:
        heads = [i for i, line in enumerate(good) if i > 1 and _SECTION_START.match(line)]
        if heads:
            return "\n".join(good[: heads[-1]]) + "\n", "stop"
    if kind == "piece" and selection is None:
        stretch = _middle_stretch(region)
        if stretch is not None:
            first_line, last_line = stretch
            marker = edited(region[first_line + 1 : last_line + 1], lang)[:1] if lang != "json" else []
            piece = [region[first_line], *marker, *region[first_line + 1 : last_line + 1]]
            return "\n".join(piece) + "\n", "stop"
    return body, "stop"  # good


_SECTION_START = re.compile(r"^(def |class |async def |\[|#{1,6} )")


def _middle_stretch(lines: list[str]) -> tuple[int, int] | None:
    """(first, last) indexes of a stretch of 3+ lines inside ``lines`` (not touching either end)
    whose first and last lines occur once in ``lines``: the bounds a piece can be placed by."""
    stripped = [line.strip() for line in lines]
    unique = [
        i for i, line in enumerate(stripped) if 0 < i < len(lines) - 1 and stripped.count(line) == 1 and any(ch.isalnum() for ch in line)
    ]
    for first in unique[: len(unique) // 2 + 1]:
        for last in reversed(unique):
            if last - first >= 2:
                return first, last
    return None


def edited(region: list[str], lang: str) -> list[str]:
    """The region with one marker comment line in front (at its indentation); JSON unchanged."""
    marker = MARKERS.get(lang)
    if marker is None or not region:
        return list(region)
    first = next((line for line in region if line.strip()), "")
    return [_indent(first) + marker, *region]


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


_BREAKERS = {
    "python": "def broken(:\n",
    "toml": "[unclosed\n",
    "json": "}\n",
    "markdown": "~~~ sh\nrm -rf build\n",
}
