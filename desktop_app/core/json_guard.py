"""JSON from files the user opens, parsed so that no file can break what reads it.

Two things a hostile (or just odd) file can do to `json.loads` and to the code walking its
result: nest arrays 100,000 deep (json raises RecursionError, and a value only a little less
deep breaks every recursive walk after it) and hold lone surrogates (see `text_guard`).
`parse_json` refuses the first with a ValueError whose `msg` says so, like a syntax error, and
repairs the second, counting.
"""

from __future__ import annotations

import json
import re
from typing import Any

from desktop_app.core.text_guard import DepthExceeded, clean_value

# Far deeper than any dialogue, dataset example or assistant (a tool's JSON schema nests a
# dozen levels), far shallower than Python's recursion limit.
MAX_DEPTH = 100
_SURROGATE_HINT = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")


class JsonTooDeep(ValueError):
    """The JSON nests deeper than MAX_DEPTH; `msg` is a phrase for the user, as in
    json.JSONDecodeError."""

    def __init__(self, max_depth: int) -> None:
        self.msg = f"it is nested more than {max_depth} levels deep"
        super().__init__(self.msg)


def parse_json(text: str, max_depth: int = MAX_DEPTH) -> tuple[Any, int]:
    """The value in `text` and how many lone surrogates in it were replaced by U+FFFD.

    Raises json.JSONDecodeError for text that is not JSON and JsonTooDeep for a value nested
    more than `max_depth` deep (both ValueErrors).
    """
    try:
        value = json.loads(text)
    except RecursionError:
        raise JsonTooDeep(max_depth) from None
    if not isinstance(value, dict | list):
        if isinstance(value, str):
            return clean_value(value, max_depth)
        return value, 0
    # Cheap tests first: a text with fewer brackets than the limit cannot nest deeper, and one
    # with no surrogate escape cannot hold a lone surrogate.
    brackets = text.count("[") + text.count("{")
    if brackets <= max_depth and _SURROGATE_HINT.search(text) is None:
        return value, 0
    try:
        return clean_value(value, max_depth)
    except DepthExceeded:
        raise JsonTooDeep(max_depth) from None


def loads(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """`parse_json` without the count."""
    return parse_json(text, max_depth)[0]
