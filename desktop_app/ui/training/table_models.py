"""Table models of the Build and Validate panels: the preview of a file, and problems."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QTableView

from desktop_app.core.training_checks import ERROR, WARNING, Problem
from desktop_app.ui.theme import theme_colors

Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole


class RecordsModel(QAbstractTableModel):
    """A table of records with fixed column titles: rows come from `records()`."""

    HEADERS: tuple[str, ...] = ()

    def records(self) -> list[Any]:
        raise NotImplementedError

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.records())

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if role == _DISPLAY and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None


class PreviewModel(QAbstractTableModel):
    """The first rows of a dataset file, as read."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns: list[str] = []
        self.rows: list[list[str]] = []

    def set_rows(self, columns: list[str], rows: list[list[str]]) -> None:
        self.beginResetModel()
        self.columns, self.rows = list(columns), [list(r) for r in rows]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid() or role not in (_DISPLAY, Qt.ItemDataRole.ToolTipRole):
            return None
        row = self.rows[index.row()]
        text = row[index.column()] if index.column() < len(row) else ""
        return text if role == Qt.ItemDataRole.ToolTipRole else text[:200]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if role != _DISPLAY:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section] if section < len(self.columns) else None
        return str(section + 2)  # spreadsheet row: the header is row 1


class ProblemsModel(RecordsModel):
    """Problems with the row they are on and a sentence saying what is wrong."""

    HEADERS = ("Row", "Severity", "Check", "Problem", "File")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.problems: list[Problem] = []

    def set_problems(self, problems: list[Problem]) -> None:
        self.beginResetModel()
        self.problems = list(problems)
        self.endResetModel()

    def records(self) -> list[Problem]:
        return self.problems

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        problem = self.problems[index.row()]
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 1:
            colour = _severity_colour(problem.severity)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 3:
            return problem.message
        if role != _DISPLAY:
            return None
        values = (
            problem.row or "—", problem.severity, problem.code, problem.message, problem.source,
        )  # fmt: skip
        return values[index.column()]


def table_view(model: QAbstractTableModel) -> QTableView:
    """A table of whole rows with a stretching last column, rows as high as a line."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setWordWrap(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 6)
    return view


def _severity_colour(severity: str) -> QColor | None:
    colours = theme_colors()
    return {ERROR: colours.error, WARNING: colours.warning}.get(severity)
