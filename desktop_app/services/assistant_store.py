"""Assistant profiles and one-time flags in the database: the part of `Store` about assistants.

A mixin, so the store keeps one connection and one lock: the chat session reads an assistant
from the same `Store` it writes replies to. A profile is saved as the portable JSON of
`assistant_json` (the export format) beside its name and model. Deleting only marks the row, so
Undo can bring it back and replies written by it still name it in History.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from desktop_app.core.assistant_json import profile_from_dict, profile_to_dict
from desktop_app.core.assistants import AssistantProfile, unique_name
from desktop_app.core.json_guard import MAX_DEPTH
from desktop_app.core.text_guard import clean_value, storable

STARTERS_FLAG = "assistant_starters_seeded"


def _profile(row: sqlite3.Row) -> AssistantProfile:
    data = json.loads(row["profile"])
    return replace(profile_from_dict(data, row["model"], row["name"]), id=row["id"])


def _document(profile: AssistantProfile) -> str:
    """The stored JSON, with any lone surrogate (pasted or imported) replaced: SQLite takes
    only text that encodes as UTF-8."""
    data, _replaced = clean_value(profile_to_dict(profile), MAX_DEPTH)
    return json.dumps(data, ensure_ascii=False)


class AssistantRecords:
    if TYPE_CHECKING:  # provided by Store

        def _transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]: ...

    def list_assistants(self) -> list[AssistantProfile]:
        rows = self._query(
            "SELECT id, name, model, profile FROM assistants WHERE deleted_at IS NULL "
            "ORDER BY name COLLATE NOCASE, id"
        )
        return [_profile(r) for r in rows]

    def get_assistant(self, assistant_id: int, deleted: bool = False) -> AssistantProfile | None:
        """The profile, or None; `deleted=True` also finds one in the bin (for History)."""
        rows = self._query(
            "SELECT id, name, model, profile FROM assistants WHERE id = ?"
            + ("" if deleted else " AND deleted_at IS NULL"),
            (assistant_id,),
        )
        return _profile(rows[0]) if rows else None

    def save_assistant(self, profile: AssistantProfile) -> AssistantProfile:
        """Insert (no id yet) or update; returns the profile with its id."""
        now = time.time()
        document = _document(profile)
        profile = replace(profile, name=storable(profile.name), model=storable(profile.model))
        with self._transaction() as conn:
            if profile.id is None:
                cur = conn.execute(
                    "INSERT INTO assistants (name, model, profile, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (profile.name, profile.model, document, now, now),
                )
                return replace(profile, id=int(cur.lastrowid or 0))
            conn.execute(
                "UPDATE assistants SET name = ?, model = ?, profile = ?, updated_at = ?, "
                "deleted_at = NULL WHERE id = ?",
                (profile.name, profile.model, document, now, profile.id),
            )
        return profile

    def add_assistants(self, profiles: Iterable[AssistantProfile]) -> list[AssistantProfile]:
        """Save new assistants (imported, copied), renaming any whose name is taken — by one
        kept or by one added just before — to "Name 2", "Name 3"…"""
        taken = [p.name for p in self.list_assistants()]
        added = []
        for profile in profiles:
            name = unique_name(profile.name, taken)
            taken.append(name)
            added.append(self.save_assistant(replace(profile, name=name, id=None)))
        return added

    def delete_assistant(self, assistant_id: int) -> None:
        with self._transaction() as conn:
            conn.execute(
                "UPDATE assistants SET deleted_at = ? WHERE id = ?", (time.time(), assistant_id)
            )

    def restore_assistant(self, assistant_id: int) -> None:
        with self._transaction() as conn:
            conn.execute("UPDATE assistants SET deleted_at = NULL WHERE id = ?", (assistant_id,))

    def seed_assistants(self, profiles: Iterable[AssistantProfile]) -> bool:
        """Add the starters once per database, ever: deleting them all must not bring them
        back. True when they were added now."""
        with self._transaction() as conn:
            if conn.execute("SELECT 1 FROM app_flags WHERE name = ?", (STARTERS_FLAG,)).fetchone():
                return False
            now = time.time()
            for profile in profiles:
                conn.execute(
                    "INSERT INTO assistants (name, model, profile, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (
                        profile.name,
                        profile.model,
                        _document(profile),
                        now,
                        now,
                    ),
                )
            conn.execute("INSERT INTO app_flags (name, value) VALUES (?, '1')", (STARTERS_FLAG,))
        return True

    # --- flags ----------------------------------------------------------------------------

    def get_flag(self, name: str) -> str | None:
        rows = self._query("SELECT value FROM app_flags WHERE name = ?", (name,))
        return rows[0]["value"] if rows else None

    def set_flag(self, name: str, value: str | None) -> None:
        """Set, or clear with None."""
        with self._transaction() as conn:
            if value is None:
                conn.execute("DELETE FROM app_flags WHERE name = ?", (name,))
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO app_flags (name, value) VALUES (?, ?)", (name, value)
                )
