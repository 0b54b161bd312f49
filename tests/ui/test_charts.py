"""The loss chart and the usage bar chart (pyqtgraph): built only when first shown, values on
hover, axis titles, zoom on the loss curve, validation loss beside training loss, the palette's
colours in both themes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from desktop_app.app import Parley
from desktop_app.core.fine_tuning_jobs import event_from_data, validation_loss_points
from desktop_app.ui.theme import apply_theme, theme_colors
from desktop_app.ui.training.loss_chart import LossChart
from desktop_app.ui.usage.bar_chart import MAX_VALUE_LABELS, BarChart, short_label
from tests.openai_server import OpenAIServer
from tests.support.charts import hover, move_to, view_point
from tests.support.loop import run, run_until
from tests.support.training_data import chat_example, write_jsonl

ROOT = Path(__file__).resolve().parents[2]
TRAIN = [(step, round(2.2 * 0.75**step + 0.15, 4)) for step in range(1, 21)]
VALID = [(step, round(loss * 1.1 + 0.05, 4)) for step, loss in TRAIN if step % 4 == 0]


@pytest.fixture
def light(qapp):  # type: ignore[no-untyped-def]
    apply_theme(qapp, "light")
    yield qapp
    apply_theme(qapp, "light")


def shown_loss_chart(qtbot, points=TRAIN, validation=VALID) -> LossChart:  # type: ignore[no-untyped-def]
    chart = LossChart()
    qtbot.addWidget(chart)
    chart.set_points(points, validation)
    chart.resize(600, 300)
    chart.show()
    qtbot.waitExposed(chart)
    return chart


def test_the_chart_waits_for_data_and_for_being_shown(qtbot, light) -> None:  # type: ignore[no-untyped-def]
    chart = LossChart()
    qtbot.addWidget(chart)
    chart.set_points(TRAIN)
    assert chart.plot is None  # hidden: nothing built yet
    empty = LossChart()
    qtbot.addWidget(empty)
    empty.show()
    qtbot.waitExposed(empty)
    assert empty.plot is None and empty.empty_label.isVisible()
    assert empty.empty_label.text() == "No training loss yet"
    empty.set_points(TRAIN[:2])
    assert empty.plot is not None and empty.plot.isVisible()
    empty.set_points([])
    assert empty.empty_label.isVisible()


def test_hovering_names_the_step_and_both_losses(qtbot, light) -> None:  # type: ignore[no-untyped-def]
    chart = shown_loss_chart(qtbot)
    plot = chart.plot.getPlotItem()
    assert plot.getAxis("bottom").labelText == "Step"
    assert plot.getAxis("left").labelText == "Loss"
    legend = [label.text for _sample, label in chart._items["legend"].items]
    assert legend == ["Training loss", "Validation loss"] and chart._items["legend"].isVisible()

    hover(qtbot, chart.plot, 8.2, 1.0)  # near step 8, which has both
    train, valid = dict(TRAIN)[8], dict(VALID)[8]
    assert chart.readout_text() == f"Step 8\ntraining loss {train:.4f}\nvalidation loss {valid:.4f}"
    assert chart._items["cursor"].isVisible() and chart._items["cursor"].value() == 8
    newer = [(step, loss / 2) for step, loss in TRAIN]
    chart.set_points(newer, VALID)  # the job reported again while the pointer rests there
    assert chart.readout_text().splitlines()[1] == f"training loss {train / 2:.4f}"
    hover(qtbot, chart.plot, 2.9, 0.5)  # nearest is step 3: no validation loss there
    assert chart.readout_text() == f"Step 3\ntraining loss {dict(newer)[3]:.4f}"
    move_to(qtbot, chart.plot, QPoint(1, 1))  # the pointer leaves the plot
    assert chart.readout_text() == "" and not chart._items["cursor"].isVisible()


def test_the_wheel_zooms_the_curve_and_a_double_click_shows_all_of_it(qtbot, light) -> None:  # type: ignore[no-untyped-def]
    chart = shown_loss_chart(qtbot, validation=[])
    assert not chart._items["legend"].isVisible()  # one curve needs no legend
    box = chart.plot.getPlotItem().getViewBox()
    centre = view_point(chart.plot, 10, 1.0)  # (laid out and ranged once events are processed)
    (x0, x1), _ = box.viewRange()
    assert x0 <= 1 and x1 >= 20
    for _ in range(3):
        wheel(chart.plot, centre, 120)
    (z0, z1), _ = box.viewRange()
    assert z1 - z0 < (x1 - x0) * 0.8 and z0 > x0  # zoomed in around step 10
    double_click(qtbot, chart.plot, centre)
    (a0, a1), _ = box.viewRange()
    assert a0 <= 1 and a1 >= 20


def double_click(qtbot, plot_widget, where: QPoint) -> None:  # type: ignore[no-untyped-def]
    """Press, release, press again (Qt's double-click event) and release, as a hand does."""
    viewport, left = plot_widget.viewport(), Qt.MouseButton.LeftButton
    qtbot.mouseClick(viewport, left, pos=where)
    qtbot.mouseDClick(viewport, left, pos=where)
    qtbot.mouseRelease(viewport, left, pos=where)


def wheel(plot_widget, where: QPoint, delta: int) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QWheelEvent

    viewport = plot_widget.viewport()
    event = QWheelEvent(
        QPointF(where),
        QPointF(viewport.mapToGlobal(where)),
        QPoint(0, 0),
        QPoint(0, delta),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(viewport, event)


def colour_of(pen_or_brush) -> QColor:  # type: ignore[no-untyped-def]
    return QColor(pen_or_brush.color())


def test_a_theme_change_recolours_the_charts(qtbot, light) -> None:  # type: ignore[no-untyped-def]
    chart = shown_loss_chart(qtbot)
    bars = BarChart()
    qtbot.addWidget(bars)
    bars.set_bars([("gpt-4o", 2.0), ("o3", 1.0)], lambda v: f"${v:.2f}")
    bars.resize(400, 220)
    bars.show()
    qtbot.waitExposed(bars)
    for scheme in ("dark", "light"):
        apply_theme(QApplication.instance(), scheme)
        palette = QApplication.palette()
        base = palette.color(QPalette.ColorRole.Base)
        colours = theme_colors()
        for plot in (chart.plot, bars.plot):
            assert plot.backgroundBrush().color() == base
            assert plot.getPlotItem().getAxis("left").textPen().color() == colours.muted_text
        assert colour_of(chart._items["train"].opts["pen"]) == colours.accent
        assert colour_of(chart._items["valid"].opts["pen"]) == colours.warning
        assert bars._items["bars"].opts["brushes"][0].color() == colours.accent
        text = palette.color(QPalette.ColorRole.Text)
        assert all(label.color == text for label in bars._value_labels)
        image = bars.plot.grab().toImage()
        assert image.pixelColor(view_point(bars.plot, 0, 1.0)) == colours.accent
        assert image.pixelColor(QPoint(bars.plot.width() - 3, 3)) == base


def test_many_bars_are_named_where_they_fit_and_valued_on_hover(qtbot, light) -> None:  # type: ignore[no-untyped-def]
    chart = BarChart()
    qtbot.addWidget(chart)
    days = [(f"2026-11-{day:02d}", float(day)) for day in range(1, 31)]
    chart.set_bars(days, lambda v: f"€{v:.2f}", "per day", "Day")
    chart.resize(800, 220)
    chart.show()
    qtbot.waitExposed(chart)
    assert chart._value_labels == [] and len(days) > MAX_VALUE_LABELS  # too many to label
    plot = chart.plot.getPlotItem()
    assert plot.getAxis("left").labelText == "Cost per day"
    assert plot.getAxis("bottom").labelText == "Day"
    assert plot.getAxis("left").tickStrings([10.0], 1, 1) == ["€10.00"]
    hover(qtbot, chart.plot, 29, 10.0)
    assert chart.readout_text() == "2026-11-30: €30.00" and chart.hovered == 29
    assert short_label("a-very-long-model-name-indeed") == "a-very-long-model…"
    chart.set_bars([("nothing", 0.0)], lambda v: f"{v}")
    assert chart.empty_label.isVisible() and chart.empty_label.text() == "Nothing spent here"


def test_validation_loss_is_read_from_the_metrics_events() -> None:
    events = [
        event_from_data("e1", 1, "Step 1/4", "info", {"step": 1, "train_loss": 1.2}),
        event_from_data(
            "e2", 2, "Step 2/4", "info", {"step": 2, "train_loss": 1, "valid_loss": 1.3}
        ),
        event_from_data("e3", 3, "Fine-tuning job started", "info", None),
        event_from_data(
            "e4", 4, "Step 4/4", "info", {"step": 4, "train_loss": 0.5, "valid_loss": 0.9}
        ),
    ]
    assert validation_loss_points(reversed(events)) == [(2, 1.3), (4, 0.9)]


def test_a_job_with_a_validation_file_charts_both_losses(
    qloop, qtbot, parley: Parley, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    server: OpenAIServer = parley.test_server  # type: ignore[attr-defined]
    tab = parley.training_tab
    parley.fine_tuning.poll_min, parley.fine_tuning.poll_max = 0.02, 0.1
    parley.window.tabs.setCurrentWidget(tab)
    run_until(qloop, lambda: tab.jobs.available is True)
    train = write_jsonl(tmp_path / "train.jsonl", [chat_example(i) for i in range(12)])
    valid = write_jsonl(tmp_path / "valid.jsonl", [chat_example(i) for i in range(12, 24)])
    tab.validation.set_file(train)
    tab.start.set_files(train, valid)
    assert run(qloop, tab.validation.validate()).passed
    assert run(qloop, tab.start.upload())
    assert run(qloop, tab.start.start_job()) is not None
    tab.show_panel(tab.jobs)
    server.advance(8.5)  # validated, queued, six steps
    run_until(qloop, lambda: len(tab.jobs.chart.points) == 6, timeout=30)
    chart = tab.jobs.chart
    assert [step for step, _ in chart.validation] == [2, 4, 6]
    assert chart.plot is not None and chart._items["legend"].isVisible()
    hover(qtbot, chart.plot, 4, chart.validation[1][1])
    assert "validation loss" in chart.readout_text() and chart.readout_text().startswith("Step 4")


def test_charts_are_not_imported_at_start_up() -> None:
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "import desktop_app.app\n"
        "from desktop_app.ui.training.jobs_panel import JobsPanel\n"
        "from desktop_app.ui.usage.usage_tab import UsageTab\n"
        "from desktop_app.ui.training.loss_chart import LossChart\n"
        "chart = LossChart(); chart.set_points([(1, 1.0)])\n"
        "print('pyqtgraph' in sys.modules, 'tiktoken' in sys.modules)\n"
        "chart.show(); app.processEvents()\n"
        "print('pyqtgraph' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.stdout.split() == ["False", "False", "True"]


def test_a_chart_is_drawn_without_qtopengl_as_in_the_bundle() -> None:
    """The bundle has no QtOpenGL binding (pyqtgraph imports it for an item Parley never
    uses): with it unimportable, a chart is still built and drawn."""
    code = (
        "import sys\n"
        "class NoOpenGL:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'PySide6.QtOpenGL':\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, NoOpenGL())\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from desktop_app.ui.training.loss_chart import LossChart\n"
        "chart = LossChart(); chart.set_points([(1, 2.0), (2, 1.0)]); chart.show()\n"
        "app.processEvents()\n"
        "print(chart.plot is not None and not chart.plot.grab().isNull())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.stdout.split() == ["True"]
