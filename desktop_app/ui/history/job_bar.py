"""A strip that shows an import or export under way: what, how far, and a Cancel button.

Signals:
    cancel_requested(): the user pressed Cancel.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from desktop_app.ui.icons import set_icon


class JobBar(QWidget):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.cancel_button = QPushButton("Cancel")
        set_icon(self.cancel_button, "stop")
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.progress, 1)
        layout.addWidget(self.cancel_button)
        self.running = False
        self.hide()

    def start(self, text: str) -> None:
        self.running = True
        self.label.setText(text)
        self.progress.setValue(0)
        self.cancel_button.setEnabled(True)
        self.show()

    def report(self, phase: str, done: int, total: int) -> None:
        if not self.running:
            return
        self.progress.setFormat(f"{phase} %p%")
        self.progress.setValue(int(1000 * done / total) if total else 0)

    def finish(self) -> None:
        self.running = False
        self.hide()

    def _on_cancel_button_clicked(self) -> None:
        self.cancel_button.setEnabled(False)
        self.label.setText("Cancelling…")
        self.cancel_requested.emit()
