"""Models that are going away: when a model stops being served, and what to use instead.

The server's model list may give a `shutdown_date`; the price table may know one too (and a
suggested replacement). The server's word wins for the date. A fine-tuned model retires with
its base, so it is looked up by its base as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from desktop_app.core.pricing import PriceTable, base_model

RETIRING_WITHIN_DAYS = 90


@dataclass(frozen=True)
class Retirement:
    model: str
    shutdown: date
    replacement: str = ""

    def label(self, today: date) -> str:
        """Short, for a list: "⚠ retiring 2027-01-10 → use gpt-4.1-mini"."""
        verb = "retired" if self.shutdown <= today else "retiring"
        text = f"⚠ {verb} {self.shutdown.isoformat()}"
        return f"{text} → use {self.replacement}" if self.replacement else text

    def sentence(self, today: date) -> str:
        """Whole, for a notice or a tooltip."""
        days = (self.shutdown - today).days
        when = self.shutdown.isoformat()
        if days > 0:
            text = f"{self.model} will be shut down on {when} (in {days} day{'s' * (days != 1)})."
        else:
            text = f"{self.model} was shut down on {when}; requests to it may fail."
        if self.replacement:
            text += f" The suggested replacement is {self.replacement}."
        return text


def parse_shutdown(value: Any) -> date | None:
    """A date from a model list: ISO text (a date or a timestamp) or Unix seconds."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, tz=UTC).date()
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    return None


def retirement(
    model: str,
    server: Mapping[str, tuple[str, str]],
    table: PriceTable | None,
    today: date,
    within_days: int = RETIRING_WITHIN_DAYS,
) -> Retirement | None:
    """The retirement of `model` if it is due within `within_days` (or already past).

    `server` maps model ids to (shutdown date, replacement) as the model list gave them.
    """
    name = model.strip()
    if not name:
        return None
    found = table.lookup(name) if table is not None else None
    row = found[1] if found else None
    shutdown: date | None = None
    replacement = ""
    for key in dict.fromkeys((name, base_model(name))):
        if key in server:
            shutdown = parse_shutdown(server[key][0])
            replacement = server[key][1]
            if shutdown is not None:
                break
    if shutdown is None and row is not None:
        shutdown = parse_shutdown(row.shutdown_date)
    if shutdown is None or (shutdown - today).days > within_days:
        return None
    if not replacement and row is not None:
        replacement = row.replacement
    return Retirement(name, shutdown, replacement)
