"""What the History tab shows about a dialogue and a search hit, and how it groups them.

Pure values and rules: the store fills these from SQL, the Qt models display them, and the
tests check the rules without either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

# Marks around the words a search matched, inside a snippet; the UI turns them into bold text.
# Control characters, so they can never collide with what a user wrote.
HIT_START = "\x02"
HIT_END = "\x03"

PINNED_GROUP = "Pinned"
SENTIMENTS = ("positive", "neutral", "negative")


@dataclass(frozen=True)
class DialogueRow:
    """One line of the History list: a dialogue and its summary."""

    id: int
    title: str
    model: str
    assistant: str
    created_at: float
    updated_at: float
    pinned: bool
    deleted_at: float | None
    message_count: int
    positive: int = 0
    neutral: int = 0
    negative: int = 0

    @property
    def mood(self) -> str:
        return mood_summary(self.positive, self.neutral, self.negative)


@dataclass(frozen=True)
class SearchHit:
    """A message that matched a search; `snippet` carries HIT_START/HIT_END marks.

    `in_reasoning`: the words were found in what the model thought, not in what it said (the
    snippet is then from the reasoning, and the row says so)."""

    message_id: int
    dialogue_id: int
    title: str
    role: str
    model: str
    created_at: float
    sentiment_label: str
    snippet: str
    in_reasoning: bool = False


@dataclass(frozen=True)
class SearchFilters:
    """Narrow a search. Empty strings and None mean "any"; `until` is exclusive."""

    model: str = ""
    role: str = ""
    since: float | None = None
    until: float | None = None
    sentiment: str = ""
    assistant: str = ""
    has_image: bool = False

    @property
    def active(self) -> bool:
        return self != SearchFilters()


def mood_summary(positive: int, neutral: int, negative: int) -> str:
    """A few words for the tone of a dialogue, from the sentiment of its messages."""
    rated = positive + neutral + negative
    if not rated:
        return ""
    for count, label in ((positive, "positive"), (negative, "negative"), (neutral, "neutral")):
        if count * 2 > rated:
            return f"mostly {label}"
    return "mixed" if positive and negative else "neutral"


def group_label(timestamp: float, now: float, pinned: bool = False) -> str:
    """The heading a dialogue is listed under: Pinned, Today, Yesterday, This week, a month.

    Days follow the local calendar, as the user reads dates, not 24-hour windows.
    """
    if pinned:
        return PINNED_GROUP
    day = datetime.fromtimestamp(timestamp).date()
    today = datetime.fromtimestamp(now).date()
    if day >= today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    if day > today - timedelta(days=7):
        return "Previous 7 days"
    if (day.year, day.month) == (today.year, today.month):
        return "Earlier this month"
    return f"{day:%B %Y}"


def snippet_html(snippet: str) -> str:
    """A snippet as HTML: escaped, matched words in bold, on one line."""
    import html

    text = html.escape(" ".join(snippet.split()))
    return text.replace(HIT_START, "<b>").replace(HIT_END, "</b>")


def search_words(text: str) -> list[str]:
    """The words of a search, as the full-text index splits them (to highlight them again)."""
    return re.findall(r"\w+", text)


def fts_query(text: str) -> str:
    """User text → an FTS5 query: every word must match; the last, while typed, as a prefix.

    Each word is quoted, so FTS syntax typed by the user (AND, NEAR, quotes, colons) never
    becomes a syntax error. A one-letter prefix would match most of the index and tell the
    user nothing, so it is matched as a whole word.
    """
    words = search_words(text)
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    if not text.rstrip()[-1:].isspace() and len(words[-1]) > 1:
        quoted[-1] += "*"
    return " ".join(quoted)


def short_date(timestamp: float, now: float) -> str:
    """When, in the fewest words that are unambiguous from where the user stands."""
    moment = datetime.fromtimestamp(timestamp)
    today = datetime.fromtimestamp(now).date()
    if moment.date() == today:
        return f"{moment:%H:%M}"
    if moment.year == today.year:
        return f"{moment:%d %b}".lstrip("0")
    return f"{moment:%d %b %Y}".lstrip("0")
