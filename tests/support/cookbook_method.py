"""The figures OpenAI's cookbook ("Data preparation and analysis for chat model fine-tuning")
computes for a dataset, written from its formulas, to set beside Validate's.

Its formulas: num_tokens_from_messages — 3 tokens per message, the tokens of every value of
the message, 1 more for a `name`, and 3 for the reply's priming; num_assistant_tokens — the
tokens of each assistant message's content; messages — len(messages); and its distribution:
min, max, numpy's mean and median, and what it prints as "p5 / p95": numpy.quantile at 0.1
and 0.9.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Count = Callable[[str], int]


def num_tokens_from_messages(messages: list[dict[str, Any]], count: Count) -> int:
    total = 0
    for message in messages:
        total += 3
        for key, value in message.items():
            total += count(value)
            if key == "name":
                total += 1
    return total + 3


def num_assistant_tokens(messages: list[dict[str, Any]], count: Count) -> int:
    return sum(count(m["content"]) for m in messages if m["role"] == "assistant")


def cookbook_distribution(values: list[int]) -> dict[str, float]:
    """What the cookbook's print_distribution prints, under the names it prints."""
    return {
        "min": float(min(values)),
        "max": float(max(values)),
        "mean": float(np.mean(values)),
        "median": float(np.median(values)),
        "p5 (its quantile 0.1)": float(np.quantile(values, 0.1)),
        "p95 (its quantile 0.9)": float(np.quantile(values, 0.9)),
    }


def cookbook_figures(examples: list[dict[str, Any]], count: Count) -> dict[str, dict[str, float]]:
    return {
        "tokens": cookbook_distribution(
            [num_tokens_from_messages(e["messages"], count) for e in examples]
        ),
        "assistant_tokens": cookbook_distribution(
            [num_assistant_tokens(e["messages"], count) for e in examples]
        ),
        "messages": cookbook_distribution([len(e["messages"]) for e in examples]),
    }
