"""History's store: the v2 migration, list pages, search filters, and list edits."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from desktop_app.core.dialogue import Message, Status
from desktop_app.core.history import HIT_END, HIT_START, SearchFilters
from desktop_app.services import history_store
from desktop_app.services.history_store import HistoryStore, SearchInterrupted
from desktop_app.services.migrations import LATEST, MIGRATIONS
from desktop_app.services.store import Store
from tests.support.old_databases import link_like_parley

DAY = 86_400.0


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    store = HistoryStore.open(tmp_path / "parley.db", tmp_path / "attachments")
    yield store
    store.close()


def add(store: Store, title: str, *messages: Message, model: str = "gpt-4o") -> int:
    dialogue = store.create_dialogue(title, model=model)
    for message in messages:
        store.add_message(dialogue, message)
    return dialogue


@pytest.mark.parametrize("version", range(1, LATEST))
def test_upgrades_an_older_database_keeping_its_data(tmp_path: Path, version: int) -> None:
    database = tmp_path / f"v{version}.db"
    with sqlite3.connect(database) as conn:
        conn.executescript("\n".join(MIGRATIONS[:version]) + f"\nPRAGMA user_version = {version};")
        conn.execute(
            "INSERT INTO dialogues (id, title, model, pinned, created_at, updated_at) "
            "VALUES (7, 'Old talk', 'gpt-4', 1, 1.0, 2.0)"
        )
        conn.execute(
            "INSERT INTO messages (dialogue_id, role, content, sentiment_label, created_at, "
            "updated_at) VALUES (7, 'user', 'remember the walrus', 'neutral', 1.0, 1.0)"
        )
        link_like_parley(conn)
        conn.execute(
            "INSERT INTO attachments (message_id, sha256, ext, mime, size) "
            "VALUES (1, 'abc', 'png', 'image/png', 3)"
        )
    store = HistoryStore.open(database, tmp_path / "att")
    try:
        with sqlite3.connect(database) as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        (row,) = store.dialogue_rows()
        assert (row.id, row.title, row.model, row.pinned, row.assistant) == (
            7,
            "Old talk",
            "gpt-4",
            True,
            "",
        )
        assert (row.message_count, row.neutral) == (1, 1)
        hits = store.search_messages("walrus", SearchFilters(has_image=True))
        assert [h.dialogue_id for h in hits] == [7]
        assert store.get_dialogue(7).messages[0].attachments[0].mime == "image/png"
    finally:
        store.close()


def test_a_second_connection_leaves_streaming_replies_alone(tmp_path: Path) -> None:
    main = Store.open(tmp_path / "parley.db", tmp_path / "att")
    dialogue = main.create_dialogue("Live")
    reply = main.add_message(dialogue, Message("assistant", "", status=Status.STREAMING))
    history = HistoryStore.open(tmp_path / "parley.db", tmp_path / "att")
    assert history.recovered_replies == 0
    assert main.get_message(reply).status is Status.STREAMING
    before = history.data_version()
    main.checkpoint(reply, "still coming")
    assert history.data_version() != before  # History learns the list may be stale
    history.close()
    main.close()


def test_pages_are_newest_first_pinned_on_top_and_never_overlap(store: HistoryStore) -> None:
    ids = [add(store, f"d{i}", Message("user", "x")) for i in range(25)]
    store.set_pinned([ids[3]], True)
    seen, after = [], None
    while page := store.dialogue_rows(after=after, limit=7):
        seen += [r.id for r in page]
        after = page[-1]
    assert seen == [ids[3], *[i for i in reversed(ids) if i != ids[3]]]
    assert store.count_dialogues() == 25


def test_rows_summarise_messages_and_tone(store: HistoryStore) -> None:
    dialogue = add(
        store,
        "Tone",
        Message("user", "great", sentiment_label="positive"),
        Message("assistant", "fine", sentiment_label="positive"),
        Message("user", "bad", sentiment_label="negative"),
    )
    question = store.messages(dialogue)[-1].id
    replaced = store.add_message(dialogue, Message("assistant", "old", sentiment_label="negative"))
    store.add_message(dialogue, Message("assistant", "new", sentiment_label="positive"), question)
    row = store.dialogue_row(dialogue)  # the branch shown: the newer reply, not both
    assert (row.message_count, row.positive, row.negative) == (4, 3, 1)
    assert row.mood == "mostly positive"
    store.switch_to(replaced)
    row = store.dialogue_row(dialogue)
    assert (row.message_count, row.positive, row.negative) == (4, 2, 2)
    assert [s.message_count for s in store.list_dialogues()] == [4]


def test_rename_and_pin_do_not_reorder_by_time(store: HistoryStore) -> None:
    first = add(store, "First", Message("user", "a"))
    second = add(store, "Second", Message("user", "b"))
    store.rename(first, "Renamed")
    assert [r.title for r in store.dialogue_rows()] == ["Second", "Renamed"]
    store.set_pinned([first], True)
    assert [r.id for r in store.dialogue_rows()] == [first, second]
    store.set_pinned([first], False)
    assert [r.id for r in store.dialogue_rows()] == [second, first]


def test_trash_restore_and_purge(store: HistoryStore) -> None:
    keep = add(store, "Keep", Message("user", "needle one"))
    gone = add(store, "Gone", Message("user", "needle two"))
    message = store.messages(gone)[0].id
    picture = store.add_attachment(message, b"img", "png", "image/png")
    shared = store.add_message(keep, Message("user", "same picture"))
    store.add_attachment(shared, b"img", "png", "image/png")
    store.move_to_trash([gone])
    assert [r.id for r in store.dialogue_rows()] == [keep]
    assert [r.id for r in store.dialogue_rows(trash=True)] == [gone]
    assert {h.dialogue_id for h in store.search_messages("needle", SearchFilters())} == {keep}
    store.restore([gone])
    assert store.count_dialogues(trash=True) == 0
    store.move_to_trash([gone, keep])
    store.restore([keep])
    assert store.purge() == 1
    assert store.get_dialogue(gone) is None
    assert store.attachment_path(picture).exists()  # still used by "Keep"
    store.move_to_trash([keep])
    store.purge([keep])
    assert not store.attachment_path(picture).exists()


def test_edits_of_many_dialogues_at_once(store: HistoryStore) -> None:
    ids = [add(store, f"d{i}") for i in range(1200)]  # more than SQLite's bound-parameter batch
    store.move_to_trash(ids)
    assert store.count_dialogues(trash=True) == 1200
    assert store.purge() == 1200


def test_search_ranks_highlights_and_filters(store: HistoryStore) -> None:
    now = time.time()
    old = add(
        store,
        "Old",
        Message("user", "tell me about whales", created_at=now - 40 * DAY),
        model="gpt-4",
    )
    store.add_message(
        old,
        Message(
            "assistant",
            "Whales are mammals",
            model="gpt-4",
            sentiment_label="positive",
            created_at=now - 40 * DAY,
        ),
    )
    new = add(store, "New", Message("user", "whales whales whales", sentiment_label="negative"))
    with sqlite3.connect(store.database) as conn:
        conn.execute("UPDATE dialogues SET assistant_name = 'marine-bot' WHERE id = ?", (new,))
    picture = store.add_message(new, Message("user", "a photo"))
    store.add_attachment(picture, b"jpeg", "jpg", "image/jpeg")

    def found(text: str = "whales", **filters) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
        hits = store.search_messages(text, SearchFilters(**filters))
        return [(h.dialogue_id, h.role) for h in hits]

    hits = store.search_messages("whale", SearchFilters())
    assert hits[0].dialogue_id == new  # three mentions rank first
    assert f"{HIT_START}whales{HIT_END}" in hits[0].snippet
    assert sorted(found(model="gpt-4")) == [(old, "assistant"), (old, "user")]
    assert found(role="assistant") == [(old, "assistant")]
    assert found(sentiment="negative") == [(new, "user")]
    assert found(assistant="marine-bot") == [(new, "user")]
    assert found(has_image=True) == [(new, "user")]
    assert found(since=now - DAY) == [(new, "user")]
    assert sorted(found(until=now - DAY)) == [(old, "assistant"), (old, "user")]
    assert found(role="system") == []
    # No text but a filter: the newest messages that pass it.
    assert found("", role="user") == [(new, "user"), (new, "user"), (old, "user")]
    assert found("") == []
    # A one-letter word is not a prefix of everything.
    assert found("w") == []


def test_facets_list_models_and_assistants(store: HistoryStore) -> None:
    add(store, "a", Message("user", "x", model="o3"), model="gpt-4o")
    dialogue = add(store, "b", model="")
    with sqlite3.connect(store.database) as conn:
        conn.execute("UPDATE dialogues SET assistant_name = 'helper' WHERE id = ?", (dialogue,))
    assert store.facets() == (["gpt-4o", "o3"], ["helper"])


def test_a_search_can_be_interrupted(store: HistoryStore) -> None:
    add(store, "Busy", Message("user", "needle in a haystack"))
    store.interrupt_search()  # nothing running: harmless
    assert len(store.search_messages("needle", SearchFilters())) == 1
    store._search.set_progress_handler(lambda: 1, 1)  # as if interrupted at the first step
    with pytest.raises(SearchInterrupted):
        store.search_messages("needle", SearchFilters())
    store._search.set_progress_handler(None, 1)
    assert len(store.search_messages("needle", SearchFilters())) == 1


def test_a_very_common_word_ranks_only_the_newest_matches(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [add(store, f"d{i}", Message("user", "common word")) for i in range(5)]
    monkeypatch.setattr(history_store, "RANKED_MATCHES", 3)
    found = {h.dialogue_id for h in store.search_messages("common", SearchFilters())}
    assert found == set(ids[-3:])
    monkeypatch.setattr(history_store, "RANKED_MATCHES", 5)
    assert len(store.search_messages("common", SearchFilters())) == 5


def test_parley_assistants_name_their_dialogues(store: HistoryStore) -> None:
    from desktop_app.core.assistants import AssistantProfile

    tutor = store.save_assistant(AssistantProfile(name="Tutor", model="gpt-4o"))
    dialogue = store.create_dialogue("Lesson", model="gpt-4o", assistant_id=tutor.id)
    store.add_message(dialogue, Message("user", "explain fractions"))
    reply = Message("assistant", "fractions are parts", assistant_id=tutor.id)
    store.add_message(dialogue, reply)
    assert store.dialogue_row(dialogue).assistant == "Tutor"
    assert store.facets()[1] == ["Tutor"]
    hits = store.search_messages("fractions", SearchFilters(assistant="Tutor"))
    assert len(hits) == 2
    assert store.search_messages("fractions", SearchFilters(assistant="Other")) == []
