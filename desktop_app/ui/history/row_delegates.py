"""How a dialogue, a heading and a search hit are painted: two lines each, one height for all.

Painting only what is on screen is what lets the list hold a hundred thousand rows; every row
being the same height lets the view skip measuring them.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QIcon, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop_app.core.history import SearchHit, short_date, snippet_html
from desktop_app.ui.history.dialogues_model import HEADER_ROLE, ROW_ROLE
from desktop_app.ui.history.search_model import HIT_ROLE
from desktop_app.ui.icons import icon

Index = QModelIndex | QPersistentModelIndex
PAD = 6


def row_height(metrics: QFontMetrics) -> int:
    return metrics.height() * 2 + 3 * PAD


def _row_size(option: QStyleOptionViewItem) -> QSize:
    return QSize(200, row_height(option.fontMetrics))


def _panel(painter: QPainter, option: QStyleOptionViewItem) -> None:
    style = option.widget.style() if option.widget else QApplication.style()
    style.drawPrimitive(
        QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget
    )


def _text_role(option: QStyleOptionViewItem, dim: bool) -> QPalette.ColorRole:
    if option.state & QStyle.StateFlag.State_Selected:
        return QPalette.ColorRole.HighlightedText
    return QPalette.ColorRole.PlaceholderText if dim else QPalette.ColorRole.Text


def _lines(option: QStyleOptionViewItem) -> tuple[QRect, QRect]:
    rect = option.rect.adjusted(PAD * 2, PAD, -PAD * 2, -PAD)
    height = option.fontMetrics.height()
    return (
        QRect(rect.left(), rect.top(), rect.width(), height),
        QRect(rect.left(), rect.top() + height + PAD, rect.width(), height),
    )


def _draw(
    painter: QPainter,
    option: QStyleOptionViewItem,
    rect: QRect,
    text: str,
    dim: bool = False,
    bold: bool = False,
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
) -> int:
    """Draw one elided line; returns the width it took."""
    font = QFont(option.font)
    font.setBold(bold)
    painter.setFont(font)
    painter.setPen(option.palette.color(_text_role(option, dim)))
    metrics = painter.fontMetrics()
    elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
    painter.drawText(rect, int(align | Qt.AlignmentFlag.AlignVCenter), elided)
    return metrics.horizontalAdvance(elided)


def _pin(painter: QPainter, option: QStyleOptionViewItem, rect: QRect) -> QRect:
    """Draw the pin mark of a pinned dialogue at the start of `rect`; the rest of it."""
    side = min(rect.height(), 16)
    selected = bool(option.state & QStyle.StateFlag.State_Selected)
    mode = QIcon.Mode.Selected if selected else QIcon.Mode.Normal
    target = QRect(rect.left(), rect.top() + (rect.height() - side) // 2, side, side)
    icon("pin").paint(painter, target, Qt.AlignmentFlag.AlignCenter, mode)
    return rect.adjusted(side + PAD, 0, 0, 0)


class DialogueDelegate(QStyledItemDelegate):
    """Title (pinned ones marked) and date; then model, message count and tone."""

    def __init__(self, now: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self._now = now  # a callable: the model's idea of "now", so headings and dates agree

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return _row_size(option)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        self.initStyleOption(option, index)
        painter.save()
        heading = index.data(HEADER_ROLE)
        if heading:
            rect = option.rect.adjusted(PAD * 2, PAD, -PAD * 2, -PAD)
            _draw(
                painter,
                option,
                rect,
                heading.upper(),
                dim=True,
                bold=True,
                align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
            )
            painter.restore()
            return
        row = index.data(ROW_ROLE)
        _panel(painter, option)
        first, second = _lines(option)
        stamp = row.deleted_at if row.deleted_at else row.updated_at
        date_width = _draw(
            painter,
            option,
            first,
            short_date(stamp, self._now()),
            dim=True,
            align=Qt.AlignmentFlag.AlignRight,
        )
        title_rect = first.adjusted(0, 0, -(date_width + PAD * 2), 0)
        if row.pinned:
            title_rect = _pin(painter, option, title_rect)
        _draw(painter, option, title_rect, row.title, bold=True)
        details = [d for d in (row.assistant, row.model) if d]
        details.append(f"{row.message_count} message{'s' if row.message_count != 1 else ''}")
        if row.mood:
            details.append(row.mood)
        _draw(painter, option, second, " · ".join(details), dim=True)
        painter.restore()

    def updateEditorGeometry(self, editor: Any, option: QStyleOptionViewItem, index: Index) -> None:
        editor.setGeometry(_lines(option)[0].adjusted(-PAD, -PAD // 2, 0, PAD // 2))


class HitDelegate(QStyledItemDelegate):
    """Dialogue title, who wrote the message and when; then the snippet, matches in bold."""

    def __init__(self, now: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self._now = now
        self._document = QTextDocument()
        self._document.setDocumentMargin(0)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return _row_size(option)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        self.initStyleOption(option, index)
        hit: SearchHit = index.data(HIT_ROLE)
        painter.save()
        _panel(painter, option)
        first, second = _lines(option)
        where = " · in its reasoning" if hit.in_reasoning else ""
        meta = f"{hit.role}{where} · {short_date(hit.created_at, self._now())}"
        width = _draw(painter, option, first, meta, dim=True, align=Qt.AlignmentFlag.AlignRight)
        _draw(painter, option, first.adjusted(0, 0, -(width + PAD * 2), 0), hit.title, bold=True)
        color = option.palette.color(_text_role(option, False)).name()
        self._document.setDefaultFont(option.font)
        self._document.setHtml(
            f'<div style="color:{color}; white-space:pre">{snippet_html(hit.snippet)}</div>'
        )
        painter.setClipRect(second)
        painter.translate(second.topLeft())
        self._document.drawContents(painter)
        painter.restore()
