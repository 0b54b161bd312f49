"""Full-text search over messages: the part of `Store` that reads the FTS5 index (a mixin, so
the store keeps one connection and one lock).

The index has two columns, the text and the reasoning, so a word the model only thought is
found too; a hit says which (`in_reasoning`) and shows a snippet from that column.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktop_app.core.history import HIT_END, HIT_START, fts_query


@dataclass(frozen=True)
class SearchHit:
    message_id: int
    dialogue_id: int
    dialogue_title: str
    role: str
    snippet: str
    in_reasoning: bool = False  # the words were found in the reply's reasoning, not its text


def fts_snippets(tokens: int) -> str:
    """SQL for a snippet of each column of the full-text index, matches between HIT_START
    and HIT_END; `pick_snippet` shows the content's, or the reasoning's if only it matched."""
    marks = f"char({ord(HIT_START)}), char({ord(HIT_END)})"
    return ", ".join(
        f"snippet(messages_fts, {column}, {marks}, '…', {tokens}) AS {name}_snippet"
        for column, name in enumerate(("content", "reasoning"))
    )


def pick_snippet(row: sqlite3.Row | dict[str, Any]) -> tuple[str, bool]:
    """(snippet, found in the reasoning) of a search row with the `fts_snippets` columns."""
    content, reasoning = row["content_snippet"] or "", row["reasoning_snippet"] or ""
    if HIT_START in content or HIT_START not in reasoning:
        return content, False
    return reasoning, True


class MessageSearch:
    if TYPE_CHECKING:  # provided by Store

        def _query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]: ...

    def search(self, text: str, limit: int = 50) -> list[SearchHit]:
        """Messages whose text or reasoning has the words; the matches in [brackets]."""
        query = fts_query(text)
        if not query:
            return []
        rows = self._query(
            "SELECT m.id AS message_id, m.dialogue_id, d.title AS dialogue_title, m.role, "
            f"{fts_snippets(12)} "
            "FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
            "JOIN dialogues d ON d.id = m.dialogue_id "
            "WHERE messages_fts MATCH ? AND d.deleted_at IS NULL AND m.deleted_at IS NULL "
            "ORDER BY rank LIMIT ?",
            (query, limit),
        )
        hits = []
        for r in rows:
            snippet, in_reasoning = pick_snippet(r)
            snippet = snippet.replace(HIT_START, "[").replace(HIT_END, "]")
            hits.append(
                SearchHit(
                    r["message_id"],
                    r["dialogue_id"],
                    r["dialogue_title"],
                    r["role"],
                    snippet,
                    in_reasoning,
                )
            )
        return hits
