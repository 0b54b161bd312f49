"""A dialogue remembers the provider it is held with; dialogues from before the column are
the main provider's."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop_app.services.migrations import LATEST, MIGRATIONS
from desktop_app.services.store import Store
from tests.support.old_databases import link_like_parley

PROVIDERS_VERSION = 1 + next(
    i for i, m in enumerate(MIGRATIONS) if "dialogues ADD COLUMN provider " in m
)


def test_a_dialogue_keeps_its_provider_through_changes_and_a_reopening(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "parley.db", tmp_path / "att")
    try:
        held = store.create_dialogue("On the work server", "mock-gpt", provider="custom-2")
        main = store.create_dialogue("On the main one", "gpt-4o-mini")
        store.update_dialogue(main, provider="openrouter", model="openai/gpt-4o")
    finally:
        store.close()
    store = Store.open(tmp_path / "parley.db", tmp_path / "att")
    try:
        assert store.get_dialogue(held).provider == "custom-2"  # type: ignore[union-attr]
        moved = store.get_dialogue(main)
        assert moved is not None and (moved.provider, moved.model) == (
            "openrouter",
            "openai/gpt-4o",
        )
    finally:
        store.close()


def test_upgrade_gives_existing_dialogues_the_main_provider(tmp_path: Path) -> None:
    database = tmp_path / "old.db"
    before = PROVIDERS_VERSION - 1
    with sqlite3.connect(database) as conn:
        conn.executescript("\n".join(MIGRATIONS[:before]) + f"\nPRAGMA user_version = {before};")
        conn.execute(
            "INSERT INTO dialogues (id, title, model, created_at, updated_at) "
            "VALUES (1, 'Old', 'llama3.2', 1, 1)"
        )
        link_like_parley(conn)
    store = Store.open(database, tmp_path / "att")
    try:
        with sqlite3.connect(database) as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        old = store.get_dialogue(1)
        assert old is not None and (old.title, old.model, old.provider) == ("Old", "llama3.2", "")
    finally:
        store.close()
