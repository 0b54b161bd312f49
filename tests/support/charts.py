"""Pointing at a pyqtgraph chart as a user does: the mouse moves over the plot's viewport."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QPointF
from PySide6.QtWidgets import QApplication


def view_point(plot_widget: Any, x: float, y: float) -> QPoint:
    """Where the view coordinates (x, y) are on the plot's viewport, once laid out."""
    QApplication.processEvents()  # the axes take their widths at the first layout pass
    box = plot_widget.getPlotItem().getViewBox()
    return plot_widget.mapFromScene(box.mapViewToScene(QPointF(x, y)))


def move_to(qtbot: Any, plot_widget: Any, point: QPoint) -> None:
    """Move the mouse to `point` (viewport coordinates) over a pyqtgraph PlotWidget."""
    # The first move may only enter the widget, and Qt drops a move to where the mouse is.
    for step in (point + QPoint(0, 1), point):
        # pyqtgraph's scene drops moves that come within 10 ms of the last one (a person's
        # hand is slower than that): let this one count, without sleeping.
        plot_widget.scene()._lastMoveEventTime = 0
        qtbot.mouseMove(plot_widget.viewport(), step)


def hover(qtbot: Any, plot_widget: Any, x: float, y: float) -> None:
    """Point at the view coordinates (x, y): a step and a loss, a bar and a cost."""
    move_to(qtbot, plot_widget, view_point(plot_widget, x, y))
