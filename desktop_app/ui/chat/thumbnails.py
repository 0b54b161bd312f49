"""Thumbnails of stored images for the transcript, loaded once and kept while they are used."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QImageReader

from desktop_app.core.dialogue import Attachment

SIDE = 240  # pixels: sharp at 120 px on a 2× screen
KEEP = 200


class ThumbnailCache:
    """Attachment → a small QImage (None when the file is gone or unreadable)."""

    def __init__(self, path_of: Callable[[Attachment], Path]) -> None:
        self.path_of = path_of
        self._cache: OrderedDict[str, QImage | None] = OrderedDict()

    def __call__(self, attachment: Attachment) -> QImage | None:
        key = attachment.sha256
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        image = self._load(attachment)
        self._cache[key] = image
        if len(self._cache) > KEEP:
            self._cache.popitem(last=False)
        return image

    def _load(self, attachment: Attachment) -> QImage | None:
        reader = QImageReader(str(self.path_of(attachment)))
        reader.setAutoTransform(True)
        size = reader.size()
        if size.isValid() and max(size.width(), size.height()) > SIDE:
            reader.setScaledSize(size.scaled(SIDE, SIDE, Qt.AspectRatioMode.KeepAspectRatio))
        image = reader.read()
        return None if image.isNull() else image

    def full_path(self, attachment: Attachment) -> Path:
        return self.path_of(attachment)
