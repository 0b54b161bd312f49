"""The histogram of token counts per example, drawn with QPainter (the loss chart is
loss_chart.py, drawn by pyqtgraph)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop_app.ui.theme import theme_colors

MARGIN = 28


class _Chart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:
        return QSize(320, 140)

    def _plot_area(self) -> QRectF:
        return QRectF(self.rect()).adjusted(MARGIN + 12, 8, -8, -MARGIN + 6)

    def _frame(self, painter: QPainter, area: QRectF, empty_text: str, empty: bool) -> bool:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        text = self.palette().text().color()
        painter.setPen(QPen(text, 1))
        if empty:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, empty_text)
            return False
        painter.drawLine(area.bottomLeft(), area.bottomRight())
        painter.drawLine(area.bottomLeft(), area.topLeft())
        return True


class HistogramChart(_Chart):
    """How many examples have how many tokens."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edges: tuple[int, ...] = ()
        self.counts: tuple[int, ...] = ()
        self.limit = 0

    def set_histogram(self, edges: tuple[int, ...], counts: tuple[int, ...], limit: int) -> None:
        self.edges, self.counts, self.limit = edges, counts, limit
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        area = self._plot_area()
        if self._frame(painter, area, "Validate to see token counts", not self.counts):
            top = max(self.counts)
            width = area.width() / len(self.counts)
            over = theme_colors().error
            for i, count in enumerate(self.counts):
                height = count / top * area.height()
                bar = QRectF(area.left() + i * width + 1, area.bottom() - height, width - 2, height)
                too_long = self.limit and self.edges[i] > self.limit
                painter.fillRect(bar, over if too_long else theme_colors().success)
            painter.setPen(QPen(self.palette().text().color(), 1))
            painter.drawText(QPointF(2, area.top() + 10), str(top))
            painter.drawText(QPointF(area.left(), self.height() - 6), f"{self.edges[0]:,}")
            painter.drawText(
                QRectF(area.left(), self.height() - 20, area.width(), 18),
                Qt.AlignmentFlag.AlignRight,
                f"{self.edges[-1]:,} tokens",
            )
        painter.end()
