"""The Usage tab: what replies cost, per day, model, assistant or dialogue, over a period.

A table (with its totals under it), a bar chart of the cost, the month's spend against the
budget, and CSV export of the table. The ledger is read and summed in a worker thread; when
the period or grouping changes while a read runs, only the newest read is shown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QDate
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.pricing import format_cost
from desktop_app.core.spend import (
    GROUPS,
    LedgerEntry,
    Period,
    Summary,
    custom_period,
    last_30_days,
    summarize,
    summary_csv,
    this_month,
)
from desktop_app.services.atomic_file import write_text_atomically
from desktop_app.services.failure_text import failure_message
from desktop_app.ui.icons import set_icon
from desktop_app.ui.task_keeper import TaskKeeper
from desktop_app.ui.theme import theme_colors
from desktop_app.ui.usage.bar_chart import MAX_BARS, BarChart
from desktop_app.ui.usage.usage_model import UsageModel, caveats, cost_text
from desktop_app.ui.widgets.file_dialogs import open_file_dialog
from desktop_app.ui.widgets.notice_banner import NoticeBanner
from desktop_app.ui.widgets.wrap_label import WrapLabel

PERIODS = {"month": "This month", "30days": "Last 30 days", "custom": "Custom…"}
CSV_FILTER = "CSV files (*.csv);;All files (*)"


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class UsageSource(Protocol):
    def entries(self, period: Period) -> list[LedgerEntry]: ...
    def month_to_date(self, today: date) -> float: ...


class UsageTab(QWidget):
    def __init__(
        self,
        source: UsageSource,
        budget: Callable[[], float],
        currency: Callable[[], str] = lambda: "USD",
        today: Callable[[], date] = date.today,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.source = source
        self.budget = budget
        self.currency = currency
        self.today = today  # the clock: tests give a fixed day
        self.tasks = TaskKeeper(
            on_error=lambda e: self.show_notice(failure_message("That action in the Usage tab", e))
        )
        self.summary: Summary | None = None
        self.file_dialog: QFileDialog | None = None
        self._generation = 0
        self._build()

    def _build(self) -> None:
        self.banner = NoticeBanner()
        self.period_picker = QComboBox()
        for key, text in PERIODS.items():
            self.period_picker.addItem(text, key)
        self.start_edit, self.end_edit = QDateEdit(), QDateEdit()
        day = self.today()
        today = QDate(day.year, day.month, day.day)
        self.start_edit.setDate(today.addDays(-29))
        self.end_edit.setDate(today)
        for edit in (self.start_edit, self.end_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(self._on_controls_changed)
        self.group_picker = QComboBox()
        for key, text in GROUPS.items():
            self.group_picker.addItem(f"by {text.lower()}", key)
        self.period_picker.currentIndexChanged.connect(self._on_controls_changed)
        self.group_picker.currentIndexChanged.connect(self._on_controls_changed)
        self.export_button = QPushButton("Export CSV…")
        set_icon(self.export_button, "upload")
        self.export_button.setToolTip("Save the table below as a CSV file")
        self.export_button.clicked.connect(self.open_export_dialog)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Period:"))
        controls.addWidget(self.period_picker)
        self.to_label = QLabel("to")
        controls.addWidget(self.start_edit)
        controls.addWidget(self.to_label)
        controls.addWidget(self.end_edit)
        controls.addWidget(self.group_picker)
        controls.addStretch(1)
        controls.addWidget(self.export_button)
        self.budget_label = QLabel()
        self.chart = BarChart()
        self.model = UsageModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.totals = WrapLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(controls)
        layout.addWidget(self.budget_label)
        layout.addWidget(self.chart)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.totals)
        self._show_custom(False)

    # --- controls --------------------------------------------------------------------------

    @property
    def group_by(self) -> str:
        return str(self.group_picker.currentData())

    def period(self) -> Period:
        key = self.period_picker.currentData()
        today = self.today()
        if key == "30days":
            return last_30_days(today)
        if key == "custom":
            return custom_period(_day(self.start_edit.date()), _day(self.end_edit.date()))
        return this_month(today)

    def _show_custom(self, shown: bool) -> None:
        for widget in (self.start_edit, self.to_label, self.end_edit):
            widget.setVisible(shown)

    def _on_controls_changed(self) -> None:
        self._show_custom(self.period_picker.currentData() == "custom")
        self.tasks.spawn(self.refresh())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.tasks.spawn(self.refresh())  # replies may have been priced since

    def ledger_changed(self) -> None:
        """A reply was priced: show it now if the tab is on screen (else when it is shown)."""
        if self.isVisible():
            self.tasks.spawn(self.refresh())

    def show_notice(self, text: str, level: str = "error") -> None:
        self.banner.show_message(text, level)

    # --- reading the ledger ----------------------------------------------------------------

    async def refresh(self) -> Summary | None:
        """Read and sum the period's ledger off the UI thread; show it unless a newer read
        started meanwhile. Returns what is shown (None if superseded)."""
        self._generation += 1
        generation = self._generation
        period, group_by, today = self.period(), self.group_by, self.today()

        def read() -> tuple[Summary, float]:
            summary = summarize(self.source.entries(period), group_by, period)
            return summary, self.source.month_to_date(today)

        summary, month = await asyncio.to_thread(read)
        if generation != self._generation:
            return None
        self._show(summary, month)
        return summary

    def _show(self, summary: Summary, month: float) -> None:
        self.summary = summary
        currency = self.currency()
        self.model.set_summary(summary, currency)
        bars = [(g.label, g.cost) for g in summary.groups]
        caption = "per day" if summary.group_by == "day" else ""
        if len(bars) > MAX_BARS:
            if summary.group_by == "day":
                bars = bars[-MAX_BARS:]
                caption = f"per day (last {MAX_BARS} days)"
            else:
                caption = f"(the {MAX_BARS} dearest of {len(bars)})"
        category = summary.group_by.replace("_", " ").capitalize()
        self.chart.set_bars(bars, lambda v: format_cost(v, currency), caption, category)
        total = summary.total
        text = (
            f"<b>Total: {cost_text(total, currency)}</b> · {total.replies:,} "
            f"{'reply' if total.replies == 1 else 'replies'} · {total.input:,} input tokens "
            f"({total.cached_input:,} cached) · {total.output:,} output tokens "
            f"({total.reasoning:,} reasoning)"
        )
        notes = caveats(total)
        muted = theme_colors().muted_text.name()
        self.totals.setText(
            f"{text}<br><span style='color:{muted}'>{notes}</span>" if notes else text
        )
        budget = self.budget()
        spent = format_cost(month, currency)
        if budget > 0:
            share = month / budget * 100
            self.budget_label.setText(
                f"This month: {spent} of your {format_cost(budget, currency)} budget ({share:.0f}%)"
            )
        else:
            self.budget_label.setText(f"This month: {spent} (no monthly budget set in Settings)")

    # --- export ----------------------------------------------------------------------------

    def open_export_dialog(self) -> None:
        name = f"parley-usage-{self.period().start.isoformat()}-by-{self.group_by}.csv"
        self.file_dialog = open_file_dialog(
            self,
            "Export usage",
            lambda paths: self.tasks.spawn(self.export_csv(paths[0])),
            CSV_FILTER,
            save_as=name,
        )

    async def export_csv(self, path: str | Path) -> bool:
        """Write the table as shown (its total last) to `path`."""
        summary = self.summary or await self.refresh()
        if summary is None:
            return False
        text = summary_csv(summary, self.currency())
        try:
            await asyncio.to_thread(write_text_atomically, Path(path), text)
        except OSError as exc:
            self.show_notice(failure_message(f"Writing {Path(path).name}", exc))
            return False
        self.show_notice(f"Saved {len(summary.groups)} rows and the total to {path}.", "info")
        return True

    async def shutdown(self) -> None:
        await self.tasks.shutdown()
