"""Date arithmetic on the days where calendars break: month and year ends, a leap day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from desktop_app.core.history import group_label, short_date
from desktop_app.core.spend import last_30_days, this_month
from tests.support.clock import EDGE_DAYS, EDGE_IDS, noon


def at(day: date, hour: int = 12) -> float:
    return datetime.combine(day, time(hour)).timestamp()


@pytest.mark.parametrize("today", EDGE_DAYS, ids=EDGE_IDS)
def test_history_headings_follow_the_local_calendar(today: date) -> None:
    now = noon(today)
    yesterday = today - timedelta(days=1)
    assert group_label(at(today, 0), now) == "Today"
    assert group_label(at(yesterday, 23), now) == "Yesterday"
    assert group_label(at(today - timedelta(days=6)), now) == "Previous 7 days"
    week_before = today - timedelta(days=7)
    expected = (
        "Earlier this month"
        if (week_before.year, week_before.month) == (today.year, today.month)
        else f"{week_before:%B %Y}"
    )
    assert group_label(at(week_before), now) == expected
    assert group_label(at(today), now, pinned=True) == "Pinned"
    assert short_date(at(today, 9), now) == "09:00"
    last_year = date(today.year - 1, 6, 15)
    assert short_date(at(last_year), now).endswith(str(today.year - 1))


@pytest.mark.parametrize("today", EDGE_DAYS, ids=EDGE_IDS)
def test_spend_periods_hold_whole_local_days(today: date) -> None:
    month = this_month(today)
    assert month.start == today.replace(day=1) and month.end == today
    assert len(month.days()) == today.day
    start, end = month.bounds
    assert start <= noon(today) < end and end == at(today + timedelta(days=1), 0)
    window = last_30_days(today)
    assert len(window.days()) == 30 and window.days()[-1] == today
    assert window.bounds[0] == at(today - timedelta(days=29), 0)
