"""Assistants in the store: CRUD with undo, starters once, snapshots on replies, migrations."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from desktop_app.core.assistants import AssistantProfile, KnowledgeFile, starter_profiles
from desktop_app.core.dialogue import Message, Status
from desktop_app.core.tool_notes import Citation, ToolNote
from desktop_app.services.migrations import LATEST, MIGRATIONS
from desktop_app.services.store import Store
from tests.support.old_databases import link_like_parley


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "parley.db", tmp_path / "attachments")
    yield store
    store.close()


def test_save_list_update_delete_and_restore(store: Store) -> None:
    saved = store.save_assistant(
        AssistantProfile(
            "Zed",
            "gpt-4o",
            "Be terse.",
            temperature=0.5,
            tools=("file_search",),
            files=(KnowledgeFile("a.txt", "file-a"),),
            vector_store_id="vs_1",
            tags=("x",),
            mcp_servers=("maths", "files"),
        )
    )
    other = store.save_assistant(AssistantProfile("alpha", "gpt-4o-mini"))
    assert saved.id is not None and other.id is not None
    assert [p.name for p in store.list_assistants()] == ["alpha", "Zed"]  # by name, any case
    assert store.get_assistant(saved.id) == saved

    store.save_assistant(replace(saved, temperature=1.5))
    assert store.get_assistant(saved.id).temperature == 1.5

    store.delete_assistant(saved.id)
    assert [p.name for p in store.list_assistants()] == ["alpha"]
    assert store.get_assistant(saved.id) is None
    assert store.get_assistant(saved.id, deleted=True).name == "Zed"  # History can name it
    store.restore_assistant(saved.id)
    assert [p.name for p in store.list_assistants()] == ["alpha", "Zed"]


def test_starters_are_seeded_once_even_after_deleting_them(store: Store) -> None:
    assert store.seed_assistants(starter_profiles("gpt-4o-mini"))
    names = [p.name for p in store.list_assistants()]
    assert names == ["Code reviewer", "General helper", "Image describer", "Translator"]
    for profile in store.list_assistants():
        store.delete_assistant(profile.id)
    assert not store.seed_assistants(starter_profiles("gpt-4o-mini"))
    assert store.list_assistants() == []


def test_a_reply_keeps_its_assistant_snapshot_and_tool_notes(store: Store) -> None:
    helper = store.save_assistant(AssistantProfile("Helper", "gpt-4o"))
    dialogue = store.create_dialogue("With helper", "gpt-4o", assistant_id=helper.id)
    reply = Message(
        "assistant",
        "",
        status=Status.STREAMING,
        assistant_id=helper.id,
        assistant_snapshot='{"name": "Helper"}',
    )
    reply_id = store.add_message(dialogue, reply)
    note = ToolNote("web_search", "weather", (Citation("Met", "https://met.example"),), "ws_1")
    store.finish_message(reply_id, content="Sunny.", status=Status.COMPLETE, tool_notes=[note])
    loaded = store.get_dialogue(dialogue)
    assert loaded.assistant_id == helper.id
    [message] = loaded.messages
    assert (message.assistant_id, message.assistant_snapshot) == (helper.id, '{"name": "Helper"}')
    assert message.tool_notes == [note]
    store.update_dialogue(dialogue, assistant_id=None)
    assert store.get_dialogue(dialogue).assistant_id is None


def test_added_assistants_get_free_names(store: Store) -> None:
    store.save_assistant(AssistantProfile("Helper", "gpt-4o"))
    added = store.add_assistants(
        [AssistantProfile("Helper", "m", id=99), AssistantProfile("helper", "m")]
    )
    assert [p.name for p in added] == ["Helper 2", "helper 3"]
    assert all(p.id not in (None, 99) for p in added)


def test_flags(store: Store) -> None:
    assert store.get_flag("x") is None
    store.set_flag("x", "1")
    assert store.get_flag("x") == "1"
    store.set_flag("x", None)
    assert store.get_flag("x") is None


def _database_at(path: Path, version: int) -> None:
    """A database as that version of Parley left it, with a dialogue in it."""
    conn = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:version], start=1):
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    conn.execute(
        "INSERT INTO dialogues (id, title, model, system, created_at, updated_at) "
        "VALUES (1, 'Old chat', 'gpt-4', 'Be kind', 1.0, 2.0)"
    )
    conn.executemany(
        "INSERT INTO messages (dialogue_id, role, content, status, created_at, updated_at) "
        "VALUES (1, ?, ?, ?, 1.0, 1.0)",
        [("user", "hello from the past", "complete"), ("assistant", "half a rep", "streaming")],
    )
    link_like_parley(conn)
    conn.commit()
    conn.close()


@pytest.mark.parametrize("version", range(1, LATEST))
def test_upgrades_an_older_database_keeping_its_data(tmp_path: Path, version: int) -> None:
    database = tmp_path / "old.db"
    _database_at(database, version)
    store = Store.open(database, tmp_path / "att")
    try:
        dialogue = store.get_dialogue(1)
        assert (dialogue.title, dialogue.system, dialogue.assistant_id) == (
            "Old chat",
            "Be kind",
            None,
        )
        user, reply = dialogue.messages
        assert user.content == "hello from the past" and user.assistant_snapshot == ""
        assert (reply.status, reply.tool_notes) == (Status.INTERRUPTED, [])
        assert store.search("past")[0].dialogue_id == 1  # the full-text index still works
        saved = store.save_assistant(AssistantProfile("New", "gpt-4o"))
        store.update_dialogue(1, assistant_id=saved.id)
        assert store.get_dialogue(1).assistant_id == saved.id
    finally:
        store.close()
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
