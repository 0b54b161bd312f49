"""How many tokens a model's context holds, where Parley can know it.

Servers that say it in their model list are believed first: vLLM (`max_model_len`), LM
Studio (`max_context_length`), OpenRouter and others (`context_length`), llama.cpp (`meta`
with `n_ctx_train`, or `n_ctx`). For OpenAI's own families a short table gives the published
windows. Anything else is unknown (None): then only the knowledge budget bounds what Parley
adds to a request, and a server that runs out says so itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Longest prefix first: "gpt-4o-mini" before "gpt-4o", "gpt-4.1" before "gpt-4".
KNOWN = (
    ("gpt-5", 400_000),
    ("gpt-4.1", 1_047_576),
    ("gpt-4.5", 128_000),
    ("gpt-4o-mini", 128_000),
    ("gpt-4o", 128_000),
    ("gpt-4-turbo", 128_000),
    ("gpt-4", 8_192),
    ("gpt-3.5-turbo", 16_385),
    ("o4-mini", 200_000),
    ("o3", 200_000),
    ("o1", 200_000),
)
ENTRY_KEYS = ("max_model_len", "max_context_length", "context_length", "context_window")


def known_context(model: str) -> int | None:
    """The published window of an OpenAI model (a fine-tuned one: of its base), or None."""
    name = model.strip().lower()
    if name.startswith("ft:"):
        name = name[3:].split(":", 1)[0]
    name = name.rsplit("/", 1)[-1]
    for prefix, tokens in sorted(KNOWN, key=lambda pair: -len(pair[0])):
        if name.startswith(prefix):
            return tokens
    return None


def _positive(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and value > 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip()) or None
    return None


def context_from_entry(extra: Mapping[str, Any]) -> int | None:
    """What a server's model entry says about the window (None when it says nothing)."""
    for key in ENTRY_KEYS:
        found = _positive(extra.get(key))
        if found:
            return found
    meta = extra.get("meta")
    if isinstance(meta, Mapping):
        for key in ("n_ctx", "n_ctx_train"):
            found = _positive(meta.get(key))
            if found:
                return found
    return None
