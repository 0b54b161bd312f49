"""A small bar chart drawn with QPainter: one bar per group, its value on hover.

QtCharts would need PySide6-Addons (a much bigger bundle) for what is a row of rectangles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QHelpEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from desktop_app.ui.theme import theme_colors

MAX_BARS = 60
MAX_SLOT = 72  # px for one bar and the gap beside it
_MARGIN = 8
_LABEL_HEIGHT = 16


class BarChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars: list[tuple[str, float]] = []
        self.caption = ""
        self._format: Callable[[float], str] = lambda v: f"{v:g}"
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        return QSize(400, 160)

    def minimumSizeHint(self) -> QSize:
        return QSize(120, 160)

    def set_bars(
        self,
        bars: Sequence[tuple[str, float]],
        value_text: Callable[[float], str],
        caption: str = "",
    ) -> None:
        """Show these (label, value) bars; at most MAX_BARS are drawn."""
        self.bars = list(bars)[:MAX_BARS]
        self._format = value_text
        self.caption = caption
        self.update()

    def _rects(self) -> list[QRectF]:
        if not self.bars:
            return []
        top, bottom = _MARGIN + _LABEL_HEIGHT, self.height() - _MARGIN - _LABEL_HEIGHT
        room = self.width() - 2 * _MARGIN
        # A few bars stay bars (not one slab across the window), centred as a group.
        width = max(1.0, min(room / len(self.bars), MAX_SLOT))
        start = _MARGIN + (room - width * len(self.bars)) / 2
        peak = max(value for _label, value in self.bars) or 1.0
        rects = []
        for index, (_label, value) in enumerate(self.bars):
            height = (bottom - top) * max(value, 0.0) / peak
            left = start + index * width
            rects.append(QRectF(left + width * 0.1, bottom - height, width * 0.8, height))
        return rects

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        painter.setPen(text)
        if not self.bars or not any(value for _label, value in self.bars):
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Nothing spent here")
            return
        peak = max(value for _label, value in self.bars)
        painter.drawText(_MARGIN, _MARGIN + 11, f"{self._format(peak)} {self.caption}".strip())
        rects = self._rects()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme_colors().accent)
        for rect in rects:
            painter.drawRoundedRect(rect, 3, 3)
        painter.setPen(text)
        # Label the first and last bar (and every one when they fit).
        metrics = painter.fontMetrics()
        baseline = self.height() - _MARGIN
        wide = all(
            metrics.horizontalAdvance(label) < r.width() * 1.2
            for (label, _), r in zip(self.bars, rects, strict=True)
        )
        shown = range(len(rects)) if wide else sorted({0, len(rects) - 1})
        for index in shown:
            label = metrics.elidedText(self.bars[index][0], Qt.TextElideMode.ElideRight, 140)
            x = rects[index].center().x() - metrics.horizontalAdvance(label) / 2
            x = min(max(x, _MARGIN), self.width() - _MARGIN - metrics.horizontalAdvance(label))
            painter.drawText(int(x), baseline, label)

    def bar_at(self, x: float) -> int | None:
        for index, rect in enumerate(self._rects()):
            if rect.left() - rect.width() * 0.125 <= x <= rect.right() + rect.width() * 0.125:
                return index
        return None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.bar_at(event.pos().x())
            if index is None:
                QToolTip.hideText()
            else:
                label, value = self.bars[index]
                QToolTip.showText(event.globalPos(), f"{label}: {self._format(value)}", self)
            return True
        return super().event(event)
