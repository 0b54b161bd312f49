"""The drop target of the Images tab, and reading images out of drops and the clipboard.

A drop (or a paste) can carry local files and folders (`text/uri-list` of file URLs), links
from a browser (http URLs, as a uri-list or as plain text), or image data itself (encoded bytes
such as `image/png`, or a QImage). `payload_from_mime` sorts all of that into one `DropPayload`,
so dropping and pasting behave the same.

Signals:
    dropped(DropPayload): something usable was dropped.
    open_requested(): the zone was clicked (same as Open…).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QImage,
    QMouseEvent,
)
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from desktop_app.ui.widgets.wrap_label import WrapLabel

# Encoded image formats a browser or another app may put in a drag or on the clipboard.
ENCODED_FORMATS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
    "image/bmp": "bmp",
    "image/tiff": "tiff",
}
_LINK = re.compile(r"^https?://\S+$", re.IGNORECASE)


@dataclass
class DropPayload:
    paths: list[Path] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    data: list[tuple[str, bytes]] = field(default_factory=list)  # (extension, encoded bytes)
    images: list[QImage] = field(default_factory=list)  # still to be encoded (off the UI thread)

    @property
    def empty(self) -> bool:
        return not (self.paths or self.urls or self.data or self.images)


def payload_from_mime(mime: QMimeData) -> DropPayload:
    """Everything usable in a drag or the clipboard, files and links first."""
    payload = DropPayload()
    if mime.hasUrls():
        for url in mime.urls():
            if url.isLocalFile():
                payload.paths.append(Path(url.toLocalFile()))
            elif url.scheme() in ("http", "https"):
                payload.urls.append(url.toString())
    if payload.paths or payload.urls:
        return payload
    for fmt, ext in ENCODED_FORMATS.items():
        if mime.hasFormat(fmt):
            data = bytes(mime.data(fmt).data())
            if data:
                payload.data.append((ext, data))
                return payload
    if mime.hasImage():
        image = mime.imageData()
        if isinstance(image, QImage) and not image.isNull():
            payload.images.append(image.copy())  # the mime data dies with the drop
            return payload
    if mime.hasText():
        for line in mime.text().splitlines():
            if _LINK.match(line.strip()):
                payload.urls.append(line.strip())
    return payload


def can_use(mime: QMimeData) -> bool:
    """Cheap check for drag-enter: could this drop hold something we take?"""
    if mime.hasUrls() or mime.hasImage():
        return True
    if any(mime.hasFormat(fmt) for fmt in ENCODED_FORMATS):
        return True
    lines = mime.text().strip().splitlines() if mime.hasText() else []
    return bool(lines) and bool(_LINK.match(lines[0].strip()))


class DropZone(QFrame):
    dropped = Signal(object)
    open_requested = Signal()

    _IDLE = "#dropZone { border: 2px dashed palette(mid); border-radius: 8px; }"
    _HOVER = "#dropZone { border: 2px dashed palette(highlight); border-radius: 8px; }"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self.setMinimumHeight(72)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Drop images or folders, paste with Ctrl+V, or click to open files")
        self.label = WrapLabel(
            "<b>Drop images, folders or image links here</b><br>"
            "or paste with Ctrl+V, or click to choose files"
        )
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        self.setStyleSheet(self._IDLE)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if can_use(event.mimeData()):
            event.acceptProposedAction()
            self.setStyleSheet(self._HOVER)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.setStyleSheet(self._IDLE)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.setStyleSheet(self._IDLE)
        payload = payload_from_mime(event.mimeData())
        if payload.empty:
            event.ignore()
            return
        event.acceptProposedAction()
        self.dropped.emit(payload)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.open_requested.emit()
        super().mouseReleaseEvent(event)
