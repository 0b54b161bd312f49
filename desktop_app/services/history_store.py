"""History's own connection to the database: pages of the list, search, and list edits.

A second `Store` on the same file. WAL lets it read while the Chat tab writes a reply on the
main connection, and its lock is never held by a streaming reply, so paging the History list
(synchronous, on the UI thread, about a millisecond a page) never waits for the network.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from desktop_app.core.dialogue import Dialogue
from desktop_app.core.history import DialogueRow, SearchFilters, SearchHit, fts_query
from desktop_app.services.backups import DEFAULT_KEEP
from desktop_app.services.branch_store import BRANCH_CTE, marks
from desktop_app.services.dialogue_finder import DialogueFinderMixin
from desktop_app.services.history_edits import HistoryEdits
from desktop_app.services.import_records import ImportRecords
from desktop_app.services.message_search import fts_snippets, pick_snippet
from desktop_app.services.store import Store, StoreError
from desktop_app.services.store_open import connect_read_only, open_error

PAGE_SIZE = 200
SNIPPET_TOKENS = 16
PLAIN_SNIPPET_CHARS = 160
# Ranking (bm25) costs time for every matching message. A word found in more messages than
# this ("the") ranks only the most recently stored matches: such a search asks for refining,
# and stays under ~30 ms instead of growing with the archive.
RANKED_MATCHES = 20_000


class SearchInterrupted(Exception):
    """A newer search interrupted this one; its results are not wanted."""


# A dialogue's assistant: one of Parley's (by id), else the name an import brought along.
_ROW_COLUMNS = (
    "id, title, model, COALESCE((SELECT a.name FROM assistants a WHERE a.id = assistant_id), "
    "assistant_name) AS assistant, created_at, updated_at, pinned, deleted_at"
)


class HistoryStore(DialogueFinderMixin, Store, HistoryEdits, ImportRecords):
    """Signals nothing (services have no Qt); all methods may run in worker threads.

    Searches run on a connection of their own, so a slow one never holds up a page of the
    list, and the next keystroke can interrupt it (`interrupt_search`).
    """

    database: Path
    _search: sqlite3.Connection
    _search_lock: threading.Lock

    @classmethod
    def open(
        cls,
        database: Path,
        attachments_dir: Path,
        recover: bool = False,
        *,
        read_only: bool = False,
        keep_backups: int = DEFAULT_KEEP,
    ) -> HistoryStore:
        store = super().open(
            database, attachments_dir, recover, read_only=read_only, keep_backups=keep_backups
        )
        assert isinstance(store, HistoryStore)
        store.database = database
        try:
            if read_only:
                search = connect_read_only(database)
            else:
                search = sqlite3.connect(database, check_same_thread=False, isolation_level=None)
                search.row_factory = sqlite3.Row
                search.execute("PRAGMA busy_timeout = 5000")
                search.execute("PRAGMA query_only = ON")
        except StoreError:
            store.close()
            raise
        except sqlite3.DatabaseError as exc:
            store.close()
            raise open_error(database, exc) from exc
        store._search, store._search_lock = search, threading.Lock()
        return store

    def close(self) -> None:
        if hasattr(self, "_search"):
            with self._search_lock:
                self._search.close()
        super().close()

    def interrupt_search(self) -> None:
        """Stop the search running now, if any (from any thread); it raises SearchInterrupted."""
        self._search.interrupt()

    def data_version(self) -> int:
        """Changes whenever another connection commits: the list is then out of date."""
        return int(self._query("PRAGMA data_version")[0][0])

    # --- the list --------------------------------------------------------------------------

    def dialogue_rows(
        self, after: DialogueRow | None = None, limit: int = PAGE_SIZE, trash: bool = False
    ) -> list[DialogueRow]:
        """A page of the list, newest first (pinned on top; the trash by time of deletion).

        Keyset paging: a page starts after the last row of the one before, so page 500 costs
        what page 1 does.
        """
        key: tuple[Any, ...]
        if trash:
            where, order = "deleted_at IS NOT NULL", "deleted_at DESC, id DESC"
            keyset, key = "(deleted_at, id) < (?, ?)", (after.deleted_at, after.id) if after else ()
        else:
            where, order = "deleted_at IS NULL", "pinned DESC, updated_at DESC, id DESC"
            keyset = "(pinned, updated_at, id) < (?, ?, ?)"
            key = (int(after.pinned), after.updated_at, after.id) if after else ()
        if after is not None:
            where += f" AND {keyset}"
        rows = self._query(
            f"SELECT {_ROW_COLUMNS} FROM dialogues WHERE {where} ORDER BY {order} LIMIT ?",
            (*key, limit),
        )
        return self._with_summaries(rows)

    def dialogue_row(self, dialogue_id: int) -> DialogueRow | None:
        rows = self._query(f"SELECT {_ROW_COLUMNS} FROM dialogues WHERE id = ?", (dialogue_id,))
        found = self._with_summaries(rows)
        return found[0] if found else None

    def _with_summaries(self, rows: list[sqlite3.Row]) -> list[DialogueRow]:
        ids = [r["id"] for r in rows]
        counts: dict[int, tuple[int, int, int, int]] = {}
        if ids:
            for c in self._query(
                BRANCH_CTE.format(dialogues=marks(ids))
                + "SELECT dialogue_id, COUNT(*) AS n, SUM(sentiment = 'positive') AS pos, "
                "SUM(sentiment = 'neutral') AS neu, SUM(sentiment = 'negative') AS neg "
                "FROM branch GROUP BY dialogue_id",
                ids,
            ):
                counts[c["dialogue_id"]] = (c["n"], c["pos"], c["neu"], c["neg"])
        return [
            DialogueRow(
                id=r["id"],
                title=r["title"],
                model=r["model"],
                assistant=r["assistant"],
                created_at=r["created_at"],
                updated_at=r["updated_at"],
                pinned=bool(r["pinned"]),
                deleted_at=r["deleted_at"],
                message_count=counts.get(r["id"], (0, 0, 0, 0))[0],
                positive=counts.get(r["id"], (0, 0, 0, 0))[1],
                neutral=counts.get(r["id"], (0, 0, 0, 0))[2],
                negative=counts.get(r["id"], (0, 0, 0, 0))[3],
            )
            for r in rows
        ]

    def count_dialogues(self, trash: bool = False) -> int:
        where = "deleted_at IS NOT NULL" if trash else "deleted_at IS NULL"
        return int(self._query(f"SELECT COUNT(*) FROM dialogues WHERE {where}")[0][0])

    def facets(self) -> tuple[list[str], list[str]]:
        """The models and assistants that occur, for the filter pickers."""
        models = self._query(
            "SELECT model FROM messages WHERE model <> '' UNION "
            "SELECT model FROM dialogues WHERE model <> '' ORDER BY 1"
        )
        assistants = self._query(
            "SELECT name FROM assistants WHERE id IN (SELECT assistant_id FROM dialogues "
            "WHERE assistant_id IS NOT NULL UNION SELECT assistant_id FROM messages WHERE "
            "assistant_id IS NOT NULL) UNION "
            "SELECT assistant_name FROM dialogues WHERE assistant_name <> '' ORDER BY 1"
        )
        return [r[0] for r in models], [r[0] for r in assistants]

    # --- search ----------------------------------------------------------------------------

    def search_messages(
        self, text: str, filters: SearchFilters, limit: int = 100, offset: int = 0
    ) -> list[SearchHit]:
        """Ranked full-text hits with snippets; with no text, the newest messages that pass
        the filters. Every branch is searched (`get_dialogue(id, through=hit.message_id)`
        reads the one holding a hit); deleted dialogues and messages are never found."""
        where = ["d.deleted_at IS NULL", "m.deleted_at IS NULL"]
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if filters.model:
            where.append("(m.model = :model OR (m.model = '' AND d.model = :model))")
            params["model"] = filters.model
        for name in ("role", "sentiment"):
            value = getattr(filters, name)
            if value:
                column = "sentiment_label" if name == "sentiment" else name
                where.append(f"m.{column} = :{name}")
                params[name] = value
        if filters.since is not None:
            where.append("m.created_at >= :since")
            params["since"] = filters.since
        if filters.until is not None:
            where.append("m.created_at < :until")
            params["until"] = filters.until
        if filters.assistant:
            where.append(
                "(d.assistant_name = :assistant OR EXISTS (SELECT 1 FROM assistants a WHERE "
                "a.name = :assistant AND a.id IN (d.assistant_id, m.assistant_id)))"
            )
            params["assistant"] = filters.assistant
        if filters.has_image:
            where.append(
                "EXISTS (SELECT 1 FROM messages mi JOIN attachments a ON a.message_id = mi.id "
                "WHERE mi.dialogue_id = d.id AND mi.deleted_at IS NULL AND a.mime LIKE 'image/%')"
            )
        columns = (
            "m.id AS message_id, m.dialogue_id, d.title, m.role, "
            "CASE m.model WHEN '' THEN d.model ELSE m.model END AS model, m.created_at, "
            "m.sentiment_label"
        )
        query = fts_query(text)
        if query:
            params["query"] = query
            floor = self._many_matches(query)
            if floor:
                where.append("messages_fts.rowid > :floor")
                params["floor"] = floor
            sql = (
                f"SELECT {columns}, {fts_snippets(SNIPPET_TOKENS)} FROM messages_fts "
                "JOIN messages m ON m.id = messages_fts.rowid "
                "JOIN dialogues d ON d.id = m.dialogue_id "
                f"WHERE messages_fts MATCH :query AND {' AND '.join(where)} "
                "ORDER BY rank LIMIT :limit OFFSET :offset"
            )
        elif filters.active:
            sql = (
                f"SELECT {columns}, substr(m.content, 1, {PLAIN_SNIPPET_CHARS}) AS snippet "
                "FROM messages m JOIN dialogues d ON d.id = m.dialogue_id "
                f"WHERE {' AND '.join(where)} "
                "ORDER BY m.created_at DESC, m.id DESC LIMIT :limit OFFSET :offset"
            )
        else:
            return []
        rows = self._search_rows(sql, params)
        if not query:
            return [SearchHit(**dict(r)) for r in rows]
        hits = []
        for r in rows:
            found = dict(r)
            snippet, in_reasoning = pick_snippet(found)
            del found["content_snippet"], found["reasoning_snippet"]
            hits.append(SearchHit(**found, snippet=snippet, in_reasoning=in_reasoning))
        return hits

    def _search_rows(self, sql: str, params: dict[str, Any] | tuple[Any, ...]) -> list[Any]:
        with self._search_lock:
            try:
                return self._search.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                if "interrupted" in str(exc):
                    raise SearchInterrupted from exc
                raise

    def _many_matches(self, query: str) -> int:
        """The rowid below the RANKED_MATCHES newest matches, or 0 if there are fewer."""
        rows = self._search_rows(
            "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? "
            "ORDER BY rowid DESC LIMIT 1 OFFSET ?",
            (query, RANKED_MATCHES),
        )
        return int(rows[0][0]) if rows else 0

    # --- whole dialogues -------------------------------------------------------------------

    def dialogues(self, ids: Iterable[int], all_branches: bool = False) -> Iterable[Dialogue]:
        """Dialogues one at a time (for export): memory stays flat however many are chosen.
        Each holds its current branch; with `all_branches`, its `tree` holds every branch."""
        for dialogue_id in ids:
            dialogue = self.get_dialogue(dialogue_id)
            if dialogue is not None:
                if all_branches:
                    dialogue.tree = self.all_messages(dialogue_id)
                yield dialogue
