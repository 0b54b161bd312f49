"""What a fine-tuning run would cost: the epochs the service picks, billed tokens, price.

The epoch rule is the one OpenAI's cookbook describes: 3 epochs by default, raised or lowered
so that examples × epochs lands within 100–25,000, and never outside 1–25. Examples longer
than the model's limit are truncated, so they are billed at the limit. Prices are list prices
per million training tokens as published in 2025 — an approximation: check the provider's
pricing page before a large run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from desktop_app.core.pricing import format_cost
from desktop_app.core.training_stats import spread

TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25
MIN_EXAMPLES = 10
DEFAULT_LIMIT = 65_536
HISTOGRAM_BINS = 12


@dataclass(frozen=True)
class ModelSpec:
    """A base model that can be fine-tuned: its per-example token limit and training price
    (US$ per million tokens; None when unknown)."""

    name: str
    limit: int = DEFAULT_LIMIT
    price: float | None = None


# Longest prefix wins; a fine-tune of a model (`ft:gpt-4o-mini:…`) bills like its base.
MODEL_SPECS = (
    ModelSpec("gpt-4.1-nano", 65_536, 1.50),
    ModelSpec("gpt-4.1-mini", 65_536, 5.00),
    ModelSpec("gpt-4.1", 65_536, 25.00),
    ModelSpec("gpt-4o-mini", 65_536, 3.00),
    ModelSpec("gpt-4o", 65_536, 25.00),
    ModelSpec("gpt-3.5-turbo", 16_385, 8.00),
)
FINE_TUNABLE = (
    "gpt-4.1-2025-04-14",
    "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano-2025-04-14",
    "gpt-4o-2024-08-06",
    "gpt-4o-mini-2024-07-18",
    "gpt-3.5-turbo-0125",
)


def model_spec(model: str) -> ModelSpec:
    name = model.lower().removeprefix("ft:")
    for spec in sorted(MODEL_SPECS, key=lambda s: -len(s.name)):
        if name.startswith(spec.name):
            return spec
    return ModelSpec(model)


def default_epochs(examples: int) -> int:
    """The epochs the service picks when left on "auto"."""
    if examples <= 0:
        return TARGET_EPOCHS
    epochs = TARGET_EPOCHS
    if examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        epochs = min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // examples)
    elif examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        epochs = max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // examples)
    return epochs


@dataclass(frozen=True)
class Distribution:
    """Token counts of the examples: the summary figures and a histogram (bin edges and
    counts; `edges` has one more entry than `counts`). p5 and p95 are the true 5th and 95th
    percentiles (see training_stats)."""

    minimum: int = 0
    median: float = 0.0
    maximum: int = 0
    mean: float = 0.0
    edges: tuple[int, ...] = ()
    counts: tuple[int, ...] = ()
    p5: float = 0.0
    p95: float = 0.0


def distribution(tokens: Sequence[int], bins: int = HISTOGRAM_BINS) -> Distribution:
    if not tokens:
        return Distribution()
    low, high = min(tokens), max(tokens)
    width = max(1, -(-(high - low + 1) // bins))  # ceiling division
    edges = tuple(low + i * width for i in range(bins + 1))
    counts = [0] * bins
    for n in tokens:
        counts[min((n - low) // width, bins - 1)] += 1
    while len(counts) > 1 and counts[-1] == 0:  # narrow ranges need fewer bins
        counts.pop()
    figures = spread(tokens)
    return Distribution(
        low,
        figures.median,
        high,
        figures.mean,
        edges[: len(counts) + 1],
        tuple(counts),
        figures.p5,
        figures.p95,
    )


@dataclass(frozen=True)
class Estimate:
    model: str
    examples: int
    epochs: int
    tokens_per_epoch: int  # billed: each example counted up to the limit
    truncated: int  # examples over the limit
    limit: int
    price: float | None
    epochs_chosen: bool = False  # True when the user set them, not "auto"

    @property
    def billed_tokens(self) -> int:
        return self.tokens_per_epoch * self.epochs

    @property
    def cost(self) -> float | None:
        return None if self.price is None else self.billed_tokens / 1_000_000 * self.price

    def summary(self) -> str:
        how = "chosen" if self.epochs_chosen else "the service's default"
        epochs = f"{self.epochs} epoch{'s' if self.epochs != 1 else ''}"
        text = (
            f"{self.examples:,} examples × {epochs} ({how}) ≈ {self.billed_tokens:,} billed tokens"
        )
        if self.cost is not None:
            text += f" ≈ US{format_cost(self.cost)} for {self.model} (list price, approximate)"
        else:
            text += f"; no price is known for {self.model}"
        return text + "."


def estimate(tokens: Sequence[int], model: str, epochs: int | None = None) -> Estimate:
    spec = model_spec(model)
    chosen = epochs is not None
    return Estimate(
        model=model,
        examples=len(tokens),
        epochs=epochs if epochs is not None else default_epochs(len(tokens)),
        tokens_per_epoch=sum(min(spec.limit, n) for n in tokens),
        truncated=sum(1 for n in tokens if n > spec.limit),
        limit=spec.limit,
        price=spec.price,
        epochs_chosen=chosen,
    )
