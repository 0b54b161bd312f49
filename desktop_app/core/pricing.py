"""What a reply cost: token counts priced by a dated table (per model, per million tokens).

Pure functions over plain values. The table is `core.price_table`'s job to read; here a model
id is matched to its row (a fine-tuned model by its base, a dated snapshot by its family) and
the usage is priced. Cached input is part of the input count and is billed at its own rate;
reasoning tokens are part of the output count and billed as output (they are recorded, not
billed twice). Image tokens are part of the input, billed at `image_input` where a model has
such a rate (image models) and as ordinary input otherwise.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

PER = 1_000_000  # prices are per million tokens
CHARS_PER_TOKEN = 4  # the usual rule of thumb for English text, used for estimates
IMAGE_TOKENS_ESTIMATE = 85  # a low-detail image; the least any image costs
_SNAPSHOT = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{4})$")


@dataclass(frozen=True)
class TokenUsage:
    """Tokens of one reply. `estimated` when the server never said (a stream cut short)."""

    input: int = 0
    cached_input: int = 0
    output: int = 0
    reasoning: int = 0
    image: int = 0
    estimated: bool = False

    @property
    def total(self) -> int:
        return self.input + self.output


@dataclass(frozen=True)
class ModelPrice:
    """One row of the price table, in the table's currency per million tokens."""

    input: float
    output: float
    cached_input: float | None = None  # None: cached input costs as much as input
    image_input: float | None = None  # image models price image tokens apart
    notes: str = ""
    shutdown_date: str = ""  # ISO date the provider stops serving the model, if announced
    replacement: str = ""  # the model the provider suggests instead


@dataclass(frozen=True)
class PriceTable:
    as_of: str
    currency: str = "USD"
    models: Mapping[str, ModelPrice] = field(default_factory=dict)

    def lookup(self, model: str) -> tuple[str, ModelPrice] | None:
        """The row that prices `model` and its name, or None when the table has none."""
        for name in candidate_names(model):
            row = self.models.get(name)
            if row is not None:
                return name, row
        return None


@dataclass(frozen=True)
class Charge:
    """What a reply cost. `amount` is None when the table has no price for the model."""

    amount: float | None
    currency: str = "USD"
    estimated: bool = False
    priced_as: str = ""  # the table row used (the base of a fine-tuned model, …)


def base_model(model: str) -> str:
    """The model a fine-tuned one was trained from: `ft:gpt-4o-mini-2024-07-18:org::abc` →
    `gpt-4o-mini-2024-07-18`; the legacy `davinci:ft-org-2023-…` → `davinci`."""
    model = model.strip()
    if model.startswith("ft:"):
        return model[3:].split(":", 1)[0]
    if ":ft-" in model:
        return model.split(":ft-", 1)[0]
    return model


def candidate_names(model: str) -> list[str]:
    """Names to look a model up by, most specific first: the id itself (a provider's
    `openai/` prefix dropped), its fine-tuning base, that base without its snapshot date."""
    names: list[str] = []
    name = model.strip().lower()
    for step in (name, name.rsplit("/", 1)[-1]):
        base = base_model(step)
        for candidate in (step, base, _SNAPSHOT.sub("", base)):
            if candidate and candidate not in names:
                names.append(candidate)
    return names


def price(usage: TokenUsage, model: str, table: PriceTable) -> Charge:
    """Price one reply's usage. An estimated usage gives an estimated charge."""
    found = table.lookup(model)
    if found is None:
        return Charge(None, table.currency, usage.estimated)
    name, row = found
    cached = min(usage.cached_input, usage.input)
    image = min(usage.image, usage.input - cached) if row.image_input is not None else 0
    plain = usage.input - cached - image
    amount = (
        plain * row.input
        + cached * (row.input if row.cached_input is None else row.cached_input)
        + image * (row.image_input or 0.0)
        + usage.output * row.output
    ) / PER
    return Charge(amount, table.currency, usage.estimated, name)


def measure_request(messages: Iterable[Any]) -> tuple[int, int]:
    """Characters of text and number of images in chat-style messages (what was sent)."""
    chars = images = 0
    for message in messages:
        content = message.get("content") if isinstance(message, Mapping) else None
        parts = [content] if isinstance(content, str) else content or []
        for part in parts:
            if isinstance(part, str):
                chars += len(part)
            elif isinstance(part, Mapping) and isinstance(part.get("text"), str):
                chars += len(part["text"])
            elif isinstance(part, Mapping) and "image" in str(part.get("type", "")):
                images += 1
    return chars, images


def estimate_output(reply_text: str) -> int:
    """The output tokens of a reply's text (and reasoning) when the server did not count them."""
    return math.ceil(len(reply_text) / CHARS_PER_TOKEN)


def estimate_usage(request_chars: int, images: int, reply_text: str) -> TokenUsage:
    """A usage for a reply the server never reported: about four characters per token for
    text (what was sent, what arrived), the least an image costs for each image."""
    prompt = math.ceil(request_chars / CHARS_PER_TOKEN) + images * IMAGE_TOKENS_ESTIMATE
    output = estimate_output(reply_text)
    return TokenUsage(
        input=prompt, output=output, image=images * IMAGE_TOKENS_ESTIMATE, estimated=True
    )


MAX_COST_DECIMALS = 8  # a hundred-millionth of a dollar; anything smaller reads "<$0.00000001"


def format_cost(amount: float | None, currency: str = "USD") -> str:
    """$1.23 from a dollar up; below it, at least four decimals and two significant digits.

    So a cheap reply keeps what it cost: $0.0012, $0.000014 (never $0.0000), $0.12 as $0.1200.
    Other currencies are written with their code after the number.
    """
    if amount is None:
        return "no price"
    size = abs(amount)
    if size >= 1 or amount == 0:
        digits = 2
    else:
        digits = min(MAX_COST_DECIMALS, max(4, 1 - math.floor(math.log10(size))))
    if 0 < size < 0.5 * 10**-MAX_COST_DECIMALS:
        sign = "-" if amount < 0 else ""
        smallest = f"{10**-MAX_COST_DECIMALS:.{MAX_COST_DECIMALS}f}"
        return f"<{sign}${smallest}" if currency == "USD" else f"<{sign}{smallest} {currency}"
    if currency == "USD":
        return f"-${-amount:,.{digits}f}" if amount < 0 else f"${amount:,.{digits}f}"
    return f"{amount:,.{digits}f} {currency}"


def usage_label(usage: TokenUsage, charge: Charge | None) -> str:
    """ "1,234 tokens · $0.0012" — with "≈" in front of both when they are estimates."""
    mark = "≈" if usage.estimated else ""
    text = f"{mark}{usage.total:,} tokens"
    if charge is not None and charge.amount is not None:
        text += f" · {mark}{format_cost(charge.amount, charge.currency)}"
    return text


@dataclass(frozen=True)
class ReplyUsage:
    """A reply's tokens and what they cost, as shown in the transcript."""

    tokens: TokenUsage
    charge: Charge

    @property
    def label(self) -> str:
        return usage_label(self.tokens, self.charge)
