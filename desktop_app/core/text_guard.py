"""Text from outside made storable: lone surrogates become U+FFFD.

JSON may spell a character as `\\ud800` without its other half, and Python then holds a
"lone surrogate" in the string: a code point no UTF-8 encoder accepts. SQLite, `json.dump` to
a UTF-8 file and the clipboard all fail on it, far from where it came in. Every importer and
reader (and every text field saved from the UI) passes its text through here, so the rest of
Parley only ever sees text that can be written, and the user is told how many were replaced.
"""

from __future__ import annotations

import re
from typing import Any

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> tuple[str, int]:
    """`text` with every lone surrogate replaced by U+FFFD, and how many were replaced."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text, 0
    return _SURROGATE.subn(REPLACEMENT, text)


def storable(text: str) -> str:
    """`text` as `clean_text` leaves it, when nobody needs the count (a field the user typed)."""
    return clean_text(text)[0]


def replaced_note(count: int) -> str:
    """The sentence an import's summary carries when it replaced characters."""
    if not count:
        return ""
    return (
        f"Replaced {count} broken character{'s' if count != 1 else ''} (lone UTF-16 "
        "surrogates, which cannot be stored) with “\ufffd”."
    )


class DepthExceeded(ValueError):
    """A value is nested deeper than allowed."""


def clean_value(value: Any, max_depth: int) -> tuple[Any, int]:
    """Every string (and key) inside a parsed JSON value cleaned as `clean_text` does, and the
    count. The walk is iterative and refuses values nested deeper than `max_depth`
    (DepthExceeded), so no later recursive walk over the value can run out of stack."""
    replaced = 0
    root = [value]
    # (container, key in it, depth of the value there)
    stack: list[tuple[Any, Any, int]] = [(root, 0, 0)]
    while stack:
        holder, key, depth = stack.pop()
        item = holder[key]
        if isinstance(item, str):
            text, count = clean_text(item)
            if count:
                holder[key], replaced = text, replaced + count
            continue
        if not isinstance(item, dict | list):
            continue
        if depth >= max_depth:
            raise DepthExceeded(f"it is nested more than {max_depth} levels deep")
        if isinstance(item, list):
            stack.extend((item, index, depth + 1) for index in range(len(item)))
            continue
        if any(not k.isascii() and _SURROGATE.search(k) for k in item):
            fixed: dict[str, Any] = {}
            for k, v in item.items():
                text, count = clean_text(k)
                fixed[text], replaced = v, replaced + count
            item.clear()
            item.update(fixed)
        stack.extend((item, k, depth + 1) for k in item)
    return root[0], replaced
