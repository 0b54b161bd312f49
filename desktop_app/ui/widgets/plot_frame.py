"""A chart drawn by pyqtgraph, built the first time it is shown with something to show.

pyqtgraph (MIT, pure Python over numpy) takes about 0.3 s to import, so nothing imports it at
start-up: a `PlotFrame` is a plain QWidget holding a line of text ("No training loss yet")
until it is visible and has data; only then does it import pyqtgraph and build its plot. Its
colours come from the palette and `theme_colors()`, and are applied again after every theme
change. pyqtgraph's own context menu (export dialogs, plot options) is switched off.

The bundle leaves out QtOpenGL's Python binding (9 MB, even stripped), which `import pyqtgraph`
imports for the OpenGL paths of its items (PColorMeshItem, PlotCurveItem's useOpenGL) that
Parley never takes; `import_pyqtgraph` stands an empty module in for it, only where the real
one is missing. (QtOpenGLWidgets, which pyqtgraph subclasses at import time, is small and
shipped.)

A subclass sets up its items in `_build(pg, plot_item)`, draws its data in `_draw()`, colours
everything in `_restyle()`, and answers the pointer in `_hover(x, y)` (view coordinates; None
when the pointer left the plot). `readout` is the text shown beside the pointer.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QColor, QPalette, QShowEvent
from PySide6.QtWidgets import QApplication, QLabel, QSizePolicy, QStackedLayout, QWidget

from desktop_app.ui.theme import mix, set_tone, theme_colors, theme_notifier


def import_pyqtgraph() -> Any:
    """pyqtgraph, imported on first use (see the module's docstring for QtOpenGL)."""
    if "pyqtgraph" not in sys.modules:
        try:
            import PySide6.QtOpenGL  # noqa: F401
        except ImportError:
            sys.modules["PySide6.QtOpenGL"] = types.ModuleType("PySide6.QtOpenGL")
    import pyqtgraph

    return pyqtgraph


class PlotFrame(QWidget):
    def __init__(self, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot: Any = None  # pyqtgraph.PlotWidget, once built
        self.readout: Any = None  # pyqtgraph.TextItem beside the pointer
        self._pointer: QPointF | None = None  # where the pointer is over the plot (view coords)
        self.empty_label = QLabel(empty_text)
        self.empty_label.setMinimumHeight(60)
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        set_tone(self.empty_label, "muted")
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._stack.addWidget(self.empty_label)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    # --- to implement ----------------------------------------------------------------------

    def _has_data(self) -> bool:
        raise NotImplementedError

    def _build(self, pg: Any, plot_item: Any) -> None:
        """Add the items (curves, bars, legend) to `plot_item`, once."""

    def _draw(self) -> None:
        """Put the current data into the items."""

    def _restyle(self) -> None:
        """Colour the items from the palette (after `_style_frame`)."""

    def _hover(self, point: QPointF | None) -> None:
        """The pointer is over `point` (view coordinates), or left the plot (None)."""

    # --- shared ------------------------------------------------------------------------------

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 120)

    def hasHeightForWidth(self) -> bool:
        return False  # the chart's height is its own, not the wrapped empty text's

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._refresh()

    def _refresh(self) -> None:
        """Show the text or the plot, building the plot on the first visible need for it."""
        if not self._has_data():
            self._stack.setCurrentWidget(self.empty_label)
            self._pointer = None
            if self.readout is not None:
                self._hover(None)
            return
        if self.plot is None:
            if not self.isVisible():
                return  # drawn when first shown
            self._make_plot().setGeometry(self.rect())  # now, not at the next layout pass
        self._stack.setCurrentWidget(self.plot)
        self._draw()
        if self._pointer is not None:  # new data under a resting pointer: say what it is now
            self._hover(self._pointer)

    def _make_plot(self) -> Any:
        pg = import_pyqtgraph()

        self.plot = pg.PlotWidget(background=self.palette().color(QPalette.ColorRole.Base))
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        item = self.plot.getPlotItem()
        item.getViewBox().setMenuEnabled(False)
        self.readout = pg.TextItem(anchor=(0, 1))
        self.readout.setZValue(10)
        self.readout.hide()
        item.addItem(self.readout, ignoreBounds=True)
        self._build(pg, item)
        self.plot.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self._stack.addWidget(self.plot)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme_notifier(app).changed.connect(self._on_theme_changed)
        self._style_frame()
        self._restyle()
        return self.plot

    def _on_theme_changed(self, _scheme: str) -> None:
        if self.plot is not None:
            self._style_frame()
            self._restyle()
            self._draw()

    def _style_frame(self) -> None:
        """Background, axes, axis titles and the readout in the palette's colours."""
        palette = QApplication.palette()
        colours = theme_colors(palette)
        text = palette.color(QPalette.ColorRole.Text)
        base = palette.color(QPalette.ColorRole.Base)
        self.plot.setBackground(base)
        item = self.plot.getPlotItem()
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(colours.border)
            axis.setTextPen(colours.muted_text)
        if self.readout is not None:
            pg = import_pyqtgraph()
            self.readout.fill = pg.mkBrush(mix(base, text, 0.06))
            self.readout.border = pg.mkPen(colours.border)
            self.readout.setColor(text)

    def text_colour(self) -> QColor:
        return QApplication.palette().color(QPalette.ColorRole.Text)

    def _on_scene_mouse_moved(self, scene_pos: QPointF) -> None:
        item = self.plot.getPlotItem()
        box = item.getViewBox()
        inside = box.sceneBoundingRect().contains(scene_pos)
        self._pointer = box.mapSceneToView(scene_pos) if inside else None
        self._hover(self._pointer)

    def show_readout(self, text: str, x: float, y: float) -> None:
        """Show `text` at (x, y) in view coordinates, kept inside the visible range."""
        (x0, x1), (y0, y1) = self.plot.getPlotItem().getViewBox().viewRange()
        self.readout.setText(text)
        right = x > x0 + (x1 - x0) * 0.6  # near the right edge: the text goes to the left
        high = y > y0 + (y1 - y0) * 0.7
        self.readout.setAnchor((1 if right else 0, 0 if high else 1))
        self.readout.setPos(x, y)
        self.readout.show()

    def hide_readout(self) -> None:
        if self.readout is not None:
            self.readout.hide()

    def readout_text(self) -> str:
        """What the readout says ("" when hidden): what a user hovering reads."""
        if self.readout is None or not self.readout.isVisible():
            return ""
        return str(self.readout.toPlainText())
