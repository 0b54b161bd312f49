"""Finding dialogues (not messages) by what the user types: title words, then message text.

Mixed into HistoryStore for the Chat tab's conversation list, whose filter narrows a list of
dialogues as the user types. Both queries run on the store's search connection, in a worker
thread, and return rows in the list's own order (pinned on top, then newest first).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from desktop_app.core.history import DialogueRow, fts_query, search_words

FIND_LIMIT = 200

# The same columns as HistoryStore's list, with the dialogue table aliased as `d`.
_COLUMNS = (
    "d.id, d.title, d.model, COALESCE((SELECT a.name FROM assistants a WHERE "
    "a.id = d.assistant_id), d.assistant_name) AS assistant, d.created_at, d.updated_at, "
    "d.pinned, d.deleted_at"
)
_ORDER = "ORDER BY d.pinned DESC, d.updated_at DESC, d.id DESC"


def like_pattern(word: str) -> str:
    """`word` anywhere in a title, with LIKE's own wildcards taken literally."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class DialogueFinderMixin:
    """Needs the store's search connection (`_search_rows`) and row summaries."""

    def _search_rows(self, sql: str, params: dict[str, Any] | tuple[Any, ...]) -> list[Any]:
        raise NotImplementedError

    def _with_summaries(self, rows: list[sqlite3.Row]) -> list[DialogueRow]:
        raise NotImplementedError

    def _many_matches(self, query: str) -> int:
        raise NotImplementedError

    def find_by_title(self, text: str, limit: int = FIND_LIMIT) -> list[DialogueRow]:
        """Dialogues whose title holds every word of `text` (in any case, anywhere)."""
        words = search_words(text)
        if not words:
            return []
        where = " AND ".join("d.title LIKE ? ESCAPE '\\'" for _ in words)
        rows = self._search_rows(
            f"SELECT {_COLUMNS} FROM dialogues d WHERE d.deleted_at IS NULL AND {where} "
            f"{_ORDER} LIMIT ?",
            (*(like_pattern(w) for w in words), limit),
        )
        return self._with_summaries(rows)

    def find_by_text(
        self, text: str, exclude: set[int] | None = None, limit: int = FIND_LIMIT
    ) -> list[DialogueRow]:
        """Dialogues with a message that matches `text` in the full-text index (any branch,
        no deleted message), leaving out those in `exclude` (already found by their title).

        A word found in very many messages looks only at the newest of them (as History's
        search does), so the cost stays flat however large the archive grows.
        """
        query = fts_query(text)
        if not query:
            return []
        skip = sorted(exclude or ())
        not_in = f"AND d.id NOT IN ({','.join('?' * len(skip))})" if skip else ""
        rows = self._search_rows(
            f"SELECT {_COLUMNS} FROM dialogues d WHERE d.deleted_at IS NULL {not_in} AND "
            "d.id IN (SELECT m.dialogue_id FROM messages_fts JOIN messages m ON "
            "m.id = messages_fts.rowid WHERE messages_fts MATCH ? AND messages_fts.rowid > ? "
            f"AND m.deleted_at IS NULL) {_ORDER} LIMIT ?",
            (*skip, query, self._many_matches(query), limit),
        )
        return self._with_summaries(rows)
