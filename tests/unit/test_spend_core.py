"""Model retirements, budget thresholds and the ledger summed up — pure functions."""

from __future__ import annotations

import csv
import io
import math
from datetime import date, datetime, timedelta

import pytest

from desktop_app.core.budget import due_warnings, flag_name, reached, warning_text
from desktop_app.core.lifecycle import Retirement, parse_shutdown, retirement
from desktop_app.core.pricing import ModelPrice, PriceTable, TokenUsage
from desktop_app.core.spend import (
    LedgerEntry,
    Period,
    custom_period,
    last_30_days,
    summarize,
    summary_csv,
    this_month,
)

TODAY = date(2026, 11, 25)
TABLE = PriceTable(
    "2025-11-20",
    models={
        "o1-mini": ModelPrice(1.1, 4.4, shutdown_date="2025-10-27", replacement="o4-mini"),
        "gpt-4o-mini": ModelPrice(0.15, 0.6, shutdown_date="2027-06-01", replacement="x"),
        "o3-mini": ModelPrice(1.1, 4.4, replacement="o4-mini"),
    },
)


def test_the_server_date_wins_and_the_table_suggests_the_replacement() -> None:
    server = {"o3-mini": ("2027-01-09", "")}
    found = retirement("o3-mini", server, TABLE, TODAY)
    assert found == Retirement("o3-mini", date(2027, 1, 9), "o4-mini")
    assert found.label(TODAY) == "⚠ retiring 2027-01-09 → use o4-mini"
    assert "in 45 days" in found.sentence(TODAY) and "o4-mini" in found.sentence(TODAY)


def test_only_models_retiring_within_90_days_or_already_gone_are_flagged() -> None:
    near = {"m": ((TODAY + timedelta(days=90)).isoformat(), "n")}
    far = {"m": ((TODAY + timedelta(days=91)).isoformat(), "n")}
    assert retirement("m", near, None, TODAY) == Retirement("m", TODAY + timedelta(90), "n")
    assert retirement("m", far, None, TODAY) is None
    assert retirement("gpt-4o-mini", {}, TABLE, TODAY) is None  # the table's date is far off
    gone = retirement("o1-mini", {}, TABLE, TODAY)
    assert gone is not None and gone.label(TODAY) == "⚠ retired 2025-10-27 → use o4-mini"
    assert "was shut down" in gone.sentence(TODAY)
    assert retirement("o3-mini", {}, TABLE, TODAY) is None  # a replacement alone is no date


def test_a_fine_tuned_model_retires_with_its_base() -> None:
    server = {"o3-mini": ("2027-01-09", "o4-mini")}
    found = retirement("ft:o3-mini:org::abc", server, None, TODAY)
    assert found is not None and found.shutdown == date(2027, 1, 9)
    found = retirement("ft:o1-mini-2024-09-12:org::abc", {}, TABLE, TODAY)
    assert found is not None and found.replacement == "o4-mini"


def test_shutdown_dates_in_the_forms_servers_use() -> None:
    assert parse_shutdown("2027-01-09") == date(2027, 1, 9)
    assert parse_shutdown("2027-01-09T00:00:00Z") == date(2027, 1, 9)
    assert parse_shutdown(1_799_452_800) == date(2027, 1, 9)
    assert parse_shutdown("soon") is None and parse_shutdown(None) is None
    assert parse_shutdown(True) is None


def test_budget_thresholds() -> None:
    assert reached(79.99, 100) == [] and reached(80, 100) == [80]
    assert reached(150, 100) == [80, 100] and reached(1_000, 0) == []
    assert due_warnings(85, 100, set()) == [80]
    assert due_warnings(85, 100, {80}) == []
    assert due_warnings(120, 100, {80}) == [100]
    assert flag_name(TODAY, 80) == "budget_warned:2026-11:80"
    assert "80%" in warning_text(80, 81.5, 100) and "$81.50" in warning_text(80, 81.5, 100)
    assert "reached your monthly budget of $100.00" in warning_text(100, 100, 100)


def test_periods() -> None:
    assert this_month(TODAY) == Period(date(2026, 11, 1), TODAY)
    assert last_30_days(TODAY).start == date(2026, 10, 27) and len(last_30_days(TODAY).days()) == 30
    assert custom_period(TODAY, date(2026, 11, 1)) == Period(date(2026, 11, 1), TODAY)
    start, end = Period(TODAY, TODAY).bounds
    assert end - start == pytest.approx(86_400, abs=3_600)  # a day (DST may shift an hour)
    assert datetime.fromtimestamp(start).date() == TODAY


def _at(day: int, hour: int = 12) -> float:
    return datetime(2026, 11, day, hour).timestamp()


ENTRIES = [
    LedgerEntry(_at(2), "gpt-4o", TokenUsage(10, 5, 20), 0.1, dialogue_id=1, dialogue_title="A"),
    LedgerEntry(
        _at(2, 18),
        "gpt-4o-mini",
        TokenUsage(1, 0, 2, estimated=True),
        0.2,
        dialogue_id=2,
        dialogue_title="B",
        assistant_id=7,
        assistant_name="Coder",
    ),
    LedgerEntry(
        _at(4),
        "gpt-4o",
        TokenUsage(3, 0, 4, reasoning=2),
        0.3,
        dialogue_id=1,
        dialogue_title="A",
        assistant_id=7,
        assistant_name="Coder",
    ),
    LedgerEntry(_at(4), "llama3", TokenUsage(3, 0, 4), None, dialogue_id=None),
]


def test_summaries_by_each_grouping_add_up_to_the_total() -> None:
    period = Period(date(2026, 11, 1), date(2026, 11, 5))
    for group_by in ("day", "model", "assistant", "dialogue"):
        summary = summarize(ENTRIES, group_by, period)
        assert summary.total.cost == math.fsum([0.1, 0.2, 0.3])
        assert sum(g.replies for g in summary.groups) == 4 == summary.total.replies
        assert sum(g.input for g in summary.groups) == 17
        assert summary.total.estimated == 1 and summary.total.unpriced == 1
    days = summarize(ENTRIES, "day", period).groups
    assert [g.label for g in days] == [f"2026-11-0{d}" for d in range(1, 6)]
    assert [g.replies for g in days] == [0, 2, 0, 2, 0]
    models = summarize(ENTRIES, "model").groups
    assert [(g.label, g.replies) for g in models] == [
        ("gpt-4o", 2),
        ("gpt-4o-mini", 1),
        ("llama3", 1),
    ]
    assert [g.label for g in summarize(ENTRIES, "assistant").groups] == ["Coder", "(no assistant)"]
    assert [g.label for g in summarize(ENTRIES, "dialogue").groups] == [
        "A",
        "B",
        "(deleted dialogue)",
    ]
    with pytest.raises(ValueError):
        summarize(ENTRIES, "colour")


def test_the_csv_has_a_header_a_line_per_group_and_the_total_last() -> None:
    text = summary_csv(summarize(ENTRIES, "model"))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "model" and rows[0][-1] == "cost (USD)"
    assert [r[0] for r in rows[1:]] == ["gpt-4o", "gpt-4o-mini", "llama3", "Total"]
    assert rows[-1][1] == "4" and float(rows[-1][-1]) == pytest.approx(0.6)
    assert rows[1][1:7] == ["2", "13", "5", "24", "2", "0"]
