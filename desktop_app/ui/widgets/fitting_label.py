"""A one-line label that never shows a word cut in half: at its full width it shows its text,
narrower it shows a shorter form (say, without its "This dialogue:" prefix), and narrower
still that form ended with "…". Layouts may give it less than its full text needs (down to the
short form), so a narrow window squeezes it instead of clipping it.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class FittingLabel(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full_text = ""
        self.short_text = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def set_texts(self, full: str, short: str = "") -> None:
        """`full` when it fits, else `short` (or `full`) elided to the width there is."""
        self.full_text, self.short_text = full, short or full
        self.setText(full)  # the size hint and the accessible text are the full one
        self.updateGeometry()
        self.update()

    def shown_text(self) -> str:
        """What the label shows at its current width."""
        metrics = self.fontMetrics()
        width = self.contentsRect().width()
        if metrics.horizontalAdvance(self.full_text) <= width:
            return self.full_text
        return metrics.elidedText(self.short_text, Qt.TextElideMode.ElideRight, width)

    def minimumSizeHint(self) -> QSize:
        """As wide as the short form: the layout squeezes the full text, not the short one."""
        hint = super().minimumSizeHint()
        margins = self.contentsMargins()
        short = self.fontMetrics().horizontalAdvance(self.short_text) + margins.left() + 1
        return QSize(min(hint.width(), short + margins.right()), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.full_text:
            return
        painter = QPainter(self)
        group = QPalette.ColorGroup.Active if self.isEnabled() else QPalette.ColorGroup.Disabled
        painter.setPen(self.palette().color(group, self.foregroundRole()))
        align = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        painter.drawText(self.contentsRect(), align, self.shown_text())
