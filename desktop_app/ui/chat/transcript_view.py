"""The transcript: a dialogue's messages as cards, laid out where they are seen.

A scroll area that paints its messages itself, as a chat app does: each message is laid out
once at the column's width and cached; only the messages on screen (and a screen or two
around) hold their laid-out documents, the others only their height, so memory follows the
screen and not the dialogue's length. The column is about 80 characters wide, centred.

A streaming reply is appended piece by piece (see MessageItem): text that arrives is buffered
and drawn at most once a frame, and only the reply's open piece is rendered again.

Signals:
    action_requested(str, int): an action on message `id` ("copy", "edit", "regenerate",
        "rate_up", "rate_down", "delete", "version_prev", "version_next", "copy_plain").
    code_copied(str): a code block was copied to the clipboard.
    image_opened(object): the user clicked an image (the Attachment).
    note_toggled(int, str): a collapsible part of message `id` was opened or closed.
    file_requested(object): the user clicked a file a reply's tool made (its Citation).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QImage,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import QFrame, QWidget

from desktop_app.core.dialogue import Attachment, Message, Status
from desktop_app.core.reply_blocks import block_text
from desktop_app.core.tool_notes import ToolNote
from desktop_app.core.transcript_cards import Card, make_card
from desktop_app.ui.chat.message_actions import MessageActions
from desktop_app.ui.chat.message_item import MessageItem, item_text
from desktop_app.ui.chat.transcript_input import TranscriptInput
from desktop_app.ui.chat.transcript_painter import paint_item
from desktop_app.ui.chat.transcript_selection import Hit, Selection
from desktop_app.ui.chat.transcript_style import GAP, SIDE_MARGIN, TranscriptStyle

FRAME_MS = 16
KEEP_SCREENS = 2  # laid-out documents are kept this many screens above and below
Thumbnails = Callable[[Attachment], QImage | None]


class TranscriptView(TranscriptInput):
    action_requested = Signal(str, int)
    code_copied = Signal(str)
    image_opened = Signal(object)
    note_toggled = Signal(int, str)
    file_requested = Signal(object)
    file_link_opened = Signal(str)  # a link to one of the user's files (a knowledge source)

    def __init__(self, parent: QWidget | None = None, thumbnails: Thumbnails | None = None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.viewport().setMouseTracking(True)
        self.setAccessibleName("Conversation")
        self.thumbnails: Thumbnails = thumbnails or (lambda _a: None)
        self.items: list[MessageItem] = []
        self.ratable = False
        self.editable = False
        self.show_sentiment = True
        self.placeholder = "Ask anything. Enter sends, Shift+Enter starts a new line."
        self.assistant_name = ""
        self._calls: dict[str, dict[str, Any]] = {}  # tool call id → the call (for its step)
        self._style = TranscriptStyle.from_palette(self.palette(), self.font())
        self._tops: list[float] = []
        self._total = 0.0
        self._column = 0.0
        self._stream_item: MessageItem | None = None
        self._pending: list[str] = []
        self._frame = QTimer(self)
        self._frame.setSingleShot(True)
        self._frame.setInterval(FRAME_MS)
        self._frame.timeout.connect(self._on_frame_timeout)
        self._follow = True  # keep the end in view while a reply streams
        self.hovered: int | None = None
        self.focused: int | None = None
        self.selection = Selection()
        self._press: Hit | None = None
        self.highlights: dict[int, list[str]] = {}  # message id → words marked (History)
        self.actions_bar = MessageActions(self.viewport())
        self.actions_bar.triggered.connect(self._on_actions_bar_triggered)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)

    # --- content ---------------------------------------------------------------------------

    @property
    def message_count(self) -> int:
        return len(self.items)

    @property
    def messages(self) -> list[Message]:
        return [item.card.message for item in self.items]

    def card_for(self, message: Message) -> Card:
        for call in message.tool_calls:  # the calls its `tool` messages answer, kept by id
            if isinstance(call, dict) and call.get("id"):
                self._calls[str(call["id"])] = call
        return make_card(
            message,
            show_sentiment=self.show_sentiment,
            ratable=self.ratable,
            editable=self.editable,
            assistant_name=self.assistant_name,
            call=self._calls.get(message.tool_call_id) if message.role == "tool" else None,
        )

    def clear_dialogue(self) -> None:
        self._calls.clear()
        self._frame.stop()
        self._pending.clear()
        self._stream_item = None
        self.items = []
        self.hovered = self.focused = None
        self.selection.clear()
        self.highlights = {}
        self.actions_bar.hide()
        self._relayout(keep_anchor=False)

    def show_messages(self, messages: list[Message]) -> None:
        self.clear_dialogue()
        self.items = [MessageItem(self.card_for(m)) for m in messages]
        self._relayout(keep_anchor=False)
        self.scroll_to_end()
        self._hover_under_cursor()

    def _hover_under_cursor(self) -> None:
        """The mouse stays where it was while the content changed under it."""
        from PySide6.QtGui import QCursor

        point = self.viewport().mapFromGlobal(QCursor.pos())
        if self.viewport().rect().contains(point) and self.underMouse():
            hit = self.hit(QPointF(point))
            self._set_hovered(hit.index if hit is not None else None)

    def add_message(self, message: Message) -> None:
        self.items.append(MessageItem(self.card_for(message)))
        self._relayout()
        self.scroll_to_end()

    def replace_message(self, message: Message) -> None:
        """Show a message's new state (a rating, a finished save) where it is."""
        for item in self.items:
            if item.message_id is not None and item.message_id == message.id:
                item.card = self.card_for(message)
                item.measured = False
                item.parts = None
        self._relayout()

    def refresh_cards(self) -> None:
        """Build every card again (a setting such as the sentiment marks changed)."""
        for item in self.items:
            item.card = self.card_for(item.card.message)
            item.parts, item.measured = None, False
        self._relayout()

    def item_index(self, message_id: int) -> int | None:
        return next((i for i, it in enumerate(self.items) if it.message_id == message_id), None)

    def message(self, message_id: int) -> Message | None:
        index = self.item_index(message_id)
        return self.items[index].card.message if index is not None else None

    def plain_text(self) -> str:
        """Everything shown, as text (what "select all, copy" would give)."""
        return "\n\n".join(item_text(item) for item in self.items)

    def toPlainText(self) -> str:
        return self.plain_text()

    def code_blocks(self) -> list[str]:
        return [
            block_text(item.pieces, block)
            for item in self.items
            for block in dict.fromkeys(p.block for p in item.pieces if p.kind == "code")
        ]

    # --- streaming -------------------------------------------------------------------------

    @property
    def streaming(self) -> bool:
        return self._stream_item is not None

    def begin_reply(self, reply: Message) -> None:
        item = MessageItem(self.card_for(reply))
        item.begin_stream()
        self.items.append(item)
        self._stream_item = item
        self._follow = self._at_end() or True
        self._relayout()
        self.scroll_to_end()

    def append_reply_text(self, text: str) -> None:
        """Buffer streamed text; it is drawn at the next frame (at most ~60 times a second)."""
        if self._stream_item is None:
            return
        self._pending.append(text)
        if not self._frame.isActive():
            self._frame.start()

    def add_tool_note(self, note: ToolNote) -> None:
        item = self._stream_item
        if item is None:
            return
        notes = item.card.notes
        for index, old in enumerate(notes):
            if note.id and old.id == note.id:
                notes[index] = note
                break
        else:
            notes.append(note)
        self._relayout_item(item)

    def append_reasoning(self, text: str) -> None:
        item = self._stream_item
        if item is None:
            return
        first = not item.card.reasoning
        item.card.reasoning += text
        item.card.reasoning_label = "Thinking…"
        if first:
            self._relayout_item(item)

    def _on_frame_timeout(self) -> None:
        self.flush()

    def flush(self) -> None:
        """Draw what arrived since the last frame."""
        item = self._stream_item
        if item is None or not self._pending:
            return
        text = "".join(self._pending)
        self._pending.clear()
        follow = self._at_end()
        if item.parts is None or item.width != self._column:
            item.layout(self._column, self._style, self.thumbnails)
        item.update_stream(text, self._style)
        self._set_last_height(item)
        if follow:
            self.scroll_to_end()
        self.viewport().update()

    def finish_reply(self, reply: Message) -> None:
        """The reply ended: keep its pieces as they were streamed, show its final details."""
        item = self._stream_item
        self.flush()
        self._frame.stop()
        self._stream_item = None
        if item is None:
            self.add_message(reply)
            return
        follow = self._at_end()
        item.end_stream(self.card_for(reply))
        self._relayout()
        if follow:
            self.scroll_to_end()

    # --- layout ----------------------------------------------------------------------------

    def _relayout(self, keep_anchor: bool = True) -> None:
        """Recompute the column and every top; lay out what is on screen."""
        width = self.viewport().width()
        column = float(self._style.column_width(width))
        if column != self._column:
            self._column = column
            for item in self.items:
                item.measured = False
                if item is not self._stream_item:
                    item.parts = None
        anchor = self._anchor() if keep_anchor else None
        for item in self.items:
            if not item.measured:
                item.height = item.estimate(column, self._style)
        self._recount()
        self._lay_out_visible(anchor)

    def _recount(self) -> None:
        tops, y = [], float(GAP)
        for item in self.items:
            tops.append(y)
            y += item.height + GAP
        self._tops, self._total = tops, y
        self._update_scroll_range()

    def _set_last_height(self, item: MessageItem) -> None:
        if self.items and self.items[-1] is item and self._tops:
            self._total = self._tops[-1] + item.height + GAP
            self._update_scroll_range()
        else:
            self._recount()

    def _update_scroll_range(self) -> None:
        bar = self.verticalScrollBar()
        page = self.viewport().height()
        bar.setPageStep(page)
        bar.setSingleStep(40)
        bar.setRange(0, max(0, int(self._total - page)))

    def _anchor(self) -> tuple[int, float] | None:
        """The first item on screen and how far its top is above the view's top."""
        if not self.items or not self._tops:
            return None
        top = self.verticalScrollBar().value()
        index = max(0, bisect.bisect_right(self._tops, top) - 1)
        return index, top - self._tops[index]

    def _visible_range(self, margin: float = 0.0) -> range:
        if not self.items:
            return range(0)
        top = self.verticalScrollBar().value() - margin
        bottom = self.verticalScrollBar().value() + self.viewport().height() + margin
        first = max(0, bisect.bisect_right(self._tops, top) - 1)
        last = bisect.bisect_left(self._tops, bottom)
        return range(first, min(len(self.items), last + 1))

    def _lay_out_visible(self, anchor: tuple[int, float] | None = None) -> None:
        """Lay out the items on screen (exact heights; the anchor item stays where it was)
        and free the documents of the items far away."""
        for _ in range(3):  # heights change the range; a few passes settle it
            changed = False
            for index in self._visible_range(self.viewport().height() * 0.5):
                item = self.items[index]
                if item.parts is None or not item.measured or item.width != self._column:
                    before = item.height
                    item.layout(self._column, self._style, self.thumbnails)
                    changed = changed or item.height != before
            if not changed:
                break
            self._recount()
            if anchor is not None and anchor[0] < len(self._tops):
                self.verticalScrollBar().setValue(int(self._tops[anchor[0]] + anchor[1]))
        keep = self._visible_range(self.viewport().height() * KEEP_SCREENS)
        for index, item in enumerate(self.items):
            if item.parts is not None and index not in keep and item is not self._stream_item:
                item.drop()
        self._place_actions_bar()
        self.viewport().update()

    def _relayout_item(self, item: MessageItem) -> None:
        item.layout(self._column, self._style, self.thumbnails)
        if item.stream is not None:
            item.update_stream("", self._style)
        self._set_last_height(item) if item is self._stream_item else self._recount()
        self.viewport().update()

    def column_left(self) -> float:
        return max(float(SIDE_MARGIN), (self.viewport().width() - self._column) / 2)

    def item_rect(self, index: int) -> QRectF:
        """Where item `index` is, in viewport coordinates."""
        top = self._tops[index] - self.verticalScrollBar().value()
        return QRectF(self.column_left(), top, self._column, self.items[index].height)

    # --- painting --------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(event.rect(), self._style.background)
        if not self.items:
            painter.setPen(self._style.muted)
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            return
        for index in self._visible_range():
            item = self.items[index]
            if item.parts is None or item.width != self._column:
                item.layout(self._column, self._style, self.thumbnails)
            rect = self.item_rect(index)
            if rect.bottom() < event.rect().top() or rect.top() > event.rect().bottom():
                continue
            words = self.highlights.get(item.message_id or -1, [])
            paint_item(
                painter,
                item,
                rect.topLeft(),
                self._style,
                self.selection.ranges_in(index, item),
                words,
                focused=index == self.focused and self.hasFocus(),
                show_versions=index != self.hovered and index != self.focused,
                palette=self.palette(),
                visible=QRectF(event.rect()).translated(-rect.topLeft()),
            )

    def status_of(self, message_id: int) -> Status | None:
        found = self.message(message_id)
        return found.status if found is not None else None
