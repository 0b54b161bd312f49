"""Days on which date arithmetic tends to break, for tests that depend on "today".

Code that asks what day it is takes a clock (`today: Callable[[], date]`); tests hand it one of
these instead of the real date, so they pass on any day they happen to run.
"""

from __future__ import annotations

from datetime import date, datetime, time

EDGE_DAYS = (
    date(2026, 12, 1),  # the first of a month: "this month" holds a single day
    date(2027, 4, 30),  # the last day of a 30-day month
    date(2028, 2, 29),  # a leap day
    date(2026, 12, 31),  # New Year's Eve ...
    date(2027, 1, 1),  # ... and the day after: the year changes in every window
)
EDGE_IDS = [d.isoformat() for d in EDGE_DAYS]


def noon(day: date) -> float:
    """A timestamp in the middle of `day` (local time), far from either midnight."""
    return datetime.combine(day, time(12)).timestamp()
