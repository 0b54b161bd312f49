"""A fine-tuning job's loss by step: training loss, and validation loss beside it when the job
has a validation file. Hovering names the step and both losses there; the wheel zooms, a drag
pans, a double-click fits the whole curve again."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QPointF, QSize
from PySide6.QtWidgets import QWidget

from desktop_app.ui.theme import theme_colors
from desktop_app.ui.widgets.plot_frame import PlotFrame, import_pyqtgraph

Points = list[tuple[int, float]]


class LossChart(PlotFrame):
    """Training (and validation) loss by step, drawn by pyqtgraph once first shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("No training loss yet", parent)
        self.points: Points = []
        self.validation: Points = []
        self.setToolTip("Scroll to zoom, drag to pan, double-click to see the whole run")
        self._items: dict[str, Any] = {}

    def sizeHint(self) -> QSize:
        return QSize(320, 180)

    def set_points(
        self, points: Sequence[tuple[int, float]], validation: Sequence[tuple[int, float]] = ()
    ) -> None:
        """Training loss points (step, loss), and the validation loss where there is one."""
        self.points = list(points)
        self.validation = list(validation)
        self._refresh()

    def _has_data(self) -> bool:
        return bool(self.points or self.validation)

    def _build(self, pg: Any, plot_item: Any) -> None:
        plot_item.setLabel("bottom", "Step")
        plot_item.setLabel("left", "Loss")
        plot_item.showGrid(x=True, y=True, alpha=0.25)
        plot_item.getViewBox().setMouseEnabled(x=True, y=True)
        self._items["legend"] = plot_item.addLegend(offset=(-8, 8))
        self._items["train"] = plot_item.plot([], [], name="Training loss", antialias=True)
        self._items["valid"] = plot_item.plot(
            [], [], name="Validation loss", antialias=True, symbol="o", symbolSize=6
        )
        self._items["cursor"] = pg.InfiniteLine(angle=90, movable=False)
        self._items["cursor"].hide()
        plot_item.addItem(self._items["cursor"], ignoreBounds=True)
        self.plot.scene().sigMouseClicked.connect(self._on_scene_mouse_clicked)

    def _draw(self) -> None:
        train, valid = self._items["train"], self._items["valid"]
        train.setData([s for s, _ in self.points], [v for _, v in self.points])
        valid.setData([s for s, _ in self.validation], [v for _, v in self.validation])
        legend = self._items["legend"]
        legend.setVisible(bool(self.validation))
        steps = [s for s, _ in self.points + self.validation]
        if steps:
            span = max(max(steps) - min(steps), 1)
            self.plot.getPlotItem().getViewBox().setLimits(
                xMin=min(steps) - span * 0.05, xMax=max(steps) + span * 0.05
            )

    def _restyle(self) -> None:
        pg = import_pyqtgraph()

        colours = theme_colors()
        text = self.text_colour()
        self._items["train"].setPen(pg.mkPen(colours.accent, width=2))
        valid = self._items["valid"]
        valid.setPen(pg.mkPen(colours.warning, width=2))
        valid.setSymbolBrush(pg.mkBrush(colours.warning))
        valid.setSymbolPen(pg.mkPen(colours.warning))
        self._items["cursor"].setPen(pg.mkPen(colours.muted_text, width=1))
        legend = self._items["legend"]
        legend.setLabelTextColor(text)
        legend.setBrush(pg.mkBrush(self.plot.backgroundBrush().color()))
        legend.setPen(pg.mkPen(colours.border))
        for _sample, label in legend.items:  # the labels already drawn keep their old colour
            label.setText(label.text, color=text)

    def _on_scene_mouse_clicked(self, event: Any) -> None:
        if event.double():
            self.plot.getPlotItem().getViewBox().autoRange()

    def _hover(self, point: QPointF | None) -> None:
        if "cursor" not in self._items:
            return
        cursor = self._items["cursor"]
        if point is None or not self._has_data():
            self.hide_readout()
            cursor.hide()
            return
        step = _nearest_step(self.points + self.validation, point.x())
        lines = [f"Step {step}"]
        train = dict(self.points).get(step)
        valid = dict(self.validation).get(step)
        if train is not None:
            lines.append(f"training loss {train:.4f}")
        if valid is not None:
            lines.append(f"validation loss {valid:.4f}")
        cursor.setValue(step)
        cursor.show()
        y = train if train is not None else valid
        self.show_readout("\n".join(lines), step, y if y is not None else point.y())


def _nearest_step(points: Points, x: float) -> int:
    steps = sorted({s for s, _ in points})
    index = bisect_left(steps, x)
    near = steps[max(index - 1, 0) : index + 1]
    return min(near, key=lambda s: abs(s - x))
