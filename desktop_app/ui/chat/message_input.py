"""The message box: Enter sends, Shift+Enter starts a new line; it grows with its text.

What is pasted or dropped goes in as plain text, never as rich text. Images and image files
in the clipboard or a drop are handed to the composer instead (`images_given`); a paste too
long to edit comfortably is handed over as well (`long_text_given`), since a QTextBlock of
megabytes makes every later key press re-lay it (about a second for 5 MB on one line).

Signals:
    submitted(): Enter was pressed (without Shift).
    images_given(DropPayload): image files or image data were pasted or dropped on the box.
    long_text_given(str): text of LONG_PASTE_CHARS or more was pasted or dropped.
    nothing_usable(): a paste held neither text nor anything to attach.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QFrame, QPlainTextEdit, QWidget

from desktop_app.ui.chat.clipboard_sorting import attachable_payload

LONG_PASTE_CHARS = 50_000  # about 12,000 tokens, or 25 printed pages
MIN_LINES, MAX_LINES = 2, 10
_PARAGRAPH, _LINE = "\u2029", "\u2028"


class MessageInput(QPlainTextEdit):
    submitted = Signal()
    images_given = Signal(object)
    long_text_given = Signal(str)
    nothing_usable = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(
            "Message — Enter to send, Shift+Enter for a new line; paste or drop images"
        )
        self.setTabChangesFocus(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.document().documentLayout().documentSizeChanged.connect(self._fit_height)
        self._fit_height()

    def message_text(self) -> str:
        """The text exactly as typed: line breaks, indentation and non-breaking spaces kept
        (`toPlainText` turns the latter into plain spaces)."""
        raw = self.document().toRawText()
        return raw.replace(_PARAGRAPH, "\n").replace(_LINE, "\n")

    # --- growing -------------------------------------------------------------------------

    def _height_for(self, lines: int) -> int:
        margins = self.contentsMargins()
        document = 2 * round(self.document().documentMargin())
        spacing = self.fontMetrics().lineSpacing()
        slack = spacing // 2  # else the last line sits half under the edge and a scroll bar shows
        return lines * spacing + document + margins.top() + margins.bottom() + slack

    def _fit_height(self) -> None:
        """As tall as the text, from MIN_LINES to MAX_LINES; beyond that it scrolls."""
        # QPlainTextEdit's layout measures the document in lines (wrapped lines included).
        lines = int(self.document().size().height())
        self.setFixedHeight(self._height_for(max(MIN_LINES, min(MAX_LINES, lines))))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_height()  # a narrower box wraps into more lines

    # --- keys, pastes and drops ----------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return bool(source.formats())  # what cannot be used is said so, not silently dropped

    def insertFromMimeData(self, source: QMimeData) -> None:
        payload = attachable_payload(source)
        if payload is not None:
            self.images_given.emit(payload)
            return
        text = source.text() if source.hasText() else ""
        if len(text) >= LONG_PASTE_CHARS:
            self.long_text_given.emit(text)
        elif text:
            self.insertPlainText(text)
        else:
            self.nothing_usable.emit()
