"""An attached image at full size, in a window of its own (Esc or the close button shuts it).

Opened from a thumbnail in the Chat tab or the History reader; it never blocks the window
(shown, not exec'd) and reads the file from the attachments folder.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImageReader, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import QDialog, QLabel, QScrollArea, QVBoxLayout, QWidget


class ImagePreview(QDialog):
    def __init__(self, path: Path, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title or path.name)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        reader = QImageReader(str(path))
        reader.setAutoTransform(True)
        image = reader.read()
        self.label = QLabel()
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setAccessibleName(title or "Image")
        if image.isNull():
            self.label.setText("This image could not be read; its file may have been removed.")
        else:
            self.label.setPixmap(QPixmap.fromImage(image))
        area = QScrollArea()
        area.setWidget(self.label)
        area.setWidgetResizable(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(area)
        screen = QGuiApplication.primaryScreen()
        room = screen.availableGeometry().size() * 0.9 if screen is not None else None
        width = max(image.width() + 24, 320) if not image.isNull() else 420
        height = max(image.height() + 24, 240) if not image.isNull() else 160
        if room is not None:
            width, height = min(width, room.width()), min(height, room.height())
        self.resize(width, height)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Cancel), self, self.close)
        self.loaded = not image.isNull()
