"""Find the JSON value in a model's free-text reply.

Used when an endpoint cannot constrain output to a JSON schema (it rejected
``response_format``): the model is then only asked for JSON, and its reply may wrap the value
in prose or in a ```json fence. ``extract_json`` returns the first JSON object or array it
finds, preferring the contents of a fenced block, and raises GenerationError otherwise.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import GenerationError

_FENCE = re.compile(r"```[ \t]*(?:json5?|JSON)?[ \t]*\n(.*?)```", re.DOTALL)
_EXCERPT = 120


def extract_json(text: str) -> Any:
    """The first JSON object or array in ``text`` (inside a ```json fence or bare)."""
    for match in _FENCE.finditer(text):
        value = _first_value(match.group(1))
        if value is not _MISSING:
            return value
    value = _first_value(text)
    if value is not _MISSING:
        return value
    excerpt = text.strip().replace("\n", " ")
    if len(excerpt) > _EXCERPT:
        excerpt = excerpt[:_EXCERPT] + "..."
    raise GenerationError(
        "The model was asked for JSON but its reply holds no JSON object or array "
        f"(it began: '{excerpt}'). Try again, or use an endpoint that supports "
        "response_format json_schema."
    )


_MISSING = object()


def _first_value(text: str) -> Any:
    """Decode at each '{' or '[' in turn; the first place that decodes wins."""
    decoder = json.JSONDecoder(strict=False)  # raw newlines inside strings are common in model JSON
    for start, char in enumerate(text):
        if char not in "{[":
            continue
        try:
            value, _ = decoder.raw_decode(text, start)
        except ValueError:
            continue
        return value
    return _MISSING
