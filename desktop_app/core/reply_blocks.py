"""Markdown cut into the blocks a transcript draws, whole or while it streams.

A block is a top-level CommonMark block (paragraph, heading, list, quote, table, rule) or a
code block. Boundaries come from markdown-it-py's block parser, not from a hand-made splitter.

`StreamSplitter` does the same incrementally, for a reply that is still arriving: it keeps a
list of finished pieces that only ever grows (the view lays each out once and never touches it
again) and one open piece at the end, the only thing redrawn as text arrives. Work per update
is bounded by the open piece, never by the reply: a code block is cut every `CODE_CUT_LINES`
lines (code lines are hard breaks, so the pieces look exactly like the whole), and a paragraph
that grows long is cut where the view says a line of its layout starts (`cut_open`), so the
pieces wrap exactly as the whole paragraph would at that width.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

CODE_CUT_LINES = 40
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*([^`\s]*)[^\n]*$")
# What would start a block (or turn the line above into a heading) at the start of a line:
# a paragraph is never cut where its continuation would begin with one.
_BLOCK_START = re.compile(
    r"^(?: {4}|\t| {0,3}(?:[#>|=]|[-*+_](?:\s|$|[-*_])|\d{1,9}[.)]|`{3}|~{3}))"
)


@lru_cache(maxsize=1)
def markdown_parser() -> Any:
    """CommonMark with GitHub's tables and strikethrough; raw HTML is shown as text."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


@dataclass(frozen=True)
class Piece:
    """A block, or part of one, to lay out on its own.

    `kind` is "prose" (Markdown) or "code" (the code itself, without fences). `block` numbers
    the block the piece belongs to; `first` is False for a piece that continues the block of
    the piece before it (no gap above it, no code header).
    """

    kind: str
    text: str
    block: int
    language: str = ""
    first: bool = True
    same_line: bool = False  # a code piece that goes on with the line the one before ended in


def block_text(pieces: list[Piece], block: int) -> str:
    """The whole text of block `block` from its pieces (what Copy gives for a code block)."""
    text = ""
    for number, piece in enumerate(p for p in pieces if p.block == block):
        glue = "" if number == 0 or piece.same_line else "\n"
        text += glue + piece.text
    return text


# Blocks a blank line ends for good (a list or a fence may go on after one).
_CLOSED_BY_BLANK = ("paragraph_open", "heading_open", "hr", "table_open", "blockquote_open")


def _top_level(lines: list[str]) -> list[tuple[str, int, int, str]]:
    """(kind, first line, end line, language) of each top-level block."""
    return [block[:4] for block in _blocks(lines)]


def _blocks(lines: list[str]) -> list[tuple[str, int, int, str, str]]:
    tokens = markdown_parser().parse("".join(lines))
    found = []
    for token in tokens:
        if token.level != 0 or token.map is None or token.nesting == -1:
            continue
        kind = "code" if token.type in ("fence", "code_block") else "prose"
        language = token.info.strip().split(" ")[0] if token.type == "fence" else ""
        found.append((kind, token.map[0], token.map[1], language, token.type))
    return found


def _code_body(lines: list[str], kind_token: tuple[str, int, int, str]) -> str:
    """The code of a code block's lines (fences and indentation taken off)."""
    _, start, end, _ = kind_token
    body = lines[start:end]
    fence = _FENCE.match(body[0].rstrip("\n")) if body else None
    if fence is not None:
        body, marker = body[1:], fence.group(1)
        if body and _is_closing(body[-1], marker):
            body = body[:-1]
    else:  # an indented block
        body = [line[4:] if line.startswith("    ") else line.lstrip("\t") for line in body]
    return "".join(body).rstrip("\n")


def _is_closing(line: str, marker: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(marker[0] * len(marker)) and not stripped.strip(marker[0])


def split_markdown(text: str) -> list[Piece]:
    """A finished text's blocks, each one piece."""
    lines = text.splitlines(keepends=True)
    pieces = []
    for number, block in enumerate(_top_level(lines)):
        kind, start, end, language = block
        if kind == "code":
            pieces.append(Piece("code", _code_body(lines, block), number, language))
        else:
            pieces.append(Piece("prose", "".join(lines[start:end]).strip("\n"), number))
    return pieces


class StreamSplitter:
    """Feed a streamed reply's text; read `finished` (append-only) and `open_piece`."""

    def __init__(self) -> None:
        self.finished: list[Piece] = []
        self._open = ""  # source text of the open block (or the open part of a code block)
        self._block = 0
        self._first = True  # the open piece starts its block
        self._code: tuple[str, str] | None = None  # (fence marker, language) inside a fence
        self._same_line = False  # the open code piece begins in the middle of a line

    @property
    def open_piece(self) -> Piece | None:
        if self._code is not None:
            body = self._open.rstrip("\n") if self._open.endswith("\n") else self._open
            return Piece("code", body, self._block, self._code[1], self._first, self._same_line)
        text = self._open.strip("\n")
        if not text.strip():
            return None
        return Piece("prose", text, self._block, "", self._first)

    @property
    def open_text(self) -> str:
        return self._open

    def feed(self, text: str) -> list[Piece]:
        """Add streamed text; returns the pieces this finished (already in `finished`)."""
        before = len(self.finished)
        self._open += text
        self._settle()
        return self.finished[before:]

    def close(self) -> list[Piece]:
        """The reply ended: the open piece is finished too."""
        before = len(self.finished)
        piece = self.open_piece
        if piece is not None and (piece.text or piece.kind == "code"):
            self._finish(piece)
        self._open, self._code = "", None
        return self.finished[before:]

    def cut_open(self, offset: int) -> Piece | None:
        """Finish the open prose piece's first `offset` characters (of `open_text`) as a piece
        of its own; the rest continues the same block. The caller picks an offset where a line
        of the laid-out paragraph starts, so nothing moves on screen."""
        if not 0 < offset < len(self._open):
            return None
        head, tail = self._open[:offset], self._open[offset:]
        if self._code is not None:  # a long code line: cut where its laid-out line breaks
            if "\n" in head.rstrip("\n"):
                return None  # whole lines are the splitter's to cut
            text = head.rstrip("\n")
            piece = Piece("code", text, self._block, self._code[1], self._first, self._same_line)
            self.finished.append(piece)
            self._open, self._first, self._same_line = tail, False, not head.endswith("\n")
            return piece
        if "\n\n" in head.strip("\n") or not head.strip() or _BLOCK_START.match(tail):
            return None  # not inside one paragraph, or the rest would read as another block
        piece = Piece("prose", head.strip("\n").rstrip(), self._block, "", self._first)
        self.finished.append(piece)
        self._open, self._first = tail, False
        return piece

    # --- internals -------------------------------------------------------------------------

    def _finish(self, piece: Piece, ends_block: bool = True) -> None:
        self.finished.append(piece)
        if ends_block:
            self._block += 1
            self._first = True
        else:
            self._first = False

    def _settle(self) -> None:
        while True:
            if self._code is not None:
                if not self._settle_code():
                    return
            elif not self._settle_prose():
                return

    def _settle_code(self) -> bool:
        """Inside a fence: finish it at its closing line, or cut it every CODE_CUT_LINES."""
        assert self._code is not None
        marker, language = self._code
        lines = self._open.splitlines(keepends=True)
        for index, line in enumerate(lines):
            if not line.endswith("\n"):
                break
            if index == 0 and self._same_line:
                continue  # the rest of a line cut in two: never a fence
            stripped = line.strip()
            if stripped.startswith(marker[0] * len(marker)) and not stripped.strip(marker[0]):
                body = "".join(lines[:index]).rstrip("\n")
                piece = Piece("code", body, self._block, language, self._first, self._same_line)
                self._finish(piece)
                self._open, self._code, self._same_line = "".join(lines[index + 1 :]), None, False
                return True
        complete = [line for line in lines if line.endswith("\n")]
        if len(complete) > CODE_CUT_LINES:
            head = "".join(complete[:CODE_CUT_LINES])
            self._finish(
                Piece(
                    "code", head.rstrip("\n"), self._block, language, self._first, self._same_line
                ),
                ends_block=False,
            )
            self._open, self._same_line = self._open[len(head) :], False
            return True
        return False

    def _settle_prose(self) -> bool:
        """Finish every top-level block but the last; enter a fence when one opens."""
        end = self._open.rfind("\n")
        if end < 0:
            return False
        lines = self._open[: end + 1].splitlines(keepends=True)
        found = _blocks(lines)
        blocks = [block[:4] for block in found]
        if not blocks:
            if not self._open[: end + 1].strip():
                self._open = self._open[end + 1 :]  # blank lines between blocks
            return False
        kind, start, stop, language = blocks[0]
        if kind == "code" and _FENCE.match(lines[start].rstrip("\n")) and self._first:
            fence = _FENCE.match(lines[start].rstrip("\n"))
            assert fence is not None
            if len(blocks) > 1 or self._fence_closed(lines, start, stop, fence.group(1)):
                self._finish(Piece("code", _code_body(lines, blocks[0]), self._block, language))
                self._open = "".join(lines[stop:]) + self._open[end + 1 :]
                return True
            if start == 0 or not "".join(lines[:start]).strip():
                self._code = (fence.group(1), language)
                self._open = "".join(lines[start + 1 :]) + self._open[end + 1 :]
                return True
        closed = (
            len(blocks) == 1
            and found[0][4] in _CLOSED_BY_BLANK
            and lines[-1].strip() == ""
            and self._open[end + 1 :].strip() != ""
        )
        if len(blocks) < 2 and not closed:
            return False
        if closed:
            text = "".join(lines[start:stop]).strip("\n")
            self._finish(Piece("prose", text, self._block, "", self._first))
            self._open = self._open[end + 1 :]
            return True
        if kind == "code":
            self._finish(Piece("code", _code_body(lines, blocks[0]), self._block, language))
        else:
            text = "".join(lines[start:stop]).strip("\n")
            self._finish(Piece("prose", text, self._block, "", self._first))
        next_start = blocks[1][1]
        self._open = "".join(lines[next_start:]) + self._open[end + 1 :]
        return True

    @staticmethod
    def _fence_closed(lines: list[str], start: int, stop: int, marker: str) -> bool:
        if stop - start < 2:
            return False
        last = lines[stop - 1].strip()
        return last.startswith(marker[0] * len(marker)) and not last.strip(marker[0])
