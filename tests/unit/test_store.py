"""The store: round trip, search, migrations, concurrency, and replies cut mid-stream."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from desktop_app.core.dialogue import Message, Status
from desktop_app.core.history import fts_query
from desktop_app.services.migrations import LATEST
from desktop_app.services.store import Store, StoreError
from desktop_app.services.store_errors import DAMAGED


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "parley.db", tmp_path / "attachments")
    yield store
    store.close()


def test_round_trip_keeps_every_field(store: Store) -> None:
    dialogue = store.create_dialogue("Trip", model="gpt-4o", system="Be brief")
    user = Message(
        "user", "Hello ünïcode 👋", model="gpt-4o", sentiment_label="positive", sentiment_score=0.5
    )
    store.add_message(dialogue, user)
    reply_id = store.add_message(dialogue, Message("assistant", "", status=Status.STREAMING))
    store.finish_message(
        reply_id,
        content="Hi!",
        status=Status.COMPLETE,
        sentiment_label="neutral",
        sentiment_score=0.0,
        prompt_tokens=3,
        completion_tokens=2,
    )
    loaded = store.get_dialogue(dialogue)
    assert loaded is not None
    assert (loaded.title, loaded.model, loaded.system) == ("Trip", "gpt-4o", "Be brief")
    first, second = loaded.messages
    assert (first.role, first.content, first.sentiment_label, first.sentiment_score) == (
        "user",
        "Hello ünïcode 👋",
        "positive",
        0.5,
    )
    assert (second.content, second.status, second.prompt_tokens, second.completion_tokens) == (
        "Hi!",
        Status.COMPLETE,
        3,
        2,
    )
    assert [s.message_count for s in store.list_dialogues()] == [2]


def test_full_text_search_finds_words_prefixes_and_ignores_syntax(store: Store) -> None:
    one = store.create_dialogue("Cooking")
    store.add_message(one, Message("user", "How long do I boil an egg?"))
    two = store.create_dialogue("Python")
    store.add_message(two, Message("assistant", "Use asyncio.gather to run coroutines together"))
    assert [h.dialogue_title for h in store.search("boil")] == ["Cooking"]
    assert [h.dialogue_title for h in store.search("corout")] == ["Python"]  # prefix while typing
    assert store.search("egg")[0].snippet.count("[egg]") == 1
    assert store.search('"unbalanced AND (') == []  # user text never becomes an FTS error
    assert fts_query("  ") == ""


def test_search_follows_edits_and_hides_deleted_messages(store: Store) -> None:
    dialogue = store.create_dialogue("Edits")
    reply = store.add_message(dialogue, Message("assistant", "", status=Status.STREAMING))
    store.checkpoint(reply, "first draft about llamas")
    # Indexed when it ends, not at each checkpoint (that would cost more the longer it gets).
    assert store.search("llamas") == []
    store.finish_message(reply, content="final text about alpacas", status=Status.COMPLETE)
    assert store.search("llamas") == []
    assert len(store.search("alpacas")) == 1
    deleted = store.delete_message(reply)
    assert store.search("alpacas") == []
    assert store.messages(dialogue) == []
    store.undo_delete(deleted)
    assert len(store.search("alpacas")) == 1


def test_a_reply_cut_by_a_crash_is_found_once_it_is_marked_interrupted(tmp_path: Path) -> None:
    first = Store.open(tmp_path / "parley.db", tmp_path / "att")
    dialogue = first.create_dialogue("Crash")
    reply = first.add_message(dialogue, Message("assistant", "", status=Status.STREAMING))
    first.checkpoint(reply, "half a story about otters")
    first._conn.close()  # killed: never finished
    again = Store.open(tmp_path / "parley.db", tmp_path / "att")
    try:
        assert again.recovered_replies == 1
        [hit] = again.search("otters")
        assert hit.message_id == reply
        again._query("INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)")
    finally:
        again.close()


def test_migrates_an_empty_file(tmp_path: Path) -> None:
    database = tmp_path / "empty.db"
    database.write_bytes(b"")
    store = Store.open(database, tmp_path / "att")
    store.close()
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert {"dialogues", "messages", "attachments", "messages_fts", "models"} <= tables


def test_refuses_a_database_from_a_newer_version(tmp_path: Path) -> None:
    database = tmp_path / "future.db"
    with sqlite3.connect(database) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    with pytest.raises(StoreError, match="newer Parley"):
        Store.open(database, tmp_path / "att")


def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path: Path) -> None:
    database = tmp_path / "garbage.db"
    database.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="is damaged") as raised:
        Store.open(database, tmp_path / "att")
    assert raised.value.kind == DAMAGED


def test_concurrent_writer_and_reader(tmp_path: Path) -> None:
    """A reply being written (one connection) while History reads (another): WAL lets both go."""
    database = tmp_path / "parley.db"
    writer = Store.open(database, tmp_path / "att")
    reader = Store.open(database, tmp_path / "att")
    dialogue = writer.create_dialogue("Busy")
    errors: list[BaseException] = []
    seen: list[int] = []

    def write() -> None:
        try:
            for i in range(200):
                writer.add_message(dialogue, Message("user", f"message number {i} zebra"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def read() -> None:
        try:
            for _ in range(200):
                seen.append(len(reader.search("zebra", limit=1000)))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write), threading.Thread(target=read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert seen == sorted(seen)  # a reader only ever sees the writer's progress grow
    assert len(reader.messages(dialogue)) == 200
    writer.close()
    reader.close()


def test_reply_interrupted_mid_stream_keeps_partial_text(tmp_path: Path) -> None:
    database = tmp_path / "parley.db"
    store = Store.open(database, tmp_path / "att")
    dialogue = store.create_dialogue("Cut")
    store.add_message(dialogue, Message("user", "Tell me a story"))
    reply = store.add_message(dialogue, Message("assistant", "", status=Status.STREAMING))
    store.checkpoint(reply, "Once upon a time")
    # The process dies here: no finish_message. The next start recovers the reply.
    store.close()
    reopened = Store.open(database, tmp_path / "att")
    assert reopened.recovered_replies == 1
    recovered = reopened.get_message(reply)
    assert recovered is not None
    assert (recovered.content, recovered.status) == ("Once upon a time", Status.INTERRUPTED)
    assert "closed before the reply finished" in recovered.error
    reopened.close()


def test_attachments_are_stored_once_by_content(store: Store) -> None:
    dialogue = store.create_dialogue("Pictures")
    first = store.add_message(dialogue, Message("user", "look"))
    second = store.add_message(dialogue, Message("user", "again"))
    a = store.add_attachment(first, b"\x89PNG fake bytes", "PNG", "image/png", "cat.png")
    b = store.add_attachment(second, b"\x89PNG fake bytes", "png", "image/png", "copy.png")
    assert a.sha256 == b.sha256
    assert list(store.attachments_dir.iterdir()) == [store.attachment_path(a)]
    assert store.attachment_path(a).read_bytes() == b"\x89PNG fake bytes"
    assert [m.attachments[0].name for m in store.messages(dialogue)] == ["cat.png", "copy.png"]


def test_model_and_capability_caches(store: Store) -> None:
    store.cache_models("custom:http://x", [("b-model", "me", 1), ("a-model", "me", None)])
    assert store.cached_models("custom:http://x") == ["a-model", "b-model"]
    assert store.cached_models("other") == []
    assert store.load_capabilities("p") is None
    store.save_capabilities("p", {"responses": "no"})
    assert store.load_capabilities("p") == {"responses": "no"}


def test_a_failed_commit_leaves_no_transaction_open(store: Store) -> None:
    """A write that fails at COMMIT (here a deferred foreign-key check; in life a full disk)
    is rolled back and reported, and the next write works."""
    dialogue = store.create_dialogue("Kept")
    refusal = pytest.raises(StoreError, match="refused a change")
    with refusal as caught, store._transaction() as conn:
        conn.execute("PRAGMA defer_foreign_keys = ON")
        conn.execute(
            "INSERT INTO messages (dialogue_id, role, created_at, updated_at) "
            "VALUES (9999, 'user', 0, 0)"
        )
    assert "FOREIGN KEY" not in str(caught.value)  # SQLite's words go to the log only
    assert not store._conn.in_transaction
    store.add_message(dialogue, Message("user", "still writable"))
    assert [m.content for m in store.messages(dialogue)] == ["still writable"]


def test_a_second_connection_does_not_touch_a_live_reply(tmp_path: Path) -> None:
    first = Store.open(tmp_path / "p.db", tmp_path / "att")
    dialogue = first.create_dialogue("Live")
    reply = first.add_message(dialogue, Message("assistant", "", status=Status.STREAMING))
    second = Store.open(tmp_path / "p.db", tmp_path / "att", recover=False)  # e.g. an import
    assert second.recovered_replies == 0
    assert first.get_message(reply).status is Status.STREAMING
    assert first.is_live(dialogue) and not first.is_live(dialogue + 1)
    second.close()
    first.close()


def test_a_late_checkpoint_never_overwrites_a_finished_reply(store: Store) -> None:
    """Checkpoints run in worker threads; one that lands after Stop must not win."""
    dialogue = store.create_dialogue("Race")
    reply = store.add_message(dialogue, Message("assistant", "", status=Status.STREAMING))
    store.checkpoint(reply, "Once")
    store.finish_message(reply, content="Once upon a", status=Status.INTERRUPTED)
    store.checkpoint(reply, "Once")  # the late one
    assert store.get_message(reply).content == "Once upon a"
    store.set_content(reply, "Edited by the user")
    assert store.get_message(reply).content == "Edited by the user"
