"""Dialogues as trees in the store: versions, the branch shown, switching, delete and Undo,
search in every branch, imports, and the upgrade that turns flat dialogues into trees."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from desktop_app.core.dialogue import Dialogue, Message
from desktop_app.core.history import SearchFilters
from desktop_app.core.importers import ImportedDialogue
from desktop_app.services.history_store import HistoryStore
from desktop_app.services.history_transfer import export_file, import_file
from desktop_app.services.migrations import LATEST, MIGRATIONS

TREES = next(i for i, m in enumerate(MIGRATIONS, start=1) if "current_leaf_id" in m)


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    store = HistoryStore.open(tmp_path / "parley.db", tmp_path / "attachments")
    yield store
    store.close()


def texts(messages: list[Message]) -> list[str]:
    return [m.content for m in messages]


def chat(store: HistoryStore, *lines: str) -> tuple[int, list[int]]:
    """A dialogue of alternating user and assistant lines; returns its id and message ids."""
    dialogue = store.create_dialogue("Tree")
    ids = [
        store.add_message(dialogue, Message(("user", "assistant")[i % 2], line))
        for i, line in enumerate(lines)
    ]
    return dialogue, ids


def test_messages_follow_the_current_leaf_and_versions_are_siblings(store: HistoryStore) -> None:
    dialogue, (q1, a1, q2, _a2) = chat(store, "Hi", "Hello", "Weather?", "Sunny")
    assert [m.parent_id for m in store.messages(dialogue)] == [None, q1, a1, q2]
    edited = store.add_message(dialogue, Message("user", "Rain?"), parent_id=a1)  # an edit
    reply = store.add_message(dialogue, Message("assistant", "Wet"))  # follows the edit
    assert store.current_leaf(dialogue) == reply
    branch = store.messages(dialogue)
    assert texts(branch) == ["Hi", "Hello", "Rain?", "Wet"]
    assert [(m.version, m.versions) for m in branch] == [(1, 1), (1, 1), (2, 2), (1, 1)]
    assert store.sibling_ids(q2) == [q2, edited]
    first = store.add_message(dialogue, Message("user", "Hey"), parent_id=None)  # a new root
    assert texts(store.messages(dialogue)) == ["Hey"]
    assert store.sibling_ids(q1) == [q1, first]
    assert [s.message_count for s in store.list_dialogues()] == [1]
    with pytest.raises(ValueError):
        store.add_message(dialogue, Message("user", "x"), parent_id=first + 100)


def test_switching_versions_shows_each_one_at_its_latest_leaf(store: HistoryStore) -> None:
    dialogue, (q1, a1, _q2, a2) = chat(store, "Hi", "Hello", "Weather?", "Sunny")
    retry = store.add_message(dialogue, Message("assistant", "Hey there"), parent_id=q1)
    assert texts(store.messages(dialogue)) == ["Hi", "Hey there"]
    assert texts(store.switch_to(a1)) == ["Hi", "Hello", "Weather?", "Sunny"]  # not just "Hello"
    assert store.current_leaf(dialogue) == a2
    assert texts(store.switch_version(a1, +1)) == ["Hi", "Hey there"]
    assert texts(store.switch_version(retry, +1)) == ["Hi", "Hey there"]  # clamped at the end
    assert texts(store.switch_version(retry, -1))[-1] == "Sunny"
    store.set_current_leaf(dialogue, a1)  # a branch may end anywhere
    assert texts(store.messages(dialogue)) == ["Hi", "Hello"]
    other, _ = chat(store, "Elsewhere")
    with pytest.raises(ValueError):
        store.set_current_leaf(other, a1)
    assert store.get_dialogue(dialogue).messages[-1].id == a1


def test_delete_and_undo_move_the_current_leaf_sensibly(store: HistoryStore) -> None:
    dialogue, (q1, a1, q2, a2) = chat(store, "Hi", "Hello", "Weather?", "Sunny")
    retry = store.add_message(dialogue, Message("assistant", "Hey there"), parent_id=q1)
    deleted = store.delete_message(retry)  # the version shown: the one before takes its place
    assert deleted is not None and deleted.ids == (retry,)
    assert texts(store.messages(dialogue)) == ["Hi", "Hello", "Weather?", "Sunny"]
    assert store.sibling_ids(a1) == [a1] and store.delete_message(retry) is None
    store.undo_delete(deleted)
    assert texts(store.messages(dialogue)) == ["Hi", "Hey there"]
    assert store.sibling_ids(a1) == [a1, retry]

    store.switch_to(a1)
    deleted = store.delete_message(q2)  # the middle of the branch shown: it ends at the parent
    assert deleted.ids == (q2, a2)
    assert texts(store.messages(dialogue)) == ["Hi", "Hello"]
    store.add_message(dialogue, Message("user", "Moved on"))  # Undo must not undo this
    store.undo_delete(deleted)
    assert texts(store.messages(dialogue)) == ["Hi", "Hello", "Moved on"]
    assert store.sibling_ids(q2)[0] == q2

    kept = store.current_leaf(dialogue)
    store.delete_message(retry)  # another branch: what is shown stays
    assert store.current_leaf(dialogue) == kept
    store.delete_message(q1)
    assert store.messages(dialogue) == [] and store.current_leaf(dialogue) is None
    assert store.dialogue_row(dialogue).message_count == 0


def test_search_finds_every_branch_and_opens_the_one_holding_the_hit(store: HistoryStore) -> None:
    dialogue, (q1, a1) = chat(store, "Name a fruit", "A walrus is not a fruit")
    store.add_message(dialogue, Message("assistant", "Apple"), parent_id=q1)
    [hit] = store.search_messages("walrus", SearchFilters())
    assert hit.message_id == a1
    opened = store.get_dialogue(dialogue, through=hit.message_id)
    assert texts(opened.messages) == ["Name a fruit", "A walrus is not a fruit"]
    assert (opened.messages[-1].version, opened.messages[-1].versions) == (1, 2)
    assert texts(store.messages(dialogue)) == ["Name a fruit", "Apple"]  # Chat's view unchanged
    assert texts(store.branch_through(q1)) == ["Name a fruit", "Apple"]
    assert [h.message_id for h in store.search("walrus")] == [a1]
    store.delete_message(a1)
    assert store.search_messages("walrus", SearchFilters()) == [] and store.search("walrus") == []
    assert texts(store.get_dialogue(dialogue, through=a1).messages) == ["Name a fruit", "Apple"]


def test_exports_take_the_branch_shown_or_every_branch(store: HistoryStore) -> None:
    dialogue, (q1, a1) = chat(store, "Name a fruit", "Potato")
    apple = store.add_message(dialogue, Message("assistant", "Apple"), parent_id=q1)
    [shown] = store.dialogues([dialogue])
    assert texts(shown.messages) == ["Name a fruit", "Apple"] and shown.tree == []
    [whole] = store.dialogues([dialogue], all_branches=True)
    assert [(m.id, m.parent_id) for m in whole.tree] == [(q1, None), (a1, q1), (apple, q1)]


def test_a_json_export_of_every_branch_reads_back_as_the_branch_shown(
    store: HistoryStore, tmp_path: Path
) -> None:
    dialogue, (q1, a1) = chat(store, "Name a fruit", "Potato")
    apple = store.add_message(dialogue, Message("assistant", "Apple"), parent_id=q1)
    shown, every = tmp_path / "shown.json", tmp_path / "every.json"
    export_file(store, [dialogue], shown, "json")
    export_file(store, [dialogue], every, "json", all_branches=True)
    assert [e["content"] for e in json.loads(shown.read_text())] == ["Name a fruit", "Apple"]
    log = json.loads(every.read_text())
    assert [(e["content"], e["id"], e["parent_id"], e["current_branch"]) for e in log] == [
        ("Name a fruit", q1, None, True), ("Potato", a1, q1, False), ("Apple", apple, q1, True),
    ]  # fmt: skip
    markdown = tmp_path / "every.md"
    export_file(store, [dialogue], markdown, "markdown", all_branches=True)
    assert "Apple" in markdown.read_text() and "Potato" not in markdown.read_text()
    _, [again] = import_file(store, every)
    assert texts(store.messages(again)) == ["Name a fruit", "Apple"]


def test_imported_dialogues_are_one_branch_each(store: HistoryStore) -> None:
    logs = [
        Dialogue("One", messages=[Message("user", "a"), Message("assistant", "b")]),
        Dialogue("Two", messages=[Message("user", "c"), Message("assistant", "d"),
                                  Message("user", "e")]),
    ]  # fmt: skip
    first, second = store.insert_dialogues([ImportedDialogue(d) for d in logs])
    assert texts(store.messages(first)) == ["a", "b"]
    branch = store.messages(second)
    assert texts(branch) == ["c", "d", "e"] and branch[0].parent_id is None
    assert store.current_leaf(second) == branch[-1].id
    store.add_message(second, Message("assistant", "f"))
    assert texts(store.messages(second)) == ["c", "d", "e", "f"]
    assert [r.message_count for r in store.dialogue_rows()] == [4, 2]


def test_a_dialogue_without_a_remembered_leaf_shows_its_newest_branch(
    store: HistoryStore,
) -> None:
    """Rows written by hand (another tool, an older bulk writer) may link parents and leave
    the leaf unset, or point it at a message since deleted: the newest branch is shown."""
    dialogue, (q1, _a1) = chat(store, "Hi", "Hello")
    retry = store.add_message(dialogue, Message("assistant", "Hey"), parent_id=q1)
    with store._transaction() as conn:
        conn.execute("UPDATE dialogues SET current_leaf_id = NULL WHERE id = ?", (dialogue,))
    assert texts(store.messages(dialogue)) == ["Hi", "Hey"]
    more = store.add_message(dialogue, Message("user", "Again"))
    assert store.get_message(more).parent_id == retry
    with store._transaction() as conn:
        conn.execute("UPDATE messages SET deleted_at = 1 WHERE id = ?", (more,))
    store.add_message(dialogue, Message("user", "Once more"))
    assert texts(store.messages(dialogue)) == ["Hi", "Hey", "Once more"]


@pytest.mark.parametrize("version", range(1, TREES))
def test_upgrade_keeps_every_dialogue_as_it_was_shown(tmp_path: Path, version: int) -> None:
    """Regenerate used to hide the replies it replaced (`superseded`); they become versions of
    the reply that replaced them, and each dialogue shows what it showed."""
    database = tmp_path / f"v{version}.db"
    rows = [  # (id, dialogue, role, content, superseded)
        (1, 1, "user", "Name a fruit", 0),
        (2, 1, "assistant", "Potato", 1),
        (3, 1, "assistant", "Carrot", 1),
        (4, 1, "assistant", "Apple", 0),
        (5, 2, "user", "Other talk", 0),
        (6, 1, "user", "Another?", 0),
        (7, 1, "assistant", "Pear", 0),
        (8, 2, "assistant", "Plain reply", 0),
        (9, 1, "assistant", "Not yet replaced", 0),
    ]
    with sqlite3.connect(database) as conn:
        conn.executescript("\n".join(MIGRATIONS[:version]) + f"\nPRAGMA user_version = {version};")
        conn.executemany(
            "INSERT INTO dialogues (id, title, created_at, updated_at) VALUES (?, ?, 1, 1)",
            [(1, "Fruit"), (2, "Plain"), (3, "Empty")],
        )
        conn.executemany(
            "INSERT INTO messages (id, dialogue_id, role, content, superseded, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, 1, 1)",
            rows,
        )
    store = HistoryStore.open(database, tmp_path / "att")
    try:
        shown = store.messages(1)
        assert texts(shown) == ["Name a fruit", "Apple", "Another?", "Pear", "Not yet replaced"]
        assert [m.parent_id for m in shown] == [None, 1, 4, 6, 7]
        assert [(m.version, m.versions) for m in shown][1] == (3, 3)
        assert store.sibling_ids(2) == [2, 3, 4]
        assert texts(store.switch_to(2)) == ["Name a fruit", "Potato"]
        assert texts(store.messages(2)) == ["Other talk", "Plain reply"]
        assert store.messages(3) == [] and store.current_leaf(3) is None
        assert {r.id: r.message_count for r in store.dialogue_rows()} == {1: 2, 2: 2, 3: 0}
        new = store.add_message(2, Message("user", "Carry on"))
        assert store.messages(2)[-1].parent_id == 8 and store.current_leaf(2) == new
    finally:
        store.close()
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
