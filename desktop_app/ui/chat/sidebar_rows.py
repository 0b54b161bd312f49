"""The conversation list's view and rows: one line each — title, then a short date — under the
day headings, with the open dialogue marked at its edge and a dot on one still being written.

Every row is the same height and only visible rows are painted, so a long history scrolls as
cheaply as a short one (as in History's list).

Signals (SidebarListView):
    row_opened(QModelIndex): Enter or Return on a row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from desktop_app.core.history import short_date
from desktop_app.ui.history.dialogues_model import HEADER_ROLE, ROW_ROLE

Index = QModelIndex | QPersistentModelIndex
PAD = 6
MARK_WIDTH = 3  # the bar at the left edge of the open dialogue
DOT = 7  # the "still writing" dot


def row_height(metrics: QFontMetrics) -> int:
    return metrics.height() + 2 * PAD + 2


def _color(option: QStyleOptionViewItem, dim: bool) -> Any:
    if option.state & QStyle.StateFlag.State_Selected:
        return option.palette.color(QPalette.ColorRole.HighlightedText)
    return option.palette.color(
        QPalette.ColorRole.PlaceholderText if dim else QPalette.ColorRole.Text
    )


class SidebarDelegate(QStyledItemDelegate):
    """Paints a row from the model's ROW_ROLE; asks the sidebar what is open and streaming."""

    def __init__(
        self,
        now: Callable[[], float],
        is_open: Callable[[int], bool],
        is_streaming: Callable[[int], bool],
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._now, self._is_open, self._is_streaming = now, is_open, is_streaming

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(160, row_height(option.fontMetrics))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        self.initStyleOption(option, index)
        painter.save()
        rect = option.rect.adjusted(PAD * 2, 0, -PAD * 2, 0)
        heading = index.data(HEADER_ROLE)
        if heading:
            font = QFont(option.font)
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 0.9)
            painter.setFont(font)
            painter.setPen(_color(option, dim=True))
            painter.drawText(
                rect.adjusted(0, 0, 0, -PAD // 2),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom),
                painter.fontMetrics().elidedText(
                    heading, Qt.TextElideMode.ElideRight, rect.width()
                ),
            )
            painter.restore()
            return
        row = index.data(ROW_ROLE)
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawPrimitive(
            QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget
        )
        is_open = self._is_open(row.id)
        if is_open:
            bar = QRect(option.rect.left(), option.rect.top() + 3, MARK_WIDTH, rect.height() - 6)
            painter.fillRect(bar, option.palette.color(QPalette.ColorRole.Highlight))
        painter.setFont(option.font)
        metrics = painter.fontMetrics()
        date = short_date(row.updated_at, self._now())
        date_width = metrics.horizontalAdvance(date)
        painter.setPen(_color(option, dim=True))
        middle = int(Qt.AlignmentFlag.AlignVCenter)
        painter.drawText(rect, middle | int(Qt.AlignmentFlag.AlignRight), date)
        right = rect.right() - date_width - PAD
        if self._is_streaming(row.id):
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            selected = option.state & QStyle.StateFlag.State_Selected
            dot_role = (
                QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Highlight
            )
            painter.setBrush(option.palette.color(dot_role))
            dot = QRectF(right - DOT, rect.center().y() - DOT / 2 + 1, DOT, DOT)
            painter.drawEllipse(dot)
            right -= DOT + PAD
        font = QFont(option.font)
        font.setBold(is_open)
        painter.setFont(font)
        painter.setPen(_color(option, dim=False))
        title_rect = QRect(rect.left(), rect.top(), max(0, right - rect.left()), rect.height())
        elided = painter.fontMetrics().elidedText(
            row.title, Qt.TextElideMode.ElideRight, title_rect.width()
        )
        painter.drawText(title_rect, middle | int(Qt.AlignmentFlag.AlignLeft), elided)
        painter.restore()

    def updateEditorGeometry(self, editor: Any, option: QStyleOptionViewItem, index: Index) -> None:
        editor.setGeometry(option.rect.adjusted(PAD, 1, -PAD, -1))


class SidebarListView(QTableView):
    """A one-column table that reads as a list (fixed row heights: cheap at any length).

    Up, Down, Page Up/Down, Home and End step over the headings; Enter opens the row.
    """

    row_opened = Signal(QModelIndex)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setFrameShape(QTableView.Shape.NoFrame)
        self.setMouseTracking(True)  # hover highlight
        self.horizontalHeader().hide()
        self.horizontalHeader().setStretchLastSection(True)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(row_height(self.fontMetrics()))

    def _is_heading(self, index: QModelIndex) -> bool:
        return index.isValid() and bool(index.data(HEADER_ROLE))

    def moveCursor(
        self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        target = super().moveCursor(cursorAction, modifiers)
        if not self._is_heading(target):
            return target
        actions = QAbstractItemView.CursorAction
        up = cursorAction in (actions.MoveUp, actions.MovePageUp, actions.MoveHome)
        for step in (-1, 1) if up else (1, -1):  # onwards, else back (a heading at the top)
            row = target.row()
            while self._is_heading(self.model().index(row, 0)):
                row += step
            if 0 <= row < self.model().rowCount():
                return self.model().index(row, 0)
        return self.currentIndex()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.state() != QAbstractItemView.State.EditingState
            and self.currentIndex().isValid()
        ):
            self.row_opened.emit(self.currentIndex())
            event.accept()
            return
        menu_keys = event.key() == Qt.Key.Key_Menu or (
            event.key() == Qt.Key.Key_F10 and event.modifiers() == Qt.KeyboardModifier.ShiftModifier
        )
        if menu_keys and self.currentIndex().isValid():
            self.customContextMenuRequested.emit(self.visualRect(self.currentIndex()).center())
            event.accept()
            return
        super().keyPressEvent(event)
