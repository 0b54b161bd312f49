"""A small bar at the foot of the conversation list: "Moved to the trash." [Undo] [×].

It goes away by itself after a while: the offer to undo lasts as long as the bar is seen.

Signals:
    undo_requested(): the user pressed Undo.
    dismissed(): the bar closed without Undo (its close button, or its time ran out).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from desktop_app.ui.icons import set_icon

SHOWN_MS = 15_000


class UndoBar(QFrame):
    undo_requested = Signal()
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Take it out of the trash again (Ctrl+Z)")
        self.undo_button.clicked.connect(self._on_undo_button_clicked)
        self.close_button = QToolButton()
        set_icon(self.close_button, "close")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAccessibleName("Dismiss")
        self.close_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.undo_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SHOWN_MS)
        self.timer.timeout.connect(self.dismiss)
        self.hide()

    def offer(self, text: str, undo: bool = True) -> None:
        """Show `text`, with the Undo button unless `undo` is False (a notice)."""
        self.label.setText(text)
        self.undo_button.setVisible(undo)
        self.show()
        self.timer.start()

    def dismiss(self) -> None:
        if not self.isHidden():
            self.close_offer()
            self.dismissed.emit()

    def close_offer(self) -> None:
        """Hide without a signal (the undo was done some other way)."""
        self.timer.stop()
        self.hide()

    def _on_undo_button_clicked(self) -> None:
        self.close_offer()
        self.undo_requested.emit()
