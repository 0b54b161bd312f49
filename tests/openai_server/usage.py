"""The usage a reply reports, with the details the API gives, derived from the request.

Deterministic so a test can assert exact counts and prices:

- input tokens: the words of every message (or input item) plus ``IMAGE_TOKENS`` per image
  in the conversation; of those, ``image_tokens`` are the images' share;
- cached input tokens: the words of every message before the last user message (the prefix
  the server has seen before, as prompt caching would find it);
- output tokens: one per streamed piece, plus as many again as reasoning tokens for models
  that think before answering (o-series, gpt-5), as the API counts reasoning in the output;
  a reply that shows its reasoning (``reasoning.py``) counts one per piece of it instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .replies import content_text

Measure = Callable[[Any], tuple[str, int]]  # an item → its text and number of images

IMAGE_TOKENS = 85  # what the API bills a low-detail image
_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5")


def _chat_item(message: Any) -> tuple[str, int]:
    return content_text(message.get("content")) if isinstance(message, dict) else ("", 0)


def _words(items: list[Any], measure: Measure) -> int:
    return sum(len(measure(item)[0].split()) for item in items)


def _last_user(messages: list[Any]) -> int:
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if isinstance(message, dict) and message.get("role", "user") == "user":
            return index
    return len(messages)


def counts(
    messages: list[Any],
    pieces: int,
    model: str,
    measure: Measure = _chat_item,
    thoughts: int | None = None,
) -> dict[str, int]:
    """input, cached, image, output and reasoning tokens for a reply of ``pieces`` pieces
    (``thoughts``: the pieces of reasoning it streamed, when it showed its reasoning)."""
    images = sum(measure(item)[1] for item in messages) * IMAGE_TOKENS
    if thoughts is not None:
        reasoning = thoughts
    else:
        reasoning = pieces if model.startswith(_REASONING_PREFIXES) else 0
    return {
        "input": _words(messages, measure) + images,
        "cached": _words(messages[: _last_user(messages)], measure),
        "image": images,
        "output": pieces + reasoning,
        "reasoning": reasoning,
    }


def chat_usage(
    messages: list[Any], pieces: int, model: str, thoughts: int | None = None
) -> dict[str, Any]:
    """``usage`` of a chat completion."""
    c = counts(messages, pieces, model, thoughts=thoughts)
    return {
        "prompt_tokens": c["input"],
        "completion_tokens": c["output"],
        "total_tokens": c["input"] + c["output"],
        "prompt_tokens_details": {
            "cached_tokens": c["cached"],
            "audio_tokens": 0,
            "image_tokens": c["image"],
        },
        "completion_tokens_details": {
            "reasoning_tokens": c["reasoning"],
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def responses_usage(
    items: list[Any], pieces: int, model: str, measure: Measure, thoughts: int | None = None
) -> dict[str, Any]:
    """``usage`` of a Responses API response (``items``: the input as a list of items)."""
    c = counts(items, pieces, model, measure, thoughts)
    return {
        "input_tokens": c["input"],
        "input_tokens_details": {"cached_tokens": c["cached"], "image_tokens": c["image"]},
        "output_tokens": c["output"],
        "output_tokens_details": {"reasoning_tokens": c["reasoning"]},
        "total_tokens": c["input"] + c["output"],
    }
