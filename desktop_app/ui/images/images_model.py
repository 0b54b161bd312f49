"""The images in the Images tab as a table: thumbnail and name, state, description.

The model is the describer's listener: the service changes an `ImageItem` and tells the model,
which tells the views. Streamed text only repaints the one description cell it belongs to.

Signals:
    item_updated(ImageItem): an item's state, thumbnail or result changed.
    text_arrived(ImageItem, str): a piece of an item's description streamed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QPixmap

from desktop_app.services.image_describer import ImageItem, ItemState
from desktop_app.ui.theme import theme_colors

Index = QModelIndex | QPersistentModelIndex
ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
IMAGE, STATE, DESCRIPTION = range(3)
HEADERS = ("Image", "State", "Description")
STATE_TEXT = {
    ItemState.LOADING: "loading…",
    ItemState.QUEUED: "queued",
    ItemState.DESCRIBING: "describing…",
    ItemState.DONE: "done",
    ItemState.FAILED: "failed",
    ItemState.CANCELLED: "cancelled",
}
PREVIEW_CHARS = 300
THUMBNAIL_SIZE = QSize(64, 64)


def state_text(item: ImageItem) -> str:
    text = STATE_TEXT[item.state]
    return f"{text}: {item.error}" if item.state is ItemState.FAILED and item.error else text


class ImagesModel(QAbstractTableModel):
    item_updated = Signal(object)
    text_arrived = Signal(object, str)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.items: list[ImageItem] = []
        self._previews: dict[int, QPixmap] = {}
        self._thumbnails: dict[int, QPixmap] = {}

    # --- Qt's model interface ------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section] if 0 <= section < len(HEADERS) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item = self.items[index.row()]
        column = index.column()
        if role == ITEM_ROLE:
            return item
        if role == Qt.ItemDataRole.DisplayRole:
            if column == IMAGE:
                return item.name
            if column == STATE:
                return state_text(item)
            if column == DESCRIPTION:
                return " ".join(item.description[: PREVIEW_CHARS * 2].split())[:PREVIEW_CHARS]
        if role == Qt.ItemDataRole.DecorationRole and column == IMAGE:
            return self._thumbnail(item)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item, column)
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and column == STATE
            and item.state is ItemState.FAILED
        ):
            return QBrush(theme_colors().error)
        return None

    # --- contents ------------------------------------------------------------------------

    def add(self, items: Iterable[ImageItem]) -> list[ImageItem]:
        new = list(items)
        if new:
            first = len(self.items)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self.items.extend(new)
            self.endInsertRows()
        return new

    def remove(self, item: ImageItem) -> None:
        row = self.row_of(item)
        if row >= 0:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.items[row]
            self._previews.pop(item.key, None)
            self._thumbnails.pop(item.key, None)
            self.endRemoveRows()

    def clear(self) -> None:
        self.beginResetModel()
        self.items.clear()
        self._previews.clear()
        self._thumbnails.clear()
        self.endResetModel()

    def item(self, row: int) -> ImageItem:
        return self.items[row]

    def row_of(self, item: ImageItem) -> int:
        for row, candidate in enumerate(self.items):
            if candidate is item:
                return row
        return -1

    def paths(self) -> set[Any]:
        return {item.path for item in self.items if item.path is not None}

    # --- the describer's listener --------------------------------------------------------

    def item_changed(self, item: ImageItem) -> None:
        row = self.row_of(item)
        if row >= 0:
            self.dataChanged.emit(self.index(row, IMAGE), self.index(row, DESCRIPTION))
        self.item_updated.emit(item)

    def item_text(self, item: ImageItem, text: str) -> None:
        row = self.row_of(item)
        if row >= 0:
            cell = self.index(row, DESCRIPTION)
            self.dataChanged.emit(cell, cell, [Qt.ItemDataRole.DisplayRole])
        self.text_arrived.emit(item, text)

    # --- helpers -------------------------------------------------------------------------

    def preview(self, item: ImageItem) -> QPixmap | None:
        """The item's preview as made when it was added (see the describer), loaded once."""
        if item.facts is None:
            return None
        pixmap = self._previews.get(item.key)
        if pixmap is None:
            pixmap = QPixmap()
            pixmap.loadFromData(item.facts.thumbnail, "PNG")
            self._previews[item.key] = pixmap
        return pixmap

    def _thumbnail(self, item: ImageItem) -> QPixmap | None:
        pixmap = self._thumbnails.get(item.key)
        if pixmap is None:
            preview = self.preview(item)
            if preview is None:
                return None
            pixmap = preview.scaled(
                THUMBNAIL_SIZE,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            self._thumbnails[item.key] = pixmap
        return pixmap

    @staticmethod
    def _tooltip(item: ImageItem, column: int) -> str | None:
        if column == STATE and item.error:
            return item.error
        if column == IMAGE:
            lines = [str(item.path) if item.path else item.name]
            if item.facts is not None:
                facts = item.facts
                lines.append(f"{facts.width}×{facts.height} {facts.format}")
            lines.extend(item.notes)
            return "\n".join(lines)
        if column == DESCRIPTION and item.description:
            return item.description[:2000]
        return None
