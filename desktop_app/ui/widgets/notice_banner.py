"""A strip at the top of a tab that says what went wrong (or what is missing) and what to do.

Signals:
    action_requested(): the user pressed the banner's action button (e.g. "Open Settings…").
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

_STYLES = {
    "error": "background: #fdecea; color: #611a15; border: 1px solid #f5c2c0;",
    "warning": "background: #fff4e5; color: #663c00; border: 1px solid #ffd8a8;",
    "info": "background: #e8f4fd; color: #0d3c61; border: 1px solid #b6dcf7;",
}


class NoticeBanner(QFrame):
    action_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBanner")
        self._label = QLabel()
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._action = QPushButton()
        self._action.clicked.connect(self.action_requested)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self._label, 1)
        layout.addWidget(self._action)
        layout.addWidget(close)
        self.level = ""
        self.hide()

    @property
    def text(self) -> str:
        return self._label.text()

    def show_message(self, text: str, level: str = "error", action: str = "") -> None:
        self.level = level
        self.setStyleSheet(f"#noticeBanner {{ {_STYLES[level]} border-radius: 4px; }}")
        self._label.setText(text)
        self._action.setText(action)
        self._action.setVisible(bool(action))
        self.show()

    def clear(self) -> None:
        self.level = ""
        self._label.clear()
        self.hide()
