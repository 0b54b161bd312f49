"""The Usage tab over a generated month of spend: totals equal the ledger, every grouping,
periods, the chart, CSV export, and reading off the UI thread."""

from __future__ import annotations

import csv
import math
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QPoint, Qt

from desktop_app.core.pricing import format_cost
from desktop_app.core.spend import last_30_days, this_month
from desktop_app.services.price_book import PriceBook
from desktop_app.services.spend_ledger import SpendLedger
from desktop_app.services.store import Store
from desktop_app.ui.theme import theme_colors
from desktop_app.ui.usage.bar_chart import short_label
from desktop_app.ui.usage.usage_model import COST
from desktop_app.ui.usage.usage_tab import UsageTab
from tests.support.charts import hover, move_to, view_point
from tests.support.clock import EDGE_DAYS, EDGE_IDS
from tests.support.loop import run, run_until
from tests.support.spend_data import generate_month


@pytest.fixture(params=EDGE_DAYS, ids=EDGE_IDS)
def today(request: pytest.FixtureRequest) -> date:
    """Every test here runs on each of the days where calendars break (the tab's clock)."""
    return request.param


@pytest.fixture
def ledger(tmp_path: Path, today: date) -> SpendLedger:
    store = Store.open(tmp_path / "parley.db", tmp_path / "attachments")
    ledger = SpendLedger(store, PriceBook(tmp_path / "prices.json"))
    # This month so far, and the month before it (which "this month" must leave out).
    month = this_month(today)
    before = month.start - timedelta(days=1)
    generate_month(store, ledger.prices.table, before.replace(day=1), before, per_day=4, seed=1)
    generate_month(store, ledger.prices.table, month.start, today, per_day=8, seed=2)
    yield ledger
    store.close()


@pytest.fixture
def tab(qloop, qtbot, ledger, today):  # type: ignore[no-untyped-def]
    tab = UsageTab(ledger, lambda: 25.0, today=lambda: today)
    qtbot.addWidget(tab)
    yield tab
    run(qloop, tab.shutdown())


def ledger_costs(ledger: SpendLedger, start: float, end: float) -> list[float]:
    """The ledger as stored, read straight from the table."""
    rows = ledger.store._query(
        "SELECT cost FROM usage WHERE created_at >= ? AND created_at < ? AND cost IS NOT NULL",
        (start, end),
    )
    return [r["cost"] for r in rows]


def pick(combo, key: str) -> None:  # type: ignore[no-untyped-def]
    combo.setCurrentIndex(combo.findData(key))


def test_totals_equal_the_ledger_in_every_grouping(
    qloop, tab, ledger, today, qtmodeltester
) -> None:
    month = this_month(today)
    costs = ledger_costs(ledger, *month.bounds)
    entries = ledger.store.usage_entries(*month.bounds)
    replies = len(entries)
    assert replies == 8 * today.day
    for group_by in ("day", "model", "assistant", "dialogue"):
        pick(tab.group_picker, group_by)
        summary = run(qloop, tab.refresh())
        assert summary.group_by == group_by and tab.summary is summary
        assert summary.total.cost == math.fsum(costs)  # exactly: both are correctly rounded
        assert summary.total.replies == replies
        shown = [
            tab.model.index(r, COST).data(Qt.ItemDataRole.UserRole)
            for r in range(tab.model.rowCount())
        ]
        assert math.fsum(shown) == pytest.approx(math.fsum(costs), rel=1e-12)
        assert len(tab.chart.bars) == tab.model.rowCount()
        qtmodeltester.check(tab.model)
    assert tab.model.rowCount() == len({e.dialogue_title for e in entries})  # by dialogue
    assert f"${math.fsum(costs):,.2f}" in tab.totals.text()
    # The caveats under the totals are said exactly when the month holds such replies.
    estimated = any(e.tokens.estimated for e in entries)
    unpriced = any(e.cost is None for e in entries)
    assert ("estimated" in tab.totals.text()) == estimated
    assert ("no price" in tab.totals.text()) == unpriced
    assert tab.model.headerData(0, Qt.Orientation.Horizontal) == "Dialogue"
    assert "of your $25.00 budget" in tab.budget_label.text()


def test_days_are_listed_in_order_with_empty_ones(qloop, tab, ledger, today) -> None:
    pick(tab.period_picker, "30days")
    summary = run(qloop, tab.refresh())
    period = last_30_days(today)
    assert [g.label for g in summary.groups] == [d.isoformat() for d in period.days()]
    assert summary.total.cost == math.fsum(ledger_costs(ledger, *period.bounds))
    assert summary.groups[-1].replies == 8


def test_a_custom_period(qloop, qtbot, tab, ledger, today) -> None:
    pick(tab.period_picker, "custom")
    assert tab.start_edit.isVisibleTo(tab) and tab.end_edit.isVisibleTo(tab)
    assert tab.end_edit.date() == QDate(today.year, today.month, today.day)  # the tab's clock
    start = this_month(today).start
    first = start - timedelta(days=3)
    tab.start_edit.setDate(QDate(first.year, first.month, first.day))
    tab.end_edit.setDate(QDate(start.year, start.month, start.day))
    run_until(qloop, lambda: tab.summary is not None and len(tab.summary.groups) == 4)
    assert [g.replies for g in tab.summary.groups] == [4, 4, 4, 8]
    pick(tab.period_picker, "month")
    assert not tab.start_edit.isVisibleTo(tab)


def test_changing_the_grouping_refreshes_and_only_the_newest_read_is_shown(qloop, tab) -> None:
    pick(tab.group_picker, "model")
    pick(tab.group_picker, "assistant")  # two reads race; the model one must not win
    run_until(qloop, lambda: tab.tasks.running == 0)
    assert tab.summary.group_by == "assistant"
    assert [g.label for g in tab.summary.groups][-1] in ("Coder", "Critic", "(no assistant)")


def test_export_writes_the_table_and_its_total(qloop, tab, ledger, today, tmp_path) -> None:
    pick(tab.group_picker, "model")
    run(qloop, tab.refresh())
    target = tmp_path / "usage.csv"
    assert run(qloop, tab.export_csv(target))
    rows = list(csv.reader(target.read_text(encoding="utf-8").splitlines()))
    assert rows[0][0] == "model" and rows[-1][0] == "Total"
    assert [r[0] for r in rows[1:-1]] == [g.label for g in tab.summary.groups]
    assert float(rows[-1][-1]) == pytest.approx(
        math.fsum(ledger_costs(ledger, *this_month(today).bounds))
    )
    assert "Saved" in tab.banner.text
    assert not run(qloop, tab.export_csv(tmp_path / "missing" / "usage.csv"))
    assert tab.banner.level == "error" and "Traceback" not in tab.banner.text


def test_the_export_button_opens_a_save_dialog_that_does_not_block(qloop, qtbot, tab, tmp_path):  # type: ignore[no-untyped-def]
    run(qloop, tab.refresh())
    qtbot.mouseClick(tab.export_button, Qt.MouseButton.LeftButton)
    dialog = tab.file_dialog
    assert dialog is not None and dialog.isVisible()
    target = tmp_path / "chosen.csv"
    dialog.selectFile(str(target))
    dialog.accept()
    run_until(qloop, lambda: target.exists() and tab.tasks.running == 0)
    assert target.read_text(encoding="utf-8").startswith("day,")


def test_the_ledger_is_read_off_the_ui_thread(qloop, tab, ledger, monkeypatch) -> None:
    threads = []
    entries = ledger.entries

    def spy(period):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        return entries(period)

    monkeypatch.setattr(ledger, "entries", spy)
    run(qloop, tab.refresh())
    assert threads and threads[0] is not threading.main_thread()


def test_the_chart_draws_a_bar_per_group_and_names_it_on_hover(qloop, qtbot, tab) -> None:
    pick(tab.group_picker, "model")
    run(qloop, tab.refresh())
    tab.resize(800, 600)
    tab.show()
    qtbot.waitExposed(tab)
    chart = tab.chart
    assert chart.plot is not None and chart.height() == chart.sizeHint().height()
    groups = tab.summary.groups
    assert [label for label, _ in chart.bars] == [g.label for g in groups]
    plot = chart.plot.getPlotItem()
    names = [text for _x, text in plot.getAxis("bottom")._tickLevels[0]]
    assert names == [short_label(g.label) for g in groups]  # every bar is named under it
    assert plot.getAxis("bottom").labelText == "Model"
    currency = tab.currency()
    over = [label.toPlainText() for label in chart._value_labels]
    # and its value over it (a group that cost nothing, or has no price, has no value there)
    assert over == [format_cost(g.cost, currency) for g in groups if g.cost]
    middle = groups[0].cost / 2  # of the dearest, the first bar
    dearest = view_point(chart.plot, 0, middle)
    assert chart.plot.grab().toImage().pixelColor(dearest) == theme_colors().accent
    assert chart.bar_at(0.2) == 0 and chart.bar_at(0.5) is None

    hover(qtbot, chart.plot, 0, middle)
    assert chart.readout_text() == f"{groups[0].label}: {format_cost(groups[0].cost, currency)}"
    assert chart.hovered == 0
    move_to(qtbot, chart.plot, QPoint(2, 2))  # off the plot
    assert chart.readout_text() == "" and chart.hovered is None
