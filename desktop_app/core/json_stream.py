"""Read the entries of a big JSON file one at a time, from chunks of text.

A ChatGPT export can be hundreds of megabytes. `json.load` on it would hold the interpreter
(and so the window) for seconds and keep the whole tree in memory. Here a small scanner finds
where each entry of the top-level list ends — regular expressions jump from one bracket, comma
or quote to the next, so most of the text is skipped at C speed — and only that entry is
decoded. No entry may be larger than a limit, so no single step takes long.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from desktop_app.core.json_guard import JsonTooDeep, parse_json

_OUTSIDE_STRING = re.compile(r'["\[\]{},]')
_INSIDE_STRING = re.compile(r'["\\]')
_WHITESPACE = " \t\r\n\ufeff"


def _megabytes(chars: int) -> str:
    return f"{chars / 1_000_000:g} MB"


class JsonStreamError(ValueError):
    """The text is not the JSON expected; the message says where (line) and why."""


class EntryTooLarge(JsonStreamError):
    """One entry is bigger than the limit."""


class JsonEntries:
    """Iterate `(kind, value)`: ("entry", item) for each item of a top-level list, or one
    ("document", value) when the top level is an object. An entry that is well-formed but
    nested too deep to read is ("unreadable", reason): the reading goes on after it.

    `chunks` yields text; `max_entry_chars` bounds a single entry (or the whole document).
    `replaced` counts the lone surrogates replaced by U+FFFD in what was yielded.
    """

    def __init__(self, chunks: Iterable[str], max_entry_chars: int) -> None:
        self._chunks = iter(chunks)
        self._limit = max_entry_chars
        self._buf = ""
        self._lines_before = 0  # newlines in the text already dropped from the buffer
        self._eof = False
        self.entries = 0
        self.replaced = 0

    # --- buffer ----------------------------------------------------------------------------

    def _more(self, keep_from: int) -> int:
        """Drop the buffer before `keep_from`, append the next chunk; the shift, or -1 at end."""
        for chunk in self._chunks:
            if not chunk:
                continue
            self._lines_before += self._buf.count("\n", 0, keep_from)
            self._buf = self._buf[keep_from:] + chunk
            return keep_from
        self._eof = True
        return -1

    def _line(self, index: int) -> int:
        return self._lines_before + self._buf.count("\n", 0, index) + 1

    # --- scanning --------------------------------------------------------------------------

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        pos = self._skip_space(0)
        if pos < 0:
            raise JsonStreamError("The file is empty.")
        first = self._buf[pos]
        if first == "{":
            start, end, _ = self._scan(pos, pos + 1, 1, top_level_list=False)
            try:
                document = self._decode(start, end + 1, "the file")
            except JsonTooDeep as exc:
                raise JsonStreamError(f"The file cannot be read: {exc.msg}.") from None
            yield "document", document
            self._expect_end(end + 1)
        elif first == "[":
            yield from self._entries(pos + 1)
        else:
            raise JsonStreamError(
                f"The file is not JSON: it starts with {first!r} where a list [ … ] or an "
                "object { … } should begin."
            )

    def _skip_space(self, pos: int) -> int:
        while True:
            while pos < len(self._buf) and self._buf[pos] in _WHITESPACE:
                pos += 1
            if pos < len(self._buf):
                return pos
            shift = self._more(pos)
            if shift < 0:
                return -1
            pos -= shift

    def _expect_end(self, pos: int) -> None:
        pos = self._skip_space(pos)
        if pos >= 0:
            raise JsonStreamError(
                f"Line {self._line(pos)}: unexpected text after the end of the JSON value."
            )

    def _entries(self, pos: int) -> Iterator[tuple[str, Any]]:
        while True:
            pos = self._skip_space(pos)
            if pos < 0:
                raise self._truncated()
            if self._buf[pos] == "]" and self.entries == 0:
                self._expect_end(pos + 1)
                return
            start, end, closer = self._scan(pos, pos, 0, top_level_list=True)
            self.entries += 1
            try:
                yield "entry", self._decode(start, end, f"entry {self.entries}")
            except JsonTooDeep as exc:
                yield "unreadable", exc.msg
            if closer == "]":
                self._expect_end(end + 1)
                return
            if closer != ",":
                raise JsonStreamError(f"Line {self._line(end)}: the list is closed by {closer!r}.")
            pos = end + 1

    def _scan(self, start: int, pos: int, depth: int, top_level_list: bool) -> tuple[int, int, str]:
        """Find where the value starting at `start` ends: for an entry of the top-level list,
        the comma or bracket after it; for a document, its closing brace. Returns the value's
        start and that end (positions in the buffer, which may have moved) and the character.
        """
        in_string = False
        while True:
            if pos - start > self._limit:
                what = f"Entry {self.entries + 1}" if top_level_list else "The file's content"
                raise EntryTooLarge(
                    f"{what}, starting on line {self._line(start)}, is larger than "
                    f"{_megabytes(self._limit)}, more than any dialogue Parley can import."
                )
            match = (_INSIDE_STRING if in_string else _OUTSIDE_STRING).search(self._buf, pos)
            escape_cut = (
                match is not None and match.group() == "\\" and match.end() >= len(self._buf)
            )
            if match is None or escape_cut:
                resume = len(self._buf) if match is None else match.start()
                shift = self._more(start)
                if shift < 0:
                    raise self._truncated()
                start, pos = start - shift, resume - shift
                continue
            char, pos = match.group(), match.end()
            if in_string:
                if char == "\\":
                    pos += 1
                else:
                    in_string = False
            elif char == '"':
                in_string = True
            elif char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
                if depth == (-1 if top_level_list else 0):
                    return start, match.start(), char
            elif char == "," and depth == 0 and top_level_list:
                return start, match.start(), char

    def _truncated(self) -> JsonStreamError:
        complete = f"{self.entries} complete entr{'y' if self.entries == 1 else 'ies'}"
        return JsonStreamError(
            f"The file stops in the middle of its content, on line {self._line(len(self._buf))} "
            f"after {complete}: it looks truncated."
        )

    def _decode(self, start: int, end: int, what: str) -> Any:
        text = self._buf[start:end]
        try:
            value, replaced = parse_json(text)
        except json.JSONDecodeError as exc:
            line = self._line(start) + exc.lineno - 1
            raise JsonStreamError(f"Line {line}: {what} is not valid JSON ({exc.msg}).") from exc
        self.replaced += replaced
        return value
