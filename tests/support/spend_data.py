"""A month of made-up spend in the ledger: replies on several models, assistants and dialogues,
some estimated and some on a model the price table does not know."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from desktop_app.core.pricing import PriceTable, TokenUsage, price
from desktop_app.services.store import Store

MODELS = ("gpt-4o-mini", "gpt-4o", "o4-mini", "gpt-4.1-nano", "local-llama")


def generate_month(
    store: Store, table: PriceTable, first: date, last: date, per_day: int = 8, seed: int = 9
) -> int:
    """Record `per_day` replies on each day from `first` to `last`; returns how many."""
    rng = random.Random(seed)
    assistants = _assistants(store)
    dialogues = [store.create_dialogue(f"Dialogue {n}") for n in range(1, 13)]
    count = 0
    day = first
    while day <= last:
        for _ in range(per_day):
            when = datetime.combine(day, datetime.min.time()) + timedelta(
                seconds=rng.randrange(60, 86_340)
            )
            model = rng.choice(MODELS)
            given = rng.randrange(50, 20_000)
            tokens = TokenUsage(
                input=given,
                cached_input=rng.randrange(0, given),
                output=rng.randrange(10, 4_000),
                reasoning=rng.randrange(0, 500) if model == "o4-mini" else 0,
                estimated=rng.random() < 0.1,
            )
            store.record_usage(
                None,
                rng.choice(dialogues),
                rng.choice([None, *assistants]),
                model,
                tokens,
                price(tokens, model, table),
                created_at=when.timestamp(),
            )
            count += 1
        day += timedelta(days=1)
    return count


def _assistants(store: Store) -> list[int]:
    from desktop_app.core.assistants import AssistantProfile

    saved = [store.save_assistant(AssistantProfile(n, "gpt-4o")) for n in ("Coder", "Critic")]
    return [a.id for a in saved if a.id is not None]
