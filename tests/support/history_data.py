"""Dialogues for History tests: a few hand-made ones, or a hundred thousand written by SQL."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from desktop_app.core.dialogue import Dialogue, Message
from desktop_app.core.importers import ImportedDialogue
from desktop_app.services.branch_store import link_in_order
from desktop_app.services.history_store import HistoryStore

DAY = 86_400.0


def dialogue(
    title: str,
    *turns: tuple[str, str, str],
    model: str = "gpt-4o",
    age_days: float = 0.0,
    assistant: str = "",
    now: float | None = None,
) -> ImportedDialogue:
    """A dialogue of (role, text, sentiment) turns, last touched `age_days` before `now`
    (the real clock unless given)."""
    when = (time.time() if now is None else now) - age_days * DAY
    messages = [
        Message(role, text, model=model, sentiment_label=mood, created_at=when - 60 + i)
        for i, (role, text, mood) in enumerate(turns)
    ]
    return ImportedDialogue(
        Dialogue(title, model=model, created_at=when - 60, updated_at=when, messages=messages),
        assistant,
    )


def add(store: HistoryStore, *dialogues: ImportedDialogue) -> list[int]:
    return store.insert_dialogues(list(dialogues))


def build_big_store(
    database: Path, dialogues: int, messages_each: int = 1, now: float | None = None
) -> None:
    """`dialogues` dialogues, one an hour going back from `now` (the real clock unless
    given: a test that reads day headings gives one, see tests/support/clock.py), by
    executemany.

    The full-text index is built once at the end ('rebuild') instead of row by row by the
    schema's trigger: the same index, five times faster to make. The trigger is put back.
    """
    HistoryStore.open(database, database.parent / "attachments").close()
    now = time.time() if now is None else now
    conn = sqlite3.connect(database, isolation_level=None)
    try:
        conn.execute("BEGIN")
        trigger = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'messages_fts_insert'"
        ).fetchone()[0]
        conn.execute("DROP TRIGGER messages_fts_insert")
        conn.executemany(
            "INSERT INTO dialogues (id, title, model, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                (i, f"Dialogue {i}", ("gpt-4o", "o3")[i % 2], now - i * 3600, now - i * 3600)
                for i in range(1, dialogues + 1)
            ),
        )
        conn.executemany(
            "INSERT INTO messages (dialogue_id, role, content, sentiment_label, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                (
                    d,
                    ("user", "assistant")[k % 2],
                    f"message {k} of dialogue {d} token{d % 1000} about "
                    + ("whales", "pasta", "python", "taxes")[d % 4],
                    ("positive", "neutral", "negative")[(d + k) % 3],
                    now - d * 3600 + k,
                    now - d * 3600 + k,
                )
                for d in range(1, dialogues + 1)
                for k in range(messages_each)
            ),
        )
        link_in_order(conn, range(1, dialogues + 1))  # each dialogue one branch, as Parley writes
        conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")
        conn.execute(trigger)
        conn.execute("COMMIT")
    finally:
        conn.close()
