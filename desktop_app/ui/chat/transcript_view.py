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
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QFrame, QWidget

from desktop_app.core.dialogue import Attachment, Message, Status
from desktop_app.core.reply_blocks import block_text
from desktop_app.core.tool_notes import ToolNote
from desktop_app.core.transcript_cards import Card, make_card, plain_text
from desktop_app.ui.chat.block_renderer import COPY_SCHEME
from desktop_app.ui.chat.message_actions import MessageActions, build_menu
from desktop_app.ui.chat.message_item import ACTION_ROW, REASONING_SCHEME, MessageItem
from desktop_app.ui.chat.transcript_painter import paint_item
from desktop_app.ui.chat.transcript_selection import Hit, Selection
from desktop_app.ui.chat.transcript_style import GAP, SIDE_MARGIN, TranscriptStyle
from desktop_app.ui.widgets.tool_notes_html import NOTE_SCHEME, parse_note_link

FRAME_MS = 16
KEEP_SCREENS = 2  # laid-out documents are kept this many screens above and below
Thumbnails = Callable[[Attachment], QImage | None]


def _sources(note: ToolNote) -> str:
    count = len(note.citations)
    return f"{count} source{'s' if count != 1 else ''}"


def _item_text(item: MessageItem) -> str:
    """A message as the transcript shows it, in words: header, notes, text, error."""
    card = item.card
    lines = [" · ".join([card.who, *card.details])]
    lines.append(card.reasoning_label if card.reasoning else "")
    for index, note in enumerate(card.notes):
        arrow = "▾" if f"note:{index}" in item.expanded else "▸"
        lines.append(f"{arrow} {note.label}" + (f" ({_sources(note)})" if note.citations else ""))
    if item.stream is not None:
        lines.append("".join(p.text + "\n" for p in item.pieces) + item.stream.open_text)
    else:
        lines.append(plain_text(card.message))
    lines.append(card.error)
    return "\n".join(line for line in lines if line)


class TranscriptView(QAbstractScrollArea):
    action_requested = Signal(str, int)
    code_copied = Signal(str)
    image_opened = Signal(object)
    note_toggled = Signal(int, str)

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
        return make_card(
            message,
            show_sentiment=self.show_sentiment,
            ratable=self.ratable,
            editable=self.editable,
            assistant_name=self.assistant_name,
        )

    def clear_dialogue(self) -> None:
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
        return "\n\n".join(_item_text(item) for item in self.items)

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

    # --- scrolling -------------------------------------------------------------------------

    def _at_end(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4

    def scroll_to_end(self) -> None:
        self._lay_out_visible()
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def scroll_to_item(self, index: int, top: bool = False) -> None:
        if not 0 <= index < len(self.items):
            return
        bar = self.verticalScrollBar()
        rect = self.item_rect(index)
        if top or rect.top() < 0:
            bar.setValue(int(self._tops[index] - GAP))
        elif rect.bottom() > self.viewport().height():
            bar.setValue(int(self._tops[index] + rect.height() - self.viewport().height() + GAP))
        self._lay_out_visible((index, bar.value() - self._tops[index]))

    def _on_scrolled(self, _value: int) -> None:
        self._lay_out_visible(self._anchor())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        follow = self._at_end()
        self.selection.clear()
        self._relayout()
        if follow:
            self.scroll_to_end()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        from PySide6.QtCore import QEvent

        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._style = TranscriptStyle.from_palette(self.palette(), self.font())
            self._column = 0.0
            self._relayout()

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

    # --- hit testing -----------------------------------------------------------------------

    def hit(self, pos: QPointF) -> Hit | None:
        """What is under a viewport point: item, part, document position, link, image."""
        if not self.items:
            return None
        y = pos.y() + self.verticalScrollBar().value()
        index = max(0, bisect.bisect_right(self._tops, y) - 1)
        if index >= len(self.items):
            return None
        item = self.items[index]
        if item.parts is None:
            item.layout(self._column, self._style, self.thumbnails)
        local = QPointF(pos.x() - self.column_left(), y - self._tops[index])
        return Hit.find(index, item, local)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        hit = self.hit(event.position())
        self._press = hit
        if event.button() != Qt.MouseButton.LeftButton or hit is None:
            return
        self._set_focused(hit.index, scroll=False)
        if hit.link or hit.image is not None:
            return
        if hit.position is not None:
            self.selection.start(hit)
            self.viewport().update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hit = self.hit(event.position())
        if event.buttons() & Qt.MouseButton.LeftButton and self.selection.active and hit:
            self.selection.extend(hit)
            self.viewport().update()
        self._set_hovered(hit.index if hit is not None else None)
        shape = Qt.CursorShape.ArrowCursor
        if hit is not None and (hit.link or hit.image is not None):
            shape = Qt.CursorShape.PointingHandCursor
        elif hit is not None and hit.position is not None:
            shape = Qt.CursorShape.IBeamCursor
        self.viewport().setCursor(shape)
        if hit is not None and hit.tooltip:
            self.setToolTip(hit.tooltip)
        else:
            self.setToolTip("")

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        press, self._press = self._press, None
        hit = self.hit(event.position())
        self.selection.finish()
        if press is None or hit is None or event.button() != Qt.MouseButton.LeftButton:
            return
        if press.link and press.link == hit.link:
            self._open_link(hit.index, hit.link)
        elif press.image is not None and press.image == hit.image:
            self.image_opened.emit(hit.image)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        hit = self.hit(event.position())
        if hit is not None and hit.position is not None:
            self.selection.select_word(hit)
            self.viewport().update()

    def leaveEvent(self, event) -> None:
        super().leaveEvent(event)
        self._set_hovered(None)

    def contextMenuEvent(self, event) -> None:
        if event.reason() == event.Reason.Mouse:
            hit = self.hit(QPointF(event.pos()))
            index = hit.index if hit is not None else None
        else:
            hit, index = None, self.focused
        if index is None:
            return
        self._set_focused(index, scroll=False)
        item = self.items[index]
        code = hit.code_text() if hit is not None else ""
        menu = build_menu(item.card, self, self.selection.text(self.items), code)
        menu.triggered.connect(lambda action: self._on_menu_triggered(index, action.data(), code))
        menu.popup(event.globalPos())  # popup, not exec: no nested event loop

    def _on_menu_triggered(self, index: int, name: str, code: str) -> None:
        if name == "copy_selection":
            self.copy_selection()
        elif name == "copy_code":
            self._copy_code(code)
        else:
            self._request(index, name)

    # --- links and actions -----------------------------------------------------------------

    def _open_link(self, index: int, link: str) -> None:
        url = QUrl(link)
        item = self.items[index]
        scheme = url.scheme()
        if scheme == COPY_SCHEME:
            block = int(url.path()) if url.path().isdigit() else -1
            code = block_text(item.pieces, block)
            self._copy_code(code)
        elif scheme == NOTE_SCHEME:
            place = parse_note_link(url.path())
            if place is not None:
                self._toggle(item, f"note:{place[1]}")
        elif scheme == REASONING_SCHEME:
            self._toggle(item, "reasoning")
        elif scheme in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)

    def _toggle(self, item: MessageItem, key: str) -> None:
        item.expanded.symmetric_difference_update({key})
        self._relayout_item(item)
        if item.message_id is not None:
            self.note_toggled.emit(item.message_id, key)

    def is_expanded(self, message_id: int, key: str) -> bool:
        index = self.item_index(message_id)
        return index is not None and key in self.items[index].expanded

    def toggle(self, message_id: int, key: str) -> None:
        index = self.item_index(message_id)
        if index is not None:
            self._toggle(self.items[index], key)

    def _copy_code(self, code: str) -> None:
        QGuiApplication.clipboard().setText(code)
        self.code_copied.emit(code)

    def copy_selection(self) -> None:
        text = self.selection.text(self.items)
        if text:
            QGuiApplication.clipboard().setText(text)

    def _request(self, index: int, name: str) -> None:
        item = self.items[index]
        message = item.card.message
        if name == "copy":
            QGuiApplication.clipboard().setText(message.content)
        elif name == "copy_plain":
            QGuiApplication.clipboard().setText(plain_text(message))
        if message.id is not None:
            self.action_requested.emit(name, message.id)

    def _on_actions_bar_triggered(self, name: str) -> None:
        index = self.hovered if self.hovered is not None else self.focused
        if index is not None and index < len(self.items):
            self._request(index, name)

    def _set_hovered(self, index: int | None) -> None:
        if index != self.hovered:
            self.hovered = index
            self._place_actions_bar()
            self.viewport().update()

    def _set_focused(self, index: int | None, scroll: bool = True) -> None:
        self.focused = index
        if index is not None:
            card = self.items[index].card
            self.setAccessibleDescription(f"{card.who}: {card.message.content[:300]}")
            if scroll:
                self.scroll_to_item(index)
        self._place_actions_bar()
        self.viewport().update()

    def _place_actions_bar(self) -> None:
        index = self.hovered if self.hovered is not None else self.focused
        stale = index is not None and index >= min(len(self.items), len(self._tops))
        if index is None or stale or self.items[index] is self._stream_item:
            self.actions_bar.hide()
            return
        item = self.items[index]
        self.actions_bar.show_for(item.card)
        rect = self.item_rect(index)
        bar = self.actions_bar
        y = rect.bottom() - ACTION_ROW + (ACTION_ROW - bar.height()) / 2
        x = rect.right() - bar.width() if item.card.role == "user" else rect.left()
        bar.move(int(x), int(y))

    # --- keyboard --------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        self.hovered = None  # the keyboard leads until the mouse moves again
        count = len(self.items)
        control = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if key == Qt.Key.Key_C and control:
            if self.selection.text(self.items):
                self.copy_selection()
            elif self.focused is not None:
                self._request(self.focused, "copy")
            return
        if count and key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and not control:
            step = -1 if key == Qt.Key.Key_Up else 1
            start = self.focused if self.focused is not None else (count if step < 0 else -1)
            self._set_focused(max(0, min(count - 1, start + step)))
            return
        if count and key in (Qt.Key.Key_Home, Qt.Key.Key_End) and control:
            self._set_focused(0 if key == Qt.Key.Key_Home else count - 1)
            return
        shortcuts = {
            Qt.Key.Key_C: "copy",
            Qt.Key.Key_E: "edit",
            Qt.Key.Key_R: "regenerate",
            Qt.Key.Key_Delete: "delete",
            Qt.Key.Key_Left: "version_prev",
            Qt.Key.Key_Right: "version_next",
            Qt.Key.Key_Plus: "rate_up",
            Qt.Key.Key_Minus: "rate_down",
        }
        name = shortcuts.get(Qt.Key(key))
        if self.focused is not None and name is not None and not control:
            card = self.items[self.focused].card
            allowed = card.actions + (("version_prev", "version_next") if card.has_versions else ())
            if name in allowed:
                self._request(self.focused, name)
                return
        super().keyPressEvent(event)

    def focusInEvent(self, event) -> None:
        super().focusInEvent(event)
        self.viewport().update()

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.viewport().update()

    def status_of(self, message_id: int) -> Status | None:
        found = self.message(message_id)
        return found.status if found is not None else None
