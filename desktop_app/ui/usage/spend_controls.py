"""Spend in the window: the Usage tab kept current as replies are priced, the monthly budget's
warnings in the Chat tab, and the Prices… editor that Settings opens.

Built by the app once the ledger exists; it owns the Usage tab and the tasks it starts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import date
from typing import Protocol

from PySide6.QtWidgets import QTabWidget, QWidget

from desktop_app.core.price_table import PriceRow
from desktop_app.services.failure_text import failure_message
from desktop_app.services.price_book import PriceBook
from desktop_app.services.spend_ledger import SpendLedger
from desktop_app.ui.prices_dialog import PricesDialog
from desktop_app.ui.task_keeper import TaskKeeper
from desktop_app.ui.usage.usage_tab import UsageTab


class NoticeTarget(Protocol):
    """Where budget warnings go (the Chat tab)."""

    def show_notice(
        self,
        text: str,
        level: str = ...,
        action: str = ...,
        on_action: Callable[[], None] | None = ...,
    ) -> None: ...


class SpendControls:
    def __init__(
        self,
        ledger: SpendLedger,
        prices: PriceBook,
        budget: Callable[[], float],
        tabs: QTabWidget,
        notices: NoticeTarget,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.ledger = ledger
        self.prices = prices
        self.budget = budget
        self.tabs = tabs
        self.notices = notices
        self.today = today
        self.tasks = TaskKeeper()
        self.usage_tab = UsageTab(ledger, budget, lambda: prices.table.currency, today)
        self.prices_dialog: PricesDialog | None = None
        ledger.listeners.append(self._on_ledger_reply_priced)

    def _on_ledger_reply_priced(self) -> None:
        self.usage_tab.ledger_changed()
        self.tasks.spawn(self.check_budget())

    async def check_budget(self) -> str:
        """Warn when the month's spend passes 80% or 100% of the budget (once each a month);
        returns the warning given, or ""."""
        text = await asyncio.to_thread(self.ledger.budget_warning, self.budget(), self.today())
        if text:
            self.notices.show_notice(text, "warning", "Show usage", self.show_usage)
        return text

    def show_usage(self) -> None:
        self.tabs.setCurrentWidget(self.usage_tab)

    def open_prices(self, parent: QWidget) -> PricesDialog:
        dialog = PricesDialog(self.prices.table, self.prices.shipped, self.save_prices, parent)
        self.prices_dialog = dialog
        dialog.open()  # not exec(): the event loop keeps running
        return dialog

    def save_prices(self, rows: Sequence[PriceRow]) -> str | None:
        """Keep the user's prices (they price replies from now on). Error sentence or None."""
        try:
            self.prices.save_rows(rows)
        except OSError as exc:
            return failure_message("Saving the prices", exc)
        return None

    async def shutdown(self) -> None:
        await self.tasks.shutdown()
        await self.usage_tab.shutdown()
