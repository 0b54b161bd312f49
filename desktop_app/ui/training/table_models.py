"""Table models of the Build and Validate panels: the preview of a file, and problems."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from desktop_app.core.training_checks import ERROR, SEVERITIES, WARNING, Problem
from desktop_app.core.training_stats import PERCENTILE_RULE, Spread, format_figure
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
    """Problems with the row they are on and a sentence saying what is wrong: errors first,
    then warnings, then notes (each group in the order given). The whole sentence is the
    tooltip of every cell of its row (rich text, so that it wraps)."""

    HEADERS = ("Row", "Severity", "Check", "Problem", "File")
    PROBLEM, FILE = 3, 4

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.problems: list[Problem] = []

    def set_problems(self, problems: list[Problem]) -> None:
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        self.beginResetModel()
        self.problems = sorted(problems, key=lambda p: rank.get(p.severity, len(rank)))
        self.endResetModel()

    def records(self) -> list[Problem]:
        return self.problems

    def has_files(self) -> bool:
        return any(p.source for p in self.problems)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        problem = self.problems[index.row()]
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 1:
            colour = _severity_colour(problem.severity)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            # As rich text, so Qt wraps a long sentence instead of one line off the screen.
            return f"<p>{html.escape(problem.message)}</p>"
        if role != _DISPLAY:
            return None
        values = (
            problem.row or "—", problem.severity, problem.code, problem.message, problem.source,
        )  # fmt: skip
        return values[index.column()]


class FiguresModel(QAbstractTableModel):
    """The spread of the per-example figures of a report: one row per figure (total tokens,
    assistant tokens, messages), columns min, p5, median, mean, p95, max."""

    HEADERS = ("Min", "P5", "Median", "Mean", "P95", "Max")
    TIPS = (
        "The smallest value",
        f"5th percentile ({PERCENTILE_RULE}): 5 % of examples are below it. (OpenAI's "
        "cookbook prints its 10th percentile under this name.)",
        "The middle value",
        "The average",
        f"95th percentile ({PERCENTILE_RULE}): 5 % of examples are above it. (OpenAI's "
        "cookbook prints its 90th percentile under this name.)",
        "The largest value",
    )
    ROW_TIPS = (
        "Tokens per example, counted as OpenAI's cookbook counts them (with message framing)",
        "Tokens of the assistant messages' text per example: what the model learns to write",
        "Messages per example",
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[str, Spread]] = []

    def set_rows(self, rows: list[tuple[str, Spread]]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != _DISPLAY:
            return None
        return format_figure(self.rows[index.row()][1].figures()[index.column()])

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == _DISPLAY:
            if horizontal:
                return self.HEADERS[section]
            return self.rows[section][0] if section < len(self.rows) else None
        if role == Qt.ItemDataRole.ToolTipRole:
            tips = self.TIPS if horizontal else self.ROW_TIPS
            return tips[section] if section < len(tips) else None
        return None


def figures_view(model: FiguresModel) -> QTableView:
    """A compact, read-only table as tall as its three rows."""
    view = table_view(model)
    view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    # Wide enough for every title and a figure like "65,536.5"; the panel gives it the room.
    metrics = view.fontMetrics()
    column = max(metrics.horizontalAdvance(t) for t in (*FiguresModel.HEADERS, "65,536.5")) + 12
    header.setMinimumSectionSize(column)

    def fit() -> None:
        side = view.verticalHeader().sizeHint().width()
        view.setMinimumWidth(side + column * len(FiguresModel.HEADERS) + 2 * view.frameWidth())

    model.modelReset.connect(fit)
    fit()
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    rows = len(FiguresModel.ROW_TIPS) * view.verticalHeader().defaultSectionSize()
    view.setFixedHeight(view.horizontalHeader().sizeHint().height() + rows + 2 * view.frameWidth())
    return view


def table_view(model: QAbstractTableModel) -> QTableView:
    """A table of whole rows with a stretching last column, rows as high as a line."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setWordWrap(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 6)
    return view


def problems_view(model: ProblemsModel) -> QTableView:
    """The problems table: Row, Severity, Check and File as wide as their content, Problem
    taking the rest; the File column hidden while no problem names a file."""
    view = table_view(model)
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    for column in range(model.columnCount()):
        mode = QHeaderView.ResizeMode.ResizeToContents
        if column == model.PROBLEM:
            mode = QHeaderView.ResizeMode.Stretch
        header.setSectionResizeMode(column, mode)

    def show_files() -> None:
        view.setColumnHidden(model.FILE, not model.has_files())

    model.modelReset.connect(show_files)
    show_files()
    return view


def _severity_colour(severity: str) -> QColor | None:
    colours = theme_colors()
    return {ERROR: colours.error, WARNING: colours.warning}.get(severity)
