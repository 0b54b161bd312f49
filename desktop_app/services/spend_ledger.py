"""What every reply cost, written down as it finishes, and the monthly budget's warnings.

A reply the server reported usage for is priced exactly; one it never reported (a stream cut
short, a server that does not count) is priced on an estimate of what was sent and what
arrived, and marked so. A reply that failed before any text came is not recorded: nothing
was generated.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from desktop_app.core.budget import THRESHOLDS, due_warnings, flag_name, warning_text
from desktop_app.core.dialogue import Message
from desktop_app.core.pricing import (
    Charge,
    ReplyUsage,
    estimate_usage,
    measure_request,
    price,
)
from desktop_app.core.spend import LedgerEntry, Period, this_month
from desktop_app.services.chat_events import Usage
from desktop_app.services.price_book import PriceBook
from desktop_app.services.store import Store


class SpendLedger:
    def __init__(self, store: Store, prices: PriceBook) -> None:
        self.store = store
        self.prices = prices
        # Called (on the thread that recorded, the event loop's) after each reply is priced.
        self.listeners: list[Callable[[], None]] = []
        self._budget_lock = threading.Lock()

    def record(
        self,
        reply: Message,
        usage: Usage,
        request: Sequence[dict[str, Any]],
        local: bool = False,
    ) -> ReplyUsage | None:
        """Price a finished reply, keep it in the ledger and on `reply.usage`. A reply from a
        server on this computer (Ollama, LM Studio, llama.cpp, any loopback or private
        address) costs nothing, whatever its model is called — unless the user priced that
        model in Settings → Prices."""
        if reply.id is None or not (usage.reported or reply.content or reply.reasoning):
            return None
        if usage.reported:
            tokens = usage.tokens()
        else:  # reasoning that streamed as text is output too, and billed so
            chars, images = measure_request(request)
            tokens = estimate_usage(chars, images, reply.content + reply.reasoning)
        table = self.prices.table
        if local and reply.model.lower() not in self.prices.user_priced():
            charge = Charge(0.0, table.currency, tokens.estimated, "local")
        else:
            charge = price(tokens, reply.model, table)
        self.store.record_usage(
            reply.id, reply.dialogue_id, reply.assistant_id, reply.model, tokens, charge
        )
        reply.usage = ReplyUsage(tokens, charge)
        for listener in list(self.listeners):
            listener()
        return reply.usage

    def entries(self, period: Period) -> list[LedgerEntry]:
        return self.store.usage_entries(*period.bounds)

    def month_to_date(self, today: date) -> float:
        return self.store.spend_between(*this_month(today).bounds)

    def budget_warning(self, budget: float, today: date) -> str:
        """The warning the month's spend has newly earned, or "" — each threshold warns once
        a month (when both are reached at once, the higher one speaks for both)."""
        if budget <= 0:
            return ""
        with self._budget_lock:
            spent = self.month_to_date(today)
            fired = {t for t in THRESHOLDS if self.store.get_flag(flag_name(today, t))}
            due = due_warnings(spent, budget, fired)
            for threshold in due:
                self.store.set_flag(flag_name(today, threshold), "1")
        if not due:
            return ""
        return warning_text(max(due), spent, budget, self.prices.table.currency)
