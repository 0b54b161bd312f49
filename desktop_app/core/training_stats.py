"""The spread of a per-example figure (tokens, assistant tokens, messages): min, max, mean,
median and the 5th and 95th percentiles.

Percentiles are interpolated linearly between the two nearest ranks — the rule numpy's
`quantile` uses by default (Hyndman & Fan's type 7): for `n` sorted values the q-th quantile
sits at position q·(n−1). OpenAI's cookbook labels `numpy.quantile(values, 0.1)` and `0.9` as
"p5 / p95"; those are the 10th and 90th percentiles. Here p5 and p95 are the 5th and 95th.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

PERCENTILE_RULE = "linear interpolation between the nearest ranks (numpy's default)"


def percentile(ordered: Sequence[float], q: float) -> float:
    """The q-th quantile (0 ≤ q ≤ 1) of values sorted ascending, by linear interpolation."""
    if not ordered:
        return 0.0
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q must be within 0 and 1, not {q}")
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    fraction = position - low
    return float(ordered[low] + (ordered[high] - ordered[low]) * fraction)


@dataclass(frozen=True)
class Spread:
    """Summary figures of one per-example value over a dataset."""

    count: int = 0
    minimum: float = 0
    maximum: float = 0
    mean: float = 0.0
    median: float = 0.0
    p5: float = 0.0
    p95: float = 0.0

    def figures(self) -> tuple[float, float, float, float, float, float]:
        """In the order the Validate panel shows them: min, p5, median, mean, p95, max."""
        return self.minimum, self.p5, self.median, self.mean, self.p95, self.maximum

    def describe(self) -> str:
        """One line: "min 12 · p5 14 · median 30 · mean 31.2 · p95 50 · max 60"."""
        names = ("min", "p5", "median", "mean", "p95", "max")
        return " · ".join(
            f"{n} {format_figure(v)}" for n, v in zip(names, self.figures(), strict=True)
        )


def spread(values: Sequence[int]) -> Spread:
    if not values:
        return Spread()
    ordered = sorted(values)
    return Spread(
        count=len(ordered),
        minimum=ordered[0],
        maximum=ordered[-1],
        mean=sum(ordered) / len(ordered),
        median=float(statistics.median(ordered)),
        p5=percentile(ordered, 0.05),
        p95=percentile(ordered, 0.95),
    )


def format_figure(value: float) -> str:
    """Whole numbers as such (with thousands separators), others with one decimal."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"
