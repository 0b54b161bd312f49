"""A `<think>…</think>` block at the start of a streamed reply, told apart from the answer.

Some local servers (llama.cpp and LM Studio builds, Ollama with older templates) put a
reasoning model's thoughts inside the content, wrapped in `<think>` tags, instead of in a
field of their own. Only a block at the very start counts (leading whitespace allowed): a tag
later in the text is something the model wrote, and stays text. The tags may arrive split
across chunks, so the splitter holds back the few characters that could still be part of one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"

Kind = Literal["reasoning", "text"]


@dataclass(frozen=True)
class Piece:
    kind: Kind
    text: str


def _held_suffix(text: str, tag: str) -> int:
    """How many characters at the end of `text` could be the start of `tag`."""
    for size in range(min(len(text), len(tag) - 1), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


class ThinkSplitter:
    """Feed it the content deltas in order; it returns reasoning and text pieces (maybe none,
    while a tag may still be arriving). `finish()` returns what was held back at the end."""

    def __init__(self) -> None:
        self._state: Literal["start", "thinking", "answer_start", "text"] = "start"
        self._held = ""
        self._thought = False  # some reasoning came out already

    @property
    def thinking(self) -> bool:
        """Inside the block: what arrives is reasoning."""
        return self._state == "thinking"

    def feed(self, delta: str) -> list[Piece]:
        if self._state == "text":
            return [Piece("text", delta)] if delta else []
        self._held += delta
        pieces: list[Piece] = []
        if self._state == "start":
            stripped = self._held.lstrip()
            if not stripped or (len(stripped) < len(OPEN_TAG) and OPEN_TAG.startswith(stripped)):
                return pieces  # whitespace, or the tag may still be arriving
            if not stripped.startswith(OPEN_TAG):
                return self._to_text()
            self._held = stripped[len(OPEN_TAG) :]
            self._state = "thinking"
        if self._state == "thinking":
            if not self._thought:  # the line break after the tag is not part of the thought
                self._held = self._held.lstrip()
            end = self._held.find(CLOSE_TAG)
            if end < 0:
                keep = _held_suffix(self._held, CLOSE_TAG)
                thought = self._held[: len(self._held) - keep]
                self._held = self._held[len(self._held) - keep :]
                self._thought = self._thought or bool(thought)
                return [Piece("reasoning", thought)] if thought else []
            if self._held[:end]:
                pieces.append(Piece("reasoning", self._held[:end]))
            self._held = self._held[end + len(CLOSE_TAG) :]
            self._state = "answer_start"
        # The blank lines between the block and the answer belong to neither.
        self._held = self._held.lstrip()
        if self._held:
            pieces += self._to_text()
        return pieces

    def finish(self) -> list[Piece]:
        """The end of the stream: a tag that never completed is text, an unclosed block is
        reasoning (the reply was cut off while thinking)."""
        held, self._held = self._held, ""
        if not held:
            return []
        if self._state == "thinking":
            return [Piece("reasoning", held)]
        if self._state == "answer_start":
            held = held.lstrip()
        self._state = "text"
        return [Piece("text", held)] if held else []

    def _to_text(self) -> list[Piece]:
        held, self._held = self._held, ""
        self._state = "text"
        return [Piece("text", held)]


def split_think(content: str) -> tuple[str, str]:
    """(reasoning, answer) of a whole reply (an imported or non-streamed one)."""
    splitter = ThinkSplitter()
    pieces = splitter.feed(content) + splitter.finish()
    reasoning = "".join(p.text for p in pieces if p.kind == "reasoning")
    return reasoning, "".join(p.text for p in pieces if p.kind == "text")
