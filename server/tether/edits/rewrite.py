"""Whole-region rewrites: the model's reply becomes the new text of the region.

The reply is primed with an opening code fence and stopped at the closing one, so it is the
code itself. Line endings follow the file (CRLF stays CRLF), and the region keeps its final
newline. A reply that was cut off, is empty, or elides code ("... rest unchanged") is refused
with a reason the model is re-asked with.
"""

from __future__ import annotations

import re

from ..errors import GenerationError

_ELISION = re.compile(
    r"^\s*(#|//|/\*|--|<!--)\s*\.\.\.?\s*(\(?(rest|remaining|existing|other|unchanged|previous|same)\b.*)?$"
    r"|(rest of (the )?(code|file|function|class)|existing code|remains? (the same|unchanged)|unchanged code)",
    re.IGNORECASE | re.MULTILINE,
)


def clean_reply(reply: str) -> str:
    """Drop a stray opening fence and anything after a closing fence."""
    text = reply
    if text.lstrip().startswith("```"):
        first_newline = text.find("\n")
        text = text[first_newline + 1 :] if first_newline >= 0 else ""
    fence = re.search(r"^\s*```\s*$", text, re.MULTILINE)
    if fence:
        text = text[: fence.start()]
    return text


def fit_region(new_region: str, old_region: str, newline: str) -> str:
    """Match the old region's line endings, and give back the blank tail the model never saw.

    The prompt shows the region without its trailing blank lines (``rstrip``), so they are
    re-attached as they were; a region at the end of a file without a final newline stays so.
    """
    body = new_region.replace("\r\n", "\n")
    if newline != "\n":
        body = body.replace("\n", newline)
    if not old_region.strip():
        return body
    tail = old_region[len(old_region.rstrip()) :]
    return body.rstrip() + tail


def check_rewrite(new_region: str, old_region: str, truncated: bool) -> None:
    """Refuse a rewrite that would lose code."""
    if truncated:
        raise GenerationError(
            "The reply was cut off before the end of the code (token limit); write the complete code, nothing else."
        )
    if old_region.strip() and not new_region.strip():
        raise GenerationError("The reply was empty; write the complete rewritten code.")
    if _ELISION.search(new_region) and not _ELISION.search(old_region):
        raise GenerationError(
            "The reply elides code with a placeholder such as '... rest unchanged'; write every line in full."
        )


def detect_newline(text: str) -> str:
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf >= text.count("\n") - crlf else "\n"
