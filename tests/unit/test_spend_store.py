"""The ledger in the store: recording, reading, the upgrade from schema 2, budget flags."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from desktop_app.core.dialogue import Message
from desktop_app.core.pricing import Charge, TokenUsage
from desktop_app.core.spend import this_month
from desktop_app.services.chat_events import Usage
from desktop_app.services.migrations import LATEST, MIGRATIONS
from desktop_app.services.price_book import PriceBook
from desktop_app.services.spend_ledger import SpendLedger
from desktop_app.services.store import Store
from tests.support.clock import EDGE_DAYS, EDGE_IDS, noon

TODAY = EDGE_DAYS[0]  # the backfilled replies are dated in "this month" of this day
SPEND_VERSION = MIGRATIONS.index(next(m for m in MIGRATIONS if "CREATE TABLE usage" in m)) + 1


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "parley.db", tmp_path / "attachments")
    yield store
    store.close()


@pytest.fixture
def ledger(store: Store, tmp_path: Path) -> SpendLedger:
    return SpendLedger(store, PriceBook(tmp_path / "config" / "prices.json"))


def _reply(store: Store, dialogue: int, text: str = "hello", model: str = "gpt-4o-mini") -> Message:
    reply = Message("assistant", text, model=model, dialogue_id=dialogue)
    reply.id = store.add_message(dialogue, reply)
    return reply


def test_a_recorded_reply_carries_its_usage_when_read_back(
    store: Store, ledger: SpendLedger
) -> None:
    dialogue = store.create_dialogue("Costs")
    reply = _reply(store, dialogue)
    usage = ledger.record(reply, Usage(100, 20, cached_tokens=40, reasoning_tokens=5), [])
    assert usage is not None and reply.usage == usage
    row = ledger.prices.table.models["gpt-4o-mini"]
    expected = (60 * row.input + 40 * row.cached_input + 20 * row.output) / 1e6
    assert usage.charge.amount == pytest.approx(expected)
    [stored] = [m for m in store.messages(dialogue) if m.id == reply.id]
    assert stored.usage == usage
    assert store.dialogue_spend(dialogue).charge.amount == pytest.approx(expected)
    assert store.dialogue_spend(dialogue + 1) is None


def test_a_reply_without_usage_or_text_is_not_recorded(store: Store, ledger: SpendLedger) -> None:
    dialogue = store.create_dialogue("Nothing")
    assert ledger.record(_reply(store, dialogue, ""), Usage(None, None), []) is None
    assert store.usage_entries(0, 2e10) == []


def test_the_ledger_keeps_what_was_spent_when_a_dialogue_is_purged(
    store: Store, ledger: SpendLedger
) -> None:
    dialogue = store.create_dialogue("Gone soon")
    ledger.record(_reply(store, dialogue), Usage(10, 10), [])
    with store._transaction() as conn:
        conn.execute("DELETE FROM dialogues WHERE id = ?", (dialogue,))
    [entry] = store.usage_entries(0, 2e10)
    assert (entry.dialogue_id, entry.message_id, entry.tokens.total) == (None, None, 20)


def test_recording_a_reply_again_replaces_its_row(store: Store) -> None:
    dialogue = store.create_dialogue("Twice")
    reply = _reply(store, dialogue)
    for tokens in (TokenUsage(1, 0, 1, estimated=True), TokenUsage(5, 0, 5)):
        store.record_usage(reply.id, dialogue, None, "m", tokens, Charge(0.5))
    [entry] = store.usage_entries(0, 2e10)
    assert entry.tokens == TokenUsage(5, 0, 5)


@pytest.mark.parametrize("today", EDGE_DAYS, ids=EDGE_IDS)
def test_budget_warnings_fire_once_per_threshold_and_month(
    store: Store, ledger: SpendLedger, today: date
) -> None:
    dialogue = store.create_dialogue("Spend")
    spend = [0.5, 0.35, 0.1, 0.1, 0.5]  # running: 0.5, 0.85, 0.95, 1.05, 1.55 of a $1 budget
    said = []
    for amount in spend:
        store.record_usage(
            None, dialogue, None, "m", TokenUsage(1), Charge(amount), created_at=noon(today)
        )
        said.append(ledger.budget_warning(1.0, today))
    assert said[0] == "" and "past 80%" in said[1] and said[2] == ""
    assert "reached your monthly budget" in said[3] and said[4] == ""
    assert ledger.month_to_date(today) == pytest.approx(1.55)
    assert ledger.budget_warning(0, today) == ""  # no budget, no warning
    next_month = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    assert ledger.budget_warning(1.0, next_month) == ""  # nothing spent there yet


@pytest.mark.parametrize("today", EDGE_DAYS, ids=EDGE_IDS)
def test_both_thresholds_at_once_warn_once(store: Store, ledger: SpendLedger, today: date) -> None:
    store.record_usage(None, None, None, "m", TokenUsage(1), Charge(5.0), created_at=noon(today))
    assert "reached" in ledger.budget_warning(2.0, today)
    assert ledger.budget_warning(2.0, today) == ""
    previous_month = this_month(today).start - timedelta(days=1)
    assert ledger.budget_warning(2.0, previous_month) == ""  # nothing was spent there


def test_model_lifecycle_is_cached_per_provider(store: Store) -> None:
    store.cache_models("p", [("a", "", None), ("b", "", None)])
    store.set_model_lifecycle("p", {"a": ("2027-01-01", "b")})
    assert store.model_lifecycle("p") == {"a": ("2027-01-01", "b")}
    assert store.model_lifecycle("other") == {}


def _database_before_spend(path: Path) -> None:
    conn = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[: SPEND_VERSION - 1], start=1):
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    conn.execute(
        "INSERT INTO dialogues (id, title, model, created_at, updated_at) "
        "VALUES (1, 'Old chat', 'gpt-4o', 1.0, 2.0)"
    )
    created = this_month(TODAY).bounds[0] + 60
    conn.executemany(
        "INSERT INTO messages (dialogue_id, role, content, model, prompt_tokens, "
        "completion_tokens, status, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            ("user", "hello", "gpt-4o", None, None, "complete", created, created),
            ("assistant", "hi there", "gpt-4o", 12, 3, "complete", created, created),
            ("assistant", "no count", "gpt-4o", None, None, "complete", created, created),
        ],
    )
    conn.execute(
        "INSERT INTO models (provider, id, owned_by, created, fetched_at) "
        "VALUES ('p', 'gpt-4o', 'system', 1, 1.0)"
    )
    conn.commit()
    conn.close()


def test_upgrading_keeps_the_token_counts_of_earlier_replies(tmp_path: Path) -> None:
    database = tmp_path / "old.db"
    _database_before_spend(database)
    store = Store.open(database, tmp_path / "att")
    try:
        [entry] = store.usage_entries(*this_month(TODAY).bounds)
        assert (entry.model, entry.tokens.input, entry.tokens.output) == ("gpt-4o", 12, 3)
        assert entry.cost is None and entry.dialogue_title == "Old chat"
        messages = store.messages(1)
        assert messages[1].usage is not None and messages[1].usage.tokens.total == 15
        assert messages[2].usage is None
        assert store.cached_models("p") == ["gpt-4o"] and store.model_lifecycle("p") == {}
    finally:
        store.close()
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST


def test_the_monthly_budget_is_a_validated_setting(tmp_path: Path) -> None:
    from dataclasses import replace

    from desktop_app.services.settings import Settings, SettingsError, load_settings, save_settings

    path = tmp_path / "settings.json"
    assert Settings().monthly_budget == 0.0  # no budget unless the user sets one
    save_settings(replace(Settings(), monthly_budget=25), path)
    assert load_settings(path)[0].monthly_budget == 25.0
    with pytest.raises(SettingsError) as caught:
        replace(Settings(), monthly_budget=-1.0).validated()
    assert caught.value.field == "monthly_budget"
