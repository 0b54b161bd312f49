"""How the transcript answers the mouse and the keyboard: what is under a point, selecting
text, links (copy a code block, open a note or the reasoning, a web page), the actions bar on
the message under the mouse or the keyboard's selection, the context menu, and the keys that
move between messages and act on the selected one. The base of TranscriptView, which lays
out and paints."""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, Qt, QUrl
from PySide6.QtGui import (
    QDesktopServices,
    QGuiApplication,
    QKeyEvent,
    QMouseEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea

from desktop_app.core.reply_blocks import block_text
from desktop_app.core.transcript_cards import plain_text
from desktop_app.ui.chat.block_renderer import COPY_SCHEME
from desktop_app.ui.chat.message_actions import build_menu
from desktop_app.ui.chat.message_item import (
    ACTION_ROW,
    FILE_SCHEME,
    REASONING_SCHEME,
    MessageItem,
)
from desktop_app.ui.chat.step_item import STEP_SCHEME, step_block_text
from desktop_app.ui.chat.transcript_selection import Hit
from desktop_app.ui.chat.transcript_style import GAP, TranscriptStyle
from desktop_app.ui.widgets.tool_notes_html import NOTE_SCHEME, parse_note_link


class TranscriptInput(QAbstractScrollArea):
    if TYPE_CHECKING:  # provided by TranscriptView (a QAbstractScrollArea)
        items: list[MessageItem]
        hovered: int | None
        focused: int | None
        selection: Any
        actions_bar: Any
        file_link_opened: Any
        action_requested: Any
        code_copied: Any
        image_opened: Any
        note_toggled: Any
        file_requested: Any
        _press: Hit | None
        _stream_item: MessageItem | None

        def __getattr__(self, name: str) -> Any: ...

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
            if item.card.step is not None:
                self._copy_code(step_block_text(item.card, block))
            else:
                self._copy_code(block_text(item.pieces, block))
        elif scheme == STEP_SCHEME:
            self._toggle(item, "step")
        elif scheme == NOTE_SCHEME:
            place = parse_note_link(url.path())
            if place is not None:
                self._toggle(item, f"note:{place[1]}")
        elif scheme == REASONING_SCHEME:
            self._toggle(item, "reasoning")
        elif scheme == FILE_SCHEME and url.path().isdigit():
            files = item.card.made_files
            if int(url.path()) < len(files):
                self.file_requested.emit(files[int(url.path())])
        elif scheme == "sandbox":  # code interpreter's own link to a file it made, in the text
            name = url.fileName()
            made = next((f for f in item.card.made_files if f.text == name), None)
            if made is not None:
                self.file_requested.emit(made)
        elif scheme in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)
        elif scheme == "file":  # a knowledge passage's file, at its page where that works
            self.file_link_opened.emit(url.toString())
            if not QDesktopServices.openUrl(url) and url.hasFragment():
                QDesktopServices.openUrl(QUrl.fromLocalFile(url.toLocalFile()))

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
        if not item.card.actions and not item.card.has_versions:  # a tool step, say
            self.actions_bar.hide()
            return
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
