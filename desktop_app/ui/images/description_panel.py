"""The selected image beside its description: read it as it streams, edit, copy, or ask more.

Streamed text is appended at the end (each piece costs its own length). The user's edits are
reported after a short pause in typing, not on every key.

Signals:
    edited(ImageItem, str): the user changed the description of this item.
    chat_requested(int): "Ask in Chat" for the item's dialogue id.
    copied(str): the description was copied to the clipboard.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QPixmap, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.services.image_describer import ImageItem, ItemState
from desktop_app.ui.images.images_model import state_text
from desktop_app.ui.widgets.icon_buttons import icon_button, labelled_button
from desktop_app.ui.widgets.wrap_label import WrapLabel

EDIT_PAUSE_MS = 600


class DescriptionPanel(QWidget):
    edited = Signal(object, str)
    chat_requested = Signal(int)
    copied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item: ImageItem | None = None
        self._filling = False
        self._dirty = False
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(72)
        self.title = WrapLabel()
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText("The description appears here as it is written.")
        self.editor.textChanged.connect(self._on_editor_text_changed)
        self.copy_button = icon_button("copy", "Copy the description to the clipboard")
        self.copy_button.clicked.connect(self.copy)
        self.chat_button = labelled_button(
            "new-chat", "Ask in Chat…", "Continue this image's dialogue in the Chat tab"
        )
        self.chat_button.clicked.connect(self._on_chat_button_clicked)
        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(EDIT_PAUSE_MS)
        self._pause.timeout.connect(self.flush_edit)

        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(self.chat_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.preview)
        layout.addWidget(self.title)
        layout.addWidget(self.editor, 1)
        layout.addLayout(buttons)
        self.show_item(None)

    # --- showing -------------------------------------------------------------------------

    def show_item(self, item: ImageItem | None, thumbnail: QPixmap | None = None) -> None:
        if item is not self.item:
            self.flush_edit()
        self.item = item
        self.preview.setPixmap(thumbnail if thumbnail is not None else QPixmap())
        self._fill(item.description if item else "")
        self.refresh()

    def refresh(self) -> None:
        """Update title, buttons and read-only state from the item (not the text)."""
        item = self.item
        if item is None:
            self.title.setText("<i>Select an image to see its description.</i>")
        else:
            lines = [f"<b>{html.escape(item.name)}</b> — {html.escape(state_text(item))}"]
            if item.facts is not None:
                lines.append(f"{item.facts.width}×{item.facts.height} {item.facts.format}")
            if item.notes:
                lines.append("Sent: " + html.escape("; ".join(item.notes)))
            self.title.setText("<br>".join(lines))
        streaming = item is not None and item.state is ItemState.DESCRIBING
        self.editor.setReadOnly(item is None or streaming)
        self.copy_button.setEnabled(bool(item and item.description))
        self.chat_button.setEnabled(bool(item and item.dialogue_id is not None and not streaming))

    def sync(self, thumbnail: QPixmap | None = None) -> None:
        """The shown item changed (state, thumbnail, a new attempt): catch up, keeping the
        cursor where it is unless the text itself differs and the user is not editing."""
        item = self.item
        if item is None:
            return
        if thumbnail is not None:
            self.preview.setPixmap(thumbnail)
        if not self._dirty and self.editor.toPlainText() != item.description:
            self._fill(item.description)
        self.refresh()

    def append(self, text: str) -> None:
        cursor = QTextCursor(self.editor.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        self._filling = True
        try:
            cursor.insertText(text)
        finally:
            self._filling = False

    def _fill(self, text: str) -> None:
        self._filling = True
        try:
            self.editor.setPlainText(text)
        finally:
            self._filling = False

    # --- editing -------------------------------------------------------------------------

    def _on_editor_text_changed(self) -> None:
        if not self._filling and self.item is not None:
            self._dirty = True
            self._pause.start()

    def flush_edit(self) -> None:
        """Report a pending edit now (on selection change, or when the pause ends)."""
        self._pause.stop()
        if self._dirty and self.item is not None:
            self._dirty = False
            self.edited.emit(self.item, self.editor.toPlainText())
        self._dirty = False

    def copy(self) -> None:
        text = self.editor.toPlainText()
        if text:
            QGuiApplication.clipboard().setText(text)
            self.copied.emit(text)

    def _on_chat_button_clicked(self) -> None:
        self.flush_edit()
        if self.item is not None and self.item.dialogue_id is not None:
            self.chat_requested.emit(self.item.dialogue_id)
