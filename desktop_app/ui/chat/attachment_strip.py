"""The row of attachments above the message box: a thumbnail (or a text mark) per attachment,
its name, and a remove button.

Keyboard: Tab reaches each chip and its remove button; Delete or Backspace on a chip removes
it, and the focus moves to its neighbour (or back to the message box when none is left).

Signals:
    remove_requested(int): the user asked to remove the attachment with this key.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.chat.pending_images import THUMBNAIL_SIDE

_CHIP_STYLE = (
    "#attachmentChip { border: 1px solid palette(mid); border-radius: 6px; }"
    "#attachmentChip:focus { border: 2px solid palette(highlight); }"
)
NAME_WIDTH = 120


class AttachmentChip(QFrame):
    """One attachment. Signals: remove_requested()."""

    remove_requested = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentChip")
        self.setStyleSheet(_CHIP_STYLE)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(f"Attachment {name}")
        self.preview = QLabel("…")
        self.preview.setFixedSize(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setFixedWidth(NAME_WIDTH)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.remove_button = QToolButton()
        self.remove_button.setText("✕")
        self.remove_button.setAutoRaise(True)
        self.remove_button.setToolTip(f"Remove {name} (Delete)")
        self.remove_button.setAccessibleName(f"Remove {name}")
        self.remove_button.clicked.connect(self.remove_requested)
        side = QVBoxLayout()
        side.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignRight)
        side.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 2, 4)
        layout.addWidget(self.preview)
        layout.addWidget(self.caption)
        layout.addLayout(side)
        self.set_caption(name, "preparing…")

    def set_caption(self, name: str, detail: str) -> None:
        metrics = self.caption.fontMetrics()
        shown = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, NAME_WIDTH)
        self.caption.setText(f"{shown}\n{detail}")
        self.setToolTip(f"{name}\n{detail}")

    def set_thumbnail(self, png: bytes) -> None:
        pixmap = QPixmap()
        if pixmap.loadFromData(png, "PNG"):
            self.preview.setPixmap(pixmap)

    def set_mark(self, text: str) -> None:
        """A word instead of a thumbnail (pasted text)."""
        self.preview.setText(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.remove_requested.emit()
            return
        super().keyPressEvent(event)


class AttachmentStrip(QScrollArea):
    remove_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        inner = QWidget()
        self._row = QHBoxLayout(inner)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.addStretch(1)
        self.setWidget(inner)
        self.chips: dict[int, AttachmentChip] = {}
        height = THUMBNAIL_SIDE + 10 + self.horizontalScrollBar().sizeHint().height()
        self.setFixedHeight(height)
        self.hide()

    def add_chip(self, key: int, name: str) -> AttachmentChip:
        chip = AttachmentChip(name)
        chip.remove_requested.connect(lambda: self.remove_requested.emit(key))
        self._row.insertWidget(self._row.count() - 1, chip)
        self.chips[key] = chip
        self.show()
        return chip

    def remove_chip(self, key: int) -> bool:
        """Remove the chip; True when it had the focus and no chip is left to take it."""
        order = list(self.chips)
        chip = self.chips.pop(key, None)
        if chip is None:
            return False
        # The window's focus widget, not hasFocus(): that is False while the window is inactive.
        had_focus = chip.window().focusWidget() in (chip, chip.remove_button)
        chip.hide()
        chip.deleteLater()
        self.setVisible(bool(self.chips))
        if had_focus and self.chips:  # the neighbour takes the focus, as in a list
            position = min(order.index(key), len(self.chips) - 1)
            list(self.chips.values())[position].setFocus()
        return had_focus and not self.chips

    def clear(self) -> None:
        for key in list(self.chips):
            self.remove_chip(key)
