"""The monthly budget: which warnings a month-to-date spend has earned (a notice, never a block).

Each threshold warns once a month; the caller remembers which have fired (`flag_name`).
"""

from __future__ import annotations

from datetime import date

from desktop_app.core.pricing import format_cost

THRESHOLDS = (80, 100)  # per cent of the budget


def month_key(today: date) -> str:
    return f"{today.year:04d}-{today.month:02d}"


def flag_name(today: date, threshold: int) -> str:
    return f"budget_warned:{month_key(today)}:{threshold}"


def reached(spent: float, budget: float) -> list[int]:
    """The thresholds `spent` has reached; none without a budget (0 means none)."""
    if budget <= 0:
        return []
    return [t for t in THRESHOLDS if spent >= budget * t / 100]


def due_warnings(spent: float, budget: float, fired: set[int]) -> list[int]:
    """Thresholds reached and not warned about yet this month, lowest first."""
    return [t for t in reached(spent, budget) if t not in fired]


def warning_text(threshold: int, spent: float, budget: float, currency: str = "USD") -> str:
    spent_text, budget_text = format_cost(spent, currency), format_cost(budget, currency)
    if threshold >= 100:
        return (
            f"This month's spend ({spent_text}) has reached your monthly budget of "
            f"{budget_text}. Replies still go out; the Usage tab shows where it went."
        )
    return (
        f"This month's spend ({spent_text}) is past {threshold}% of your monthly budget "
        f"of {budget_text}."
    )
