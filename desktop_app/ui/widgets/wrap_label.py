"""A word-wrapped label whose minimum size does not grow with its text.

A plain word-wrapped QLabel asks, as its minimum, for the height its whole text needs at a
narrow width; a long notice or status line then raises the minimum of its tab and so of the
window, which grows by itself (or cannot be made smaller than 800×600). This label asks for at
most `min_lines` lines and a dozen characters as its minimum; where there is room, layouts
still give it the height its text needs at the width it gets (height for width).
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QLabel, QWidget

MIN_CHARACTERS = 12


class WrapLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None, min_lines: int = 1) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.min_lines = min_lines

    def minimumSizeHint(self) -> QSize:
        natural = super().minimumSizeHint()
        metrics = self.fontMetrics()
        frame = self.frameWidth() * 2 + self.margin() * 2
        margins = self.contentsMargins()
        width = min(natural.width(), metrics.averageCharWidth() * MIN_CHARACTERS + frame)
        lines = metrics.lineSpacing() * self.min_lines + frame + margins.top() + margins.bottom()
        return QSize(width, min(natural.height(), lines))
