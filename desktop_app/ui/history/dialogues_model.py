"""The History list as a Qt model that fetches pages from the store as the view scrolls.

Rows are dialogues with a heading row (Pinned, Today, Yesterday, … a month) wherever the group
changes, so the view can keep every row the same height and a hundred thousand dialogues cost
no more to scroll than a hundred. A page is one keyset query of about a millisecond, so it is
fetched synchronously when the view asks (`canFetchMore` / `fetchMore`).

Signals:
    rename_requested(int, str): the user edited a title in place (dialogue id, new title).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from desktop_app.core.dialogue import iso_time
from desktop_app.core.history import DialogueRow, group_label
from desktop_app.services.history_store import PAGE_SIZE, HistoryStore

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
HEADER_ROLE = Qt.ItemDataRole.UserRole + 2
ID_ROLE = Qt.ItemDataRole.UserRole + 3

Index = QModelIndex | QPersistentModelIndex


class DialoguesModel(QAbstractListModel):
    rename_requested = Signal(int, str)

    def __init__(
        self,
        store: HistoryStore,
        page_size: int = PAGE_SIZE,
        parent: Any = None,
        clock: Callable[[], float] = time.time,
    ):
        super().__init__(parent)
        self.clock = clock  # "now", for the day headings (tests give a fixed one)
        self._store = store
        self._page_size = page_size
        self._rows: list[DialogueRow | str] = []
        self._last: DialogueRow | None = None
        self._exhausted = True
        self._in_change = False
        self.trash = False
        self.found = False  # showing a fixed list of found dialogues, not the paged list
        self.now = clock()

    # --- loading ---------------------------------------------------------------------------

    def reload(self, trash: bool | None = None) -> None:
        """Start again from the first page (after a change elsewhere, or to show the trash)."""
        with self._changing():
            self.beginResetModel()
            if trash is not None:
                self.trash = trash
            self.now = self.clock()
            self._rows, self._last, self._exhausted = [], None, False
            self.found = False
            self._append(self._next_page())
            self.endResetModel()

    def show_found(self, sections: Sequence[tuple[str | None, Sequence[DialogueRow]]]) -> None:
        """Show a fixed list instead of the pages: each section's heading (if any), then its
        dialogues (a section with none is left out). `reload` goes back to the paged list."""
        with self._changing():
            self.beginResetModel()
            self.now = self.clock()
            self._rows, self._last, self._exhausted = [], None, True
            self.found = True
            for heading, rows in sections:
                if rows:
                    self._rows.extend([heading, *rows] if heading else rows)
            self.endResetModel()

    def _next_page(self) -> list[DialogueRow]:
        page = self._store.dialogue_rows(self._last, self._page_size, self.trash)
        self._exhausted = len(page) < self._page_size
        if page:
            self._last = page[-1]
        return page

    def _group(self, row: DialogueRow) -> str:
        if self.trash:
            return "Deleted " + group_label(row.deleted_at or 0.0, self.now).lower()
        return group_label(row.updated_at, self.now, row.pinned)

    def _with_headings(self, page: Iterable[DialogueRow]) -> list[DialogueRow | str]:
        out: list[DialogueRow | str] = []
        previous = next((r for r in reversed(self._rows) if isinstance(r, DialogueRow)), None)
        for row in page:
            group = self._group(row)
            if previous is None or self._group(previous) != group:
                out.append(group)
            out.append(row)
            previous = row
        return out

    def _append(self, page: list[DialogueRow]) -> None:
        self._rows.extend(self._with_headings(page))

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self._in_change

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        with self._changing():
            rows = self._with_headings(self._next_page())
            if rows:
                first = len(self._rows)
                self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
                self._rows.extend(rows)
                self.endInsertRows()

    @contextmanager
    def _changing(self) -> Iterator[None]:
        """Views (and Qt's model tester) may ask for more rows from inside the signals of a
        change; while one is under way there is nothing more to fetch."""
        self._in_change = True
        try:
            yield
        finally:
            self._in_change = False

    # --- the model -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if isinstance(row, str):
            if role in (Qt.ItemDataRole.DisplayRole, HEADER_ROLE):
                return row
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return row.title
        if role == ROW_ROLE:
            return row
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.describe(row)
        return None

    @staticmethod
    def describe(row: DialogueRow) -> str:
        parts = [row.title, f"Updated {iso_time(row.updated_at)}", f"{row.message_count} messages"]
        if row.model:
            parts.insert(1, f"Model: {row.model}")
        if row.assistant:
            parts.insert(1, f"Assistant: {row.assistant}")
        if row.mood:
            parts.append(
                f"Tone: {row.mood} ({row.positive} positive, {row.neutral} neutral, "
                f"{row.negative} negative)"
            )
        return "\n".join(parts)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if isinstance(self._rows[index.row()], str):
            return Qt.ItemFlag.ItemIsEnabled
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self.trash:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """A title edited in place is saved by the tab (asynchronously), which then calls
        `update_row`; until then the row keeps its old title."""
        row = self.row_at(index)
        if role != Qt.ItemDataRole.EditRole or row is None:
            return False
        title = " ".join(str(value).split())
        if title and title != row.title:
            self.rename_requested.emit(row.id, title)
        return False

    # --- lookups and updates ---------------------------------------------------------------

    def row_at(self, index: Index) -> DialogueRow | None:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        return row if isinstance(row, DialogueRow) else None

    def index_of(self, dialogue_id: int) -> QModelIndex:
        for number, row in enumerate(self._rows):
            if isinstance(row, DialogueRow) and row.id == dialogue_id:
                return self.index(number, 0)
        return QModelIndex()

    def dialogue_rows(self) -> list[DialogueRow]:
        """The dialogues loaded so far, in order."""
        return [r for r in self._rows if isinstance(r, DialogueRow)]

    def update_row(self, row: DialogueRow) -> None:
        index = self.index_of(row.id)
        if index.isValid():
            self._rows[index.row()] = row
            self.dataChanged.emit(index, index)

    def remove_ids(self, ids: Sequence[int]) -> None:
        """Take dialogues out of the list (moved to the trash or back), with any heading left
        without a dialogue under it."""
        gone = set(ids)
        drop = [isinstance(r, DialogueRow) and r.id in gone for r in self._rows]
        following_row = False  # is a kept dialogue row below this point?
        for number in range(len(self._rows) - 1, -1, -1):
            if isinstance(self._rows[number], str):
                drop[number] = not following_row
                following_row = False
            elif not drop[number]:
                following_row = True
        with self._changing():
            for number in range(len(self._rows) - 1, -1, -1):
                if drop[number]:
                    self.beginRemoveRows(QModelIndex(), number, number)
                    del self._rows[number]
                    self.endRemoveRows()
