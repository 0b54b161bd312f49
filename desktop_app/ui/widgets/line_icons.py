"""Small line icons drawn in the palette's text colour, so they follow the light and dark theme.

Painted when shown (not loaded from a file): the colour is read at paint time, so a theme
change needs no new icons, and every size and screen density is sharp. The same drawing on
every platform, never the platform's icon theme.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QLineF, QPoint, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QGuiApplication,
    QIcon,
    QIconEngine,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
)

Drawing = Callable[[QPainter, QRectF], None]


def _plus(painter: QPainter, box: QRectF) -> None:
    c = box.center()
    half = box.width() * 0.36
    painter.drawLine(QLineF(c.x() - half, c.y(), c.x() + half, c.y()))
    painter.drawLine(QLineF(c.x(), c.y() - half, c.x(), c.y() + half))


def _cross(painter: QPainter, box: QRectF) -> None:
    inner = box.adjusted(box.width() * 0.25, box.height() * 0.25, -box.width() * 0.25, 0)
    inner.setHeight(inner.width())
    painter.drawLine(QLineF(inner.topLeft(), inner.bottomRight()))
    painter.drawLine(QLineF(inner.topRight(), inner.bottomLeft()))


def _panel(painter: QPainter, box: QRectF, pointing_left: bool) -> None:
    """A window with a side column, and a chevron saying which way the column goes."""
    frame = box.adjusted(box.width() * 0.1, box.height() * 0.18, -box.width() * 0.1, 0)
    frame.setHeight(box.height() * 0.64)
    painter.drawRoundedRect(frame, 1.5, 1.5)
    column = frame.left() + frame.width() * 0.36
    painter.drawLine(QLineF(column, frame.top(), column, frame.bottom()))
    middle = frame.center().y()
    tip = column + frame.width() * (0.18 if pointing_left else 0.42)
    back = column + frame.width() * (0.42 if pointing_left else 0.18)
    reach = frame.height() * 0.22
    painter.drawPolyline(
        [QPointF(back, middle - reach), QPointF(tip, middle), QPointF(back, middle + reach)]
    )


DRAWINGS: dict[str, Drawing] = {
    "new": _plus,
    "close": _cross,
    "hide-sidebar": lambda p, b: _panel(p, b, True),
    "show-sidebar": lambda p, b: _panel(p, b, False),
}


class _LineIconEngine(QIconEngine):
    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        palette = QGuiApplication.palette()
        group = (
            QPalette.ColorGroup.Disabled
            if mode == QIcon.Mode.Disabled
            else QPalette.ColorGroup.Normal
        )
        role = (
            QPalette.ColorRole.HighlightedText
            if mode == QIcon.Mode.Selected
            else QPalette.ColorRole.ButtonText
        )
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(palette.color(group, role), max(1.2, rect.width() / 12))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        side = min(rect.width(), rect.height())
        box = QRectF(rect.x() + (rect.width() - side) / 2, rect.y(), side, side)
        box.moveTop(rect.y() + (rect.height() - side) / 2)
        DRAWINGS[self._name](painter, box)
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        """Drawn at the screen's density on a clear background (Qt's default leaves the
        pixmap's memory as it found it)."""
        pixmap = QPixmap(size * scale)
        pixmap.setDevicePixelRatio(scale)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
        painter.end()
        return pixmap

    def clone(self) -> QIconEngine:
        return _LineIconEngine(self._name)


def line_icon(name: str) -> QIcon:
    """One of DRAWINGS as an icon: "new", "close", "hide-sidebar", "show-sidebar"."""
    if name not in DRAWINGS:
        raise KeyError(name)
    return QIcon(_LineIconEngine(name))
