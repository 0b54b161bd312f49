"""The History list's edits: rename, pin, move to and restore from the trash, and purge the
trash for good (the dialogues and the attachment files no other message uses).

Mixed into HistoryStore (one connection, one lock). None of them touches updated_at:
renaming or pinning a dialogue does not make it new.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.services.branch_store import chunks, marks


class HistoryEdits:
    attachments_dir: Path

    if TYPE_CHECKING:  # provided by Store

        def _transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]: ...

    def rename(self, dialogue_id: int, title: str) -> None:
        with self._transaction() as conn:
            conn.execute("UPDATE dialogues SET title = ? WHERE id = ?", (title, dialogue_id))

    def set_pinned(self, ids: Sequence[int], pinned: bool) -> None:
        self._update_each("pinned = ?", (int(pinned),), ids)

    def move_to_trash(self, ids: Sequence[int]) -> None:
        self._update_each("deleted_at = ?", (time.time(),), ids, "AND deleted_at IS NULL")

    def restore(self, ids: Sequence[int]) -> None:
        self._update_each("deleted_at = NULL", (), ids)

    def _update_each(
        self, assignment: str, values: tuple[Any, ...], ids: Sequence[int], extra: str = ""
    ) -> None:
        with self._transaction() as conn:
            for chunk in chunks(ids):
                conn.execute(
                    f"UPDATE dialogues SET {assignment} WHERE id IN ({marks(chunk)}) {extra}",
                    (*values, *chunk),
                )

    def purge(self, ids: Sequence[int] | None = None) -> int:
        """Delete dialogues in the trash for good (all of them when `ids` is None), and the
        attachment files no other message uses."""
        if ids is None:
            ids = [r[0] for r in self._query("SELECT id FROM dialogues WHERE deleted_at NOT NULL")]
        count = 0
        files: set[str] = set()
        with self._transaction() as conn:
            for chunk in chunks(ids):
                places = marks(chunk)
                files.update(
                    r[0]
                    for r in conn.execute(
                        "SELECT a.sha256 || '.' || a.ext FROM attachments a JOIN messages m "
                        f"ON m.id = a.message_id WHERE m.dialogue_id IN ({places})",
                        chunk,
                    )
                )
                count += conn.execute(
                    f"DELETE FROM dialogues WHERE deleted_at IS NOT NULL AND id IN ({places})",
                    chunk,
                ).rowcount
            orphans = [
                name
                for name in files
                if not conn.execute(
                    "SELECT 1 FROM attachments WHERE sha256 = ? LIMIT 1", (name.split(".")[0],)
                ).fetchone()
            ]
        for name in orphans:
            (self.attachments_dir / name).unlink(missing_ok=True)
        return count
