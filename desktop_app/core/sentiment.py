"""Sentiment of a message with VADER, replacing the seed's keyword list.

VADER is a lexicon and rule-based model tuned for short, informal text; it needs no network and
scores a message in well under a millisecond once its lexicon is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05
# VADER's lexicon is tuned for sentences; a 50,000-character code dump would cost time and say
# nothing. The head and tail of a long reply carry its tone well enough.
MAX_CHARS = 4000
IMPORT_CHARS = 1200  # what an import reads of each message: see SentimentAnalyzer


@dataclass(frozen=True)
class Sentiment:
    label: str  # "positive" | "neutral" | "negative"
    compound: float  # VADER's normalised score in [-1, 1]

    def describe(self) -> str:
        return f"{self.label} ({self.compound:+.2f})"


def label_for(compound: float) -> str:
    """VADER's recommended thresholds for the compound score."""
    if compound >= POSITIVE_THRESHOLD:
        return "positive"
    if compound <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


class SentimentAnalyzer:
    """Loads the VADER lexicon on first use, so building one costs nothing at start-up."""

    def __init__(self, max_chars: int = MAX_CHARS) -> None:
        """`max_chars`: how much of a long text is read (its head and tail). VADER's time
        grows with the square of a text's length (its negation and idiom checks rescan the
        words for each word): 12 ms for 4,000 characters, 1 ms for 1,000 — which an import
        of hundreds of thousands of messages feels (`IMPORT_CHARS`)."""
        self._vader: Any = None
        self._max_chars = max_chars

    def analyze(self, text: str) -> Sentiment:
        if not text.strip():
            return Sentiment("neutral", 0.0)
        if self._vader is None:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            self._vader = SentimentIntensityAnalyzer()
        if len(text) > self._max_chars:
            half = self._max_chars // 2
            text = text[:half] + "\n" + text[-half:]
        compound = float(self._vader.polarity_scores(text)["compound"])
        return Sentiment(label_for(compound), round(compound, 4))
