"""Pointing into the transcript: what is under a point (`Hit`), and selected text across the
blocks and messages of the transcript (`Selection`)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QTextCursor

from desktop_app.core.dialogue import Attachment
from desktop_app.core.reply_blocks import block_text
from desktop_app.ui.chat.message_item import MessageItem

SENTIMENT_DOT = 7.0


@dataclass
class Hit:
    index: int  # the item
    item: MessageItem
    part: int | None = None
    position: int | None = None  # in the part's document
    link: str = ""
    image: Attachment | None = None
    tooltip: str = ""

    @classmethod
    def find(cls, index: int, item: MessageItem, local: QPointF) -> Hit:
        hit = cls(index, item)
        for number, part in enumerate(item.parts or []):
            rect = part.rect.adjusted(-2, -2, 2, 2)
            if part.kind == "header" and item.card.sentiment is not None:
                dot = rect.right() + 4
                if dot <= local.x() <= dot + 2 * SENTIMENT_DOT and rect.contains(
                    QPointF(rect.center().x(), local.y())
                ):
                    hit.tooltip = item.card.sentiment.tooltip
            if not rect.contains(local):
                continue
            hit.part = number
            if part.kind == "images":
                for thumb, _image, attachment in part.thumbs:
                    if thumb.contains(local):
                        hit.image = attachment
                        hit.tooltip = attachment.name or "Open the image"
                return hit
            if part.document is None:
                return hit
            inside = local - part.rect.topLeft()
            layout = part.document.documentLayout()
            hit.link = layout.anchorAt(inside)
            hit.position = layout.hitTest(inside, Qt.HitTestAccuracy.FuzzyHit)
            if hit.position < 0:
                hit.position = None
            return hit
        return hit

    def key(self) -> tuple[int, int, int]:
        return (self.index, self.part if self.part is not None else -1, self.position or 0)

    def code_text(self) -> str:
        """The whole code block under the point (all its pieces), or ""."""
        parts = self.item.parts or []
        if self.part is None or self.part >= len(parts):
            return ""
        piece = parts[self.part].piece
        if piece is None or piece.kind != "code":
            return ""
        return block_text(self.item.pieces, piece.block)


class Selection:
    def __init__(self) -> None:
        self.anchor: Hit | None = None
        self.head: Hit | None = None
        self.active = False

    def clear(self) -> None:
        self.anchor = self.head = None
        self.active = False

    def start(self, hit: Hit) -> None:
        self.anchor, self.head, self.active = hit, hit, True

    def extend(self, hit: Hit) -> None:
        if hit.position is not None and hit.part is not None:
            self.head = hit

    def finish(self) -> None:
        self.active = False

    def select_word(self, hit: Hit) -> None:
        part = (hit.item.parts or [])[hit.part or 0]
        if part.document is None or hit.position is None:
            return
        cursor = QTextCursor(part.document)
        cursor.setPosition(hit.position)
        cursor.select(QTextCursor.SelectionType.WordUnderCursor)
        start = Hit(hit.index, hit.item, hit.part, cursor.selectionStart())
        end = Hit(hit.index, hit.item, hit.part, cursor.selectionEnd())
        self.anchor, self.head, self.active = start, end, False

    def _ordered(self) -> tuple[Hit, Hit] | None:
        if self.anchor is None or self.head is None:
            return None
        if self.anchor.key() == self.head.key():
            return None
        return (
            (self.anchor, self.head)
            if self.anchor.key() < self.head.key()
            else (
                self.head,
                self.anchor,
            )
        )

    def ranges_in(self, index: int, item: MessageItem) -> dict[int, tuple[int, int]]:
        """Selected (start, end) per part of item `index`."""
        ordered = self._ordered()
        if ordered is None or not ordered[0].index <= index <= ordered[1].index:
            return {}
        first, last = ordered
        found = {}
        for number, part in enumerate(item.parts or []):
            if part.document is None or part.kind == "header":
                continue
            end_of_part = part.document.characterCount() - 1
            start, end = 0, end_of_part
            key = (index, number)
            if key < (first.index, first.part or 0) or key > (last.index, last.part or 0):
                continue
            if key == (first.index, first.part):
                start = first.position or 0
            if key == (last.index, last.part):
                end = last.position or 0
            if end > start:
                found[number] = (start, end)
        return found

    def text(self, items: list[MessageItem]) -> str:
        ordered = self._ordered()
        if ordered is None:
            return ""
        chunks = []
        for index in range(ordered[0].index, ordered[1].index + 1):
            item = items[index]
            if item.parts is None:
                chunks.append(item.card.message.content)
                continue
            for number, (start, end) in self.ranges_in(index, item).items():
                document = item.parts[number].document
                assert document is not None
                cursor = QTextCursor(document)
                cursor.setPosition(start)
                cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
                chunks.append(cursor.selection().toPlainText())
        return "\n".join(chunks)
