"""The spend ledger summed up: per day, model, assistant or dialogue, over a period, as CSV.

Pure: the store hands over the ledger entries of a period, these functions group them. Costs
are summed with `math.fsum` (exactly rounded), so a total is the same whatever the order and
equals the sum of the ledger it came from.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from desktop_app.core.pricing import TokenUsage
from desktop_app.core.providers import model_label

GROUPS = {"day": "Day", "model": "Model", "assistant": "Assistant", "dialogue": "Dialogue"}
NO_ASSISTANT = "(no assistant)"
DELETED_DIALOGUE = "(deleted dialogue)"


@dataclass(frozen=True)
class LedgerEntry:
    """One priced reply, with the names it is grouped by."""

    created_at: float
    model: str
    tokens: TokenUsage
    cost: float | None  # None: the price table had no price for the model
    currency: str = "USD"
    dialogue_id: int | None = None
    dialogue_title: str = ""
    assistant_id: int | None = None
    assistant_name: str = ""
    message_id: int | None = None


@dataclass(frozen=True)
class Period:
    """Whole local days from `start` to `end`, both included."""

    start: date
    end: date

    @property
    def bounds(self) -> tuple[float, float]:
        """Unix times [from, to) in local time."""
        begin = datetime.combine(self.start, time())
        finish = datetime.combine(self.end + timedelta(days=1), time())
        return begin.timestamp(), finish.timestamp()

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def this_month(today: date) -> Period:
    return Period(today.replace(day=1), today)


def last_30_days(today: date) -> Period:
    return Period(today - timedelta(days=29), today)


def custom_period(start: date, end: date) -> Period:
    return Period(min(start, end), max(start, end))


@dataclass
class SpendTotal:
    """The sums for one group (or all): replies, tokens by kind, and cost."""

    key: str
    label: str
    replies: int = 0
    input: int = 0
    cached_input: int = 0
    output: int = 0
    reasoning: int = 0
    image: int = 0
    estimated: int = 0  # replies whose tokens were estimated
    unpriced: int = 0  # replies with no price for their model
    costs: list[float] = field(default_factory=list, repr=False)

    @property
    def cost(self) -> float:
        return math.fsum(self.costs)

    def add(self, entry: LedgerEntry) -> None:
        self.replies += 1
        tokens = entry.tokens
        self.input += tokens.input
        self.cached_input += tokens.cached_input
        self.output += tokens.output
        self.reasoning += tokens.reasoning
        self.image += tokens.image
        self.estimated += tokens.estimated
        if entry.cost is None:
            self.unpriced += 1
        else:
            self.costs.append(entry.cost)


@dataclass(frozen=True)
class Summary:
    group_by: str
    groups: list[SpendTotal]
    total: SpendTotal


def _key(entry: LedgerEntry, group_by: str) -> tuple[str, str]:
    if group_by == "day":
        day = datetime.fromtimestamp(entry.created_at).date().isoformat()
        return day, day
    if group_by == "model":
        return entry.model, model_label(entry.model) or "(unknown model)"
    if group_by == "assistant":
        if entry.assistant_id is None:
            return "", NO_ASSISTANT
        return str(entry.assistant_id), entry.assistant_name or f"assistant {entry.assistant_id}"
    if entry.dialogue_id is None:
        return "", DELETED_DIALOGUE
    return str(entry.dialogue_id), entry.dialogue_title or f"dialogue {entry.dialogue_id}"


def summarize(
    entries: Iterable[LedgerEntry], group_by: str, period: Period | None = None
) -> Summary:
    """Group the entries; by day, every day of `period` is listed (empty ones as zero) in
    order, otherwise the dearest group comes first."""
    if group_by not in GROUPS:
        raise ValueError(f"cannot group by {group_by!r}")
    total = SpendTotal("", "Total")
    groups: dict[str, SpendTotal] = {}
    if group_by == "day" and period is not None:
        for day in period.days():
            groups[day.isoformat()] = SpendTotal(day.isoformat(), day.isoformat())
    for entry in entries:
        key, label = _key(entry, group_by)
        groups.setdefault(key, SpendTotal(key, label)).add(entry)
        total.add(entry)
    rows = list(groups.values())
    if group_by == "day":
        rows.sort(key=lambda g: g.key)
    else:
        rows.sort(key=lambda g: (-g.cost, -g.replies, g.label.lower()))
    return Summary(group_by, rows, total)


CSV_COLUMNS = (
    "replies",
    "input tokens",
    "cached input tokens",
    "output tokens",
    "reasoning tokens",
    "image tokens",
    "estimated replies",
    "unpriced replies",
)


def summary_csv(summary: Summary, currency: str = "USD") -> str:
    """The Usage table as CSV: a header, one line per group, and the total last."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([GROUPS[summary.group_by].lower(), *CSV_COLUMNS, f"cost ({currency})"])
    for row in [*summary.groups, summary.total]:
        writer.writerow(
            [
                row.label,
                row.replies,
                row.input,
                row.cached_input,
                row.output,
                row.reasoning,
                row.image,
                row.estimated,
                row.unpriced,
                f"{row.cost:.6f}",
            ]
        )
    return out.getvalue()
