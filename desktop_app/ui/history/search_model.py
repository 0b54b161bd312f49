"""Search results as a Qt model: ranked hits with snippets, more fetched as the view scrolls.

The model holds what the tab gives it; it never queries by itself, because a search runs in a
worker thread and can be superseded by the next keystroke. When the view reaches the end of a
full page, the model asks for more with `more_requested`.

Signals:
    more_requested(int): the view wants the hits after this many.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from desktop_app.core.dialogue import iso_time
from desktop_app.core.history import HIT_END, HIT_START, SearchHit

HIT_ROLE = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex


class SearchModel(QAbstractListModel):
    more_requested = Signal(int)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._hits: list[SearchHit] = []
        self._more = False
        self._asked = False
        self.query = ""

    def set_hits(self, query: str, hits: list[SearchHit], more: bool) -> None:
        self.beginResetModel()
        self.query, self._hits, self._more, self._asked = query, list(hits), more, False
        self.endResetModel()

    def add_hits(self, hits: list[SearchHit], more: bool) -> None:
        self._more, self._asked = more, False
        if hits:
            first = len(self._hits)
            self.beginInsertRows(QModelIndex(), first, first + len(hits) - 1)
            self._hits.extend(hits)
            self.endInsertRows()

    def clear(self) -> None:
        self.set_hits("", [], False)

    @property
    def hits(self) -> list[SearchHit]:
        return list(self._hits)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more and not self._asked

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._asked = True
            self.more_requested.emit(len(self._hits))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            snippet = hit.snippet.replace(HIT_START, "").replace(HIT_END, "")
            return f"{hit.title} — {hit.role}: {' '.join(snippet.split())}"
        if role == HIT_ROLE:
            return hit
        if role == Qt.ItemDataRole.ToolTipRole:
            details = [hit.title, f"{hit.role} · {iso_time(hit.created_at)}"]
            if hit.model:
                details.append(f"Model: {hit.model}")
            if hit.sentiment_label:
                details.append(f"Tone: {hit.sentiment_label}")
            return "\n".join(details)
        return None

    def hit_at(self, index: Index) -> SearchHit | None:
        return self.data(index, HIT_ROLE) if index.isValid() else None
