"""The Usage tab's bar chart, drawn by pyqtgraph: one bar per group, each named under it, its
value over it (when the bars are wide enough) and on hover, the cost axis in the currency."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QPointF, QSize
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop_app.ui.theme import mix, theme_colors
from desktop_app.ui.widgets.plot_frame import PlotFrame

MAX_BARS = 60
MAX_VALUE_LABELS = 12  # more bars than this: values on hover only
LABEL_CHARS = 18  # a group's name under its bar is cut to this (in full on hover)
BAR_WIDTH = 0.7  # of the slot each bar has
MIN_SLOTS = 6  # fewer bars than this do not widen to fill the chart


def short_label(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


class BarChart(PlotFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Nothing spent here", parent)
        self.bars: list[tuple[str, float]] = []
        self.caption = ""
        self.category = ""
        self.hovered: int | None = None
        self._format: Callable[[float], str] = lambda v: f"{v:g}"
        self._items: dict[str, Any] = {}
        self._value_labels: list[Any] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(400, 220)

    def minimumSizeHint(self) -> QSize:
        return QSize(120, 220)

    def set_bars(
        self,
        bars: Sequence[tuple[str, float]],
        value_text: Callable[[float], str],
        caption: str = "",
        category: str = "",
    ) -> None:
        """Show these (label, value) bars, at most MAX_BARS; `caption` titles the value axis
        ("per day"), `category` the groups' axis ("Model")."""
        self.bars = list(bars)[:MAX_BARS]
        self._format = value_text
        self.caption = caption
        self.category = category
        self.hovered = None
        self._refresh()

    def _has_data(self) -> bool:
        return any(value for _label, value in self.bars)

    def _build(self, pg: Any, plot_item: Any) -> None:
        chart = self

        class CostAxis(pg.AxisItem):
            def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
                return [chart._format(v) for v in values]

        axis = CostAxis("left")
        axis.enableAutoSIPrefix(False)  # the values are money: no "(x0.001)"
        plot_item.setAxisItems({"left": axis})
        plot_item.getViewBox().setMouseEnabled(x=False, y=False)
        self._items["bars"] = pg.BarGraphItem(x=[], height=[], width=BAR_WIDTH)
        plot_item.addItem(self._items["bars"])
        self._items["pg"] = pg

    def _draw(self) -> None:
        pg = self._items["pg"]
        item = self.plot.getPlotItem()
        count = len(self.bars)
        values = [max(value, 0.0) for _label, value in self.bars]
        self._items["bars"].setOpts(
            x=list(range(count)), height=values, width=BAR_WIDTH, brushes=self._brushes(), pen=None
        )
        names = [(i, short_label(label)) for i, (label, _) in enumerate(self.bars)]
        item.getAxis("bottom").setTicks([names])
        item.setLabel("bottom", self.category)
        item.setLabel("left", f"Cost {self.caption}".strip())
        for label in self._value_labels:
            item.removeItem(label)
        self._value_labels = []
        if count <= MAX_VALUE_LABELS:
            for i, value in enumerate(values):
                if not value:
                    continue  # nothing spent, or no price: the table says which
                label = pg.TextItem(self._format(value), color=self.text_colour(), anchor=(0.5, 1))
                label.setPos(i, value)
                item.addItem(label)
                self._value_labels.append(label)
        peak = max(values) or 1.0
        room = max(0.0, (MIN_SLOTS - count) / 2)  # a few bars stay bars, centred as a group
        item.getViewBox().setRange(
            xRange=(-0.6 - room, count - 0.4 + room), yRange=(0, peak * 1.18), padding=0
        )

    def _brushes(self) -> list[Any]:
        pg = self._items["pg"]
        accent = theme_colors().accent
        hovered = mix(accent, self.text_colour(), 0.3)
        return [pg.mkBrush(hovered if i == self.hovered else accent) for i in range(len(self.bars))]

    def _restyle(self) -> None:
        pass  # the bars and their labels take the palette's colours when drawn

    def bar_at(self, x: float) -> int | None:
        """The bar under view coordinate `x`, if any."""
        index = round(x)
        if 0 <= index < len(self.bars) and abs(x - index) <= BAR_WIDTH / 2 + 0.05:
            return index
        return None

    def _hover(self, point: QPointF | None) -> None:
        if "bars" not in self._items:
            return
        index = None if point is None else self.bar_at(point.x())
        if index != self.hovered:
            self.hovered = index
            self._items["bars"].setOpts(brushes=self._brushes())
        if index is None:
            self.hide_readout()
            return
        label, value = self.bars[index]
        self.show_readout(f"{label}: {self._format(value)}", index, max(value, 0.0))
