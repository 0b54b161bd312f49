"""A reply's reasoning and stream timing in the database: the migration that adds them (and
re-indexes every existing message), checkpoints, recovery, and search inside the reasoning."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop_app.core.dialogue import Dialogue, Message, Status, from_log
from desktop_app.core.history import HIT_START, SearchFilters
from desktop_app.core.importers import ImportedDialogue
from desktop_app.services.history_store import HistoryStore
from desktop_app.services.migrations import LATEST, MIGRATIONS
from desktop_app.services.store import Store
from tests.support.old_databases import link_like_parley

# Found by what it does, not by its number: other migrations may land before or after it.
REASONING_VERSION = 1 + next(i for i, m in enumerate(MIGRATIONS) if "COLUMN reasoning " in m)
THOUGHT = "Considering the walrus carefully before answering"


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    store = HistoryStore.open(tmp_path / "parley.db", tmp_path / "attachments")
    yield store
    store.close()


def reply_with_reasoning(store: Store, content: str = "Walruses are large.") -> int:
    dialogue = store.create_dialogue("Sea mammals")
    store.add_message(dialogue, Message("user", "Tell me about walruses"))
    reply = store.add_message(dialogue, Message("assistant", "", status=Status.STREAMING))
    store.finish_message(
        reply,
        content=content,
        status=Status.COMPLETE,
        reasoning=THOUGHT,
        reasoning_seconds=2.5,
        first_token_seconds=0.75,
        tokens_per_second=42.0,
    )
    return reply


def fts_is_intact(store: HistoryStore) -> None:
    """FTS5 checks its index against the messages table ("database disk image is malformed"
    otherwise): a trigger that indexed or removed other values than the row has fails here."""
    with sqlite3.connect(store.database) as conn:
        conn.execute("INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)")


def test_reasoning_and_timing_are_stored_and_read_back(store: HistoryStore) -> None:
    reply_id = reply_with_reasoning(store)
    reply = store.get_message(reply_id)
    assert reply is not None
    assert (reply.content, reply.reasoning) == ("Walruses are large.", THOUGHT)
    assert (reply.reasoning_seconds, reply.first_token_seconds, reply.tokens_per_second) == (
        2.5,
        0.75,
        42.0,
    )
    user = store.messages(reply.dialogue_id)[0]
    assert (user.reasoning, user.reasoning_seconds, user.tokens_per_second) == ("", None, None)


def test_a_checkpoint_keeps_the_reasoning_and_recovery_keeps_it_too(tmp_path: Path) -> None:
    database = tmp_path / "parley.db"
    store = Store.open(database, tmp_path / "att")
    dialogue = store.create_dialogue("Thinking")
    reply = store.add_message(dialogue, Message("assistant", "", status=Status.STREAMING))
    store.checkpoint(reply, "", "Let me think about")
    store.close()  # the app dies while the model thinks
    store = Store.open(database, tmp_path / "att")
    try:
        recovered = store.get_message(reply)
        assert recovered is not None and recovered.status is Status.INTERRUPTED
        assert (recovered.content, recovered.reasoning) == ("", "Let me think about")
        store.checkpoint(reply, "late", "late thought")  # a late checkpoint changes nothing
        assert store.get_message(reply).reasoning == "Let me think about"  # type: ignore[union-attr]
    finally:
        store.close()


def test_search_finds_words_only_in_the_reasoning_and_says_so(store: HistoryStore) -> None:
    reply_id = reply_with_reasoning(store)
    (hit,) = store.search_messages("carefully", SearchFilters())
    assert (hit.message_id, hit.in_reasoning) == (reply_id, True)
    assert HIT_START + "carefully" in hit.snippet and "Walruses are" not in hit.snippet
    (hit,) = store.search_messages("large", SearchFilters())
    assert (hit.message_id, hit.in_reasoning) == (reply_id, False)
    assert HIT_START + "large" in hit.snippet
    # In both the text and the reasoning: the hit shows the text.
    both = store.search_messages("walrus", SearchFilters())
    assert {h.in_reasoning for h in both} == {False}
    (simple,) = store.search("carefull")
    assert simple.in_reasoning and "[carefully]" in simple.snippet


def test_edits_and_purges_keep_the_index_consistent(store: HistoryStore) -> None:
    reply_id = reply_with_reasoning(store)
    store.set_content(reply_id, "Walruses have tusks.")
    assert store.search_messages("tusks", SearchFilters())[0].message_id == reply_id
    assert store.search_messages("carefully", SearchFilters())[0].message_id == reply_id
    fts_is_intact(store)
    dialogue = store.get_message(reply_id).dialogue_id  # type: ignore[union-attr]
    store.move_to_trash([dialogue])
    store.purge()
    assert store.search_messages("carefully", SearchFilters()) == []
    fts_is_intact(store)


def test_upgrade_indexes_existing_messages_anew(tmp_path: Path) -> None:
    database = tmp_path / "old.db"
    before = REASONING_VERSION - 1
    with sqlite3.connect(database) as conn:
        conn.executescript("\n".join(MIGRATIONS[:before]) + f"\nPRAGMA user_version = {before};")
        conn.execute(
            "INSERT INTO dialogues (id, title, created_at, updated_at) VALUES (1, 'Old', 1, 1)"
        )
        conn.executemany(
            "INSERT INTO messages (dialogue_id, role, content, created_at, updated_at) "
            "VALUES (1, ?, ?, 1, 1)",
            [("user", "remember the walrus"), ("assistant", "the walrus was Paul")],
        )
        link_like_parley(conn)
    store = HistoryStore.open(database, tmp_path / "att")
    try:
        with sqlite3.connect(database) as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        hits = store.search_messages("walrus", SearchFilters())
        assert sorted(h.message_id for h in hits) == [1, 2]
        assert store.search("paul")[0].message_id == 2
        old = store.get_message(2)
        assert old is not None and (old.reasoning, old.first_token_seconds) == ("", None)
        reply_with_reasoning(store)
        assert store.search_messages("carefully", SearchFilters())[0].in_reasoning
        fts_is_intact(store)
    finally:
        store.close()


def test_an_imported_log_keeps_its_reasoning(store: HistoryStore) -> None:
    """A JSON log exported with its reasoning comes back with it, and is searchable."""
    log = [
        {"role": "user", "content": "Hi", "timestamp": "2026-01-01T10:00:00+00:00"},
        {"role": "assistant", "content": "Hello!", "reasoning": "Greet them warmly"},
    ]
    dialogue = Dialogue("Imported", messages=from_log(log))
    (dialogue_id,) = store.insert_dialogues([ImportedDialogue(dialogue)])
    assert [m.reasoning for m in store.messages(dialogue_id)] == ["", "Greet them warmly"]
    (hit,) = store.search_messages("warmly", SearchFilters())
    assert hit.in_reasoning and hit.dialogue_id == dialogue_id
    fts_is_intact(store)
