"""Finding dialogues for the conversation list's filter: by title words, then by message text."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core.dialogue import Message
from desktop_app.services import history_store
from desktop_app.services.dialogue_finder import like_pattern
from desktop_app.services.history_store import HistoryStore


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    store = HistoryStore.open(tmp_path / "parley.db", tmp_path / "attachments")
    yield store
    store.close()


def add(store: HistoryStore, title: str, *texts: str) -> int:
    dialogue = store.create_dialogue(title)
    for text in texts:
        store.add_message(dialogue, Message("user", text))
    return dialogue


def test_title_words_match_anywhere_in_any_case_in_list_order(store: HistoryStore) -> None:
    trip = add(store, "Trip to Lisbon")
    taxes = add(store, "Taxes: what to deduct")
    lisbon = add(store, "lisbon trams, again")
    store.set_pinned([trip], True)
    assert [r.id for r in store.find_by_title("LISBON")] == [trip, lisbon]  # pinned first
    assert [r.id for r in store.find_by_title("tram lis")] == [lisbon]  # every word, any order
    assert [r.id for r in store.find_by_title("to")] == [trip, taxes]
    assert store.find_by_title("  ") == [] and store.find_by_title("Madrid") == []
    store.move_to_trash([lisbon])
    assert [r.id for r in store.find_by_title("lisbon")] == [trip]


def test_like_wildcards_typed_by_the_user_are_literal(store: HistoryStore) -> None:
    underscored = add(store, "snake_case names")
    add(store, "snakeXcase")
    sure = add(store, "100% sure")
    assert like_pattern("5%_\\") == "%5\\%\\_\\\\%"
    assert [r.id for r in store.find_by_title("snake_case")] == [underscored]  # "_" is literal
    assert [r.id for r in store.find_by_title("100%")] == [sure]  # "%" is no word: "100"


def test_message_text_finds_other_dialogues_newest_first(store: HistoryStore) -> None:
    whales = add(store, "Whale facts", "tell me about whales")
    trip = add(store, "Old trip", "Lisbon has trams", "and whales offshore")
    add(store, "Pasta", "salt the water")
    found = store.find_by_text("whale")
    assert [r.id for r in found] == [trip, whales]  # a prefix while typed; newest first
    assert found[0].message_count == 2
    assert [r.id for r in store.find_by_text("whale", exclude={whales})] == [trip]
    assert store.find_by_text("") == [] and store.find_by_text("NEAR(") == []


def test_every_version_is_searched_but_not_deleted_messages_or_the_trash(
    store: HistoryStore,
) -> None:
    kept = add(store, "Kept", "narwhal tusks")
    versions = store.create_dialogue("Regenerated")
    question = store.add_message(versions, Message("user", "sing"))
    store.add_message(versions, Message("assistant", "narwhal song"))
    store.add_message(versions, Message("assistant", "whale song"), parent_id=question)
    erased = store.create_dialogue("Erased")
    store.delete_message(store.add_message(erased, Message("user", "narwhal secrets")))
    gone = add(store, "Deleted", "narwhal migration")
    store.move_to_trash([gone])
    # The reply Regenerate replaced is another version, not gone: the list finds it.
    assert [r.id for r in store.find_by_text("narwhal")] == [versions, kept]


def test_a_very_common_word_looks_only_at_the_newest_matches(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_store, "RANKED_MATCHES", 3)
    ids = [add(store, f"Chat {n}", f"common word {n}") for n in range(6)]
    found = [r.id for r in store.find_by_text("common")]
    assert found == ids[:2:-1]  # the three newest matching messages' dialogues
