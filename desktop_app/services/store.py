"""The local database: dialogues, messages, attachments, cached models and capabilities.

SQLite in WAL mode, so the History tab can read while a reply is being written. One connection
per Store, guarded by a lock so the UI thread and `asyncio.to_thread` workers can share it;
every write is its own short transaction, which is what makes a killed app lose at most the
last checkpoint of a streaming reply.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.core.dialogue import Attachment, Dialogue, Message, Status
from desktop_app.core.history import fts_query
from desktop_app.core.tool_notes import ToolNote, notes_from_json, notes_to_json
from desktop_app.services.assistant_store import AssistantRecords
from desktop_app.services.migrations import MigrationError, migrate
from desktop_app.services.training_records import TrainingRecords
from desktop_app.services.usage_store import UsageRecords


class StoreError(RuntimeError):
    """The database could not be opened or written; the message is for the user."""


@dataclass(frozen=True)
class DialogueSummary:
    id: int
    title: str
    model: str
    updated_at: float
    message_count: int


@dataclass(frozen=True)
class SearchHit:
    message_id: int
    dialogue_id: int
    dialogue_title: str
    role: str
    snippet: str


_MESSAGE_COLUMNS = (
    "id, dialogue_id, role, content, model, sentiment_label, sentiment_score, prompt_tokens, "
    "completion_tokens, status, error, created_at, updated_at, assistant_id, assistant_snapshot, "
    "tool_notes, rating"
)


def _message(row: sqlite3.Row) -> Message:
    return Message(
        id=row["id"],
        dialogue_id=row["dialogue_id"],
        role=row["role"],
        content=row["content"],
        model=row["model"],
        sentiment_label=row["sentiment_label"],
        sentiment_score=row["sentiment_score"],
        prompt_tokens=row["prompt_tokens"],
        completion_tokens=row["completion_tokens"],
        status=Status(row["status"]),
        error=row["error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        assistant_id=row["assistant_id"],
        assistant_snapshot=row["assistant_snapshot"],
        tool_notes=notes_from_json(row["tool_notes"]),
        rating=row["rating"],
    )


class Store(AssistantRecords, UsageRecords, TrainingRecords):
    def __init__(self, conn: sqlite3.Connection, attachments_dir: Path) -> None:
        self._conn = conn
        self._lock = threading.RLock()
        self.attachments_dir = attachments_dir
        self.recovered_replies = 0

    @classmethod
    def open(cls, database: Path, attachments_dir: Path, recover: bool = True) -> Store:
        """Open (creating if needed) and upgrade the schema.

        `recover`: mark replies left streaming by a crash as interrupted (they keep the text
        checkpointed so far). Only the app's first connection does this; a second connection
        opened while a reply streams (an import, say) must not touch that reply.
        """
        conn: sqlite3.Connection | None = None
        try:
            database.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(database, check_same_thread=False, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn)
        except MigrationError as exc:
            if conn is not None:
                conn.close()
            raise StoreError(str(exc)) from exc
        except (sqlite3.Error, OSError) as exc:
            if conn is not None:
                conn.close()
            raise StoreError(f"Could not open the database {database}: {exc}") from exc
        store = cls(conn, attachments_dir)
        if recover:
            store.recovered_replies = store._recover_streaming()
        return store

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction. A failure anywhere (COMMIT included: disk full, a
        lock held too long) rolls back, so the connection is never left inside a transaction,
        and SQLite's errors reach callers as StoreError with a sentence for the user."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException as exc:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(f"The database refused a change: {exc}") from exc
                raise

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, tuple(params)).fetchall()

    def _recover_streaming(self) -> int:
        with self._transaction() as conn:
            cur = conn.execute(
                "UPDATE messages SET status = 'interrupted', "
                "error = 'Parley closed before the reply finished.' WHERE status = 'streaming'"
            )
            return cur.rowcount

    # --- dialogues -------------------------------------------------------------------------

    def create_dialogue(
        self, title: str, model: str = "", system: str = "", assistant_id: int | None = None
    ) -> int:
        now = time.time()
        with self._transaction() as conn:
            cur = conn.execute(
                "INSERT INTO dialogues (title, model, system, assistant_id, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (title, model, system, assistant_id, now, now),
            )
            return int(cur.lastrowid or 0)

    def is_live(self, dialogue_id: int) -> bool:
        """The dialogue exists and is not in the trash."""
        rows = self._query(
            "SELECT 1 FROM dialogues WHERE id = ? AND deleted_at IS NULL", (dialogue_id,)
        )
        return bool(rows)

    def update_dialogue(self, dialogue_id: int, **changes: Any) -> None:
        allowed = {"title", "model", "system", "pinned", "assistant_id"}
        if not changes.keys() <= allowed:
            raise ValueError(f"cannot change {sorted(changes.keys() - allowed)}")
        assignments = ", ".join(f"{name} = ?" for name in changes)
        with self._transaction() as conn:
            conn.execute(
                f"UPDATE dialogues SET {assignments}, updated_at = ? WHERE id = ?",
                (*changes.values(), time.time(), dialogue_id),
            )

    def get_dialogue(self, dialogue_id: int) -> Dialogue | None:
        rows = self._query("SELECT * FROM dialogues WHERE id = ?", (dialogue_id,))
        if not rows:
            return None
        row = rows[0]
        return Dialogue(
            id=row["id"],
            title=row["title"],
            model=row["model"],
            system=row["system"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            messages=self.messages(dialogue_id),
            assistant_id=row["assistant_id"],
        )

    def list_dialogues(self, limit: int = 100, offset: int = 0) -> list[DialogueSummary]:
        rows = self._query(
            "SELECT d.id, d.title, d.model, d.updated_at, "
            "(SELECT COUNT(*) FROM messages m WHERE m.dialogue_id = d.id AND m.superseded = 0) "
            "AS message_count FROM dialogues d WHERE d.deleted_at IS NULL "
            "ORDER BY d.pinned DESC, d.updated_at DESC, d.id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [DialogueSummary(**dict(r)) for r in rows]

    # --- messages --------------------------------------------------------------------------

    def messages(self, dialogue_id: int, include_superseded: bool = False) -> list[Message]:
        """The dialogue's messages in order; with `include_superseded`, the replies that
        Regenerate replaced too (Training pairs them with their successors)."""
        shown = "" if include_superseded else "AND superseded = 0 "
        rows = self._query(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE dialogue_id = ? {shown}ORDER BY id",
            (dialogue_id,),
        )
        messages = [_message(r) for r in rows]
        by_id = {m.id: m for m in messages}
        if by_id:
            marks = ",".join("?" * len(by_id))
            for a in self._query(
                f"SELECT * FROM attachments WHERE message_id IN ({marks}) ORDER BY id", by_id
            ):
                by_id[a["message_id"]].attachments.append(
                    Attachment(a["sha256"], a["ext"], a["mime"], a["size"], a["name"])
                )
            for message_id, usage in self.reply_usages(i for i in by_id if i is not None).items():
                by_id[message_id].usage = usage
        return messages

    def get_message(self, message_id: int) -> Message | None:
        rows = self._query(f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,))
        return _message(rows[0]) if rows else None

    def add_message(self, dialogue_id: int, message: Message) -> int:
        """Insert and commit before returning: the caller may send the request right after."""
        now = time.time()
        with self._transaction() as conn:
            cur = conn.execute(
                "INSERT INTO messages (dialogue_id, role, content, model, sentiment_label, "
                "sentiment_score, status, error, created_at, updated_at, assistant_id, "
                "assistant_snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    dialogue_id,
                    message.role,
                    message.content,
                    message.model,
                    message.sentiment_label,
                    message.sentiment_score,
                    message.status.value,
                    message.error,
                    message.created_at or now,
                    now,
                    message.assistant_id,
                    message.assistant_snapshot,
                ),
            )
            conn.execute("UPDATE dialogues SET updated_at = ? WHERE id = ?", (now, dialogue_id))
            return int(cur.lastrowid or 0)

    def checkpoint(self, message_id: int, content: str) -> None:
        """Save the text of a reply still streaming.

        Only while it is `streaming`: checkpoints run in worker threads, and one that lands
        after the reply was finished (Stop, an error) must not put older text back.
        """
        with self._transaction() as conn:
            conn.execute(
                "UPDATE messages SET content = ?, updated_at = ? "
                "WHERE id = ? AND status = 'streaming'",
                (content, time.time(), message_id),
            )

    def set_content(self, message_id: int, content: str) -> None:
        """Replace a message's text (the user edited it)."""
        with self._transaction() as conn:
            conn.execute(
                "UPDATE messages SET content = ?, updated_at = ? WHERE id = ?",
                (content, time.time(), message_id),
            )

    def finish_message(
        self,
        message_id: int,
        *,
        content: str,
        status: Status,
        error: str = "",
        sentiment_label: str = "",
        sentiment_score: float | None = None,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        tool_notes: list[ToolNote] | None = None,
    ) -> None:
        with self._transaction() as conn:
            conn.execute(
                "UPDATE messages SET content = ?, status = ?, error = ?, sentiment_label = ?, "
                "sentiment_score = ?, prompt_tokens = ?, completion_tokens = ?, tool_notes = ?, "
                "updated_at = ? WHERE id = ?",
                (
                    content,
                    status.value,
                    error,
                    sentiment_label,
                    sentiment_score,
                    prompt_tokens,
                    completion_tokens,
                    notes_to_json(tool_notes or []),
                    time.time(),
                    message_id,
                ),
            )

    def supersede(self, message_id: int) -> None:
        """Hide a reply that Regenerate replaces; it stays in the database, nothing is lost."""
        with self._transaction() as conn:
            conn.execute("UPDATE messages SET superseded = 1 WHERE id = ?", (message_id,))

    # --- search ----------------------------------------------------------------------------

    def search(self, text: str, limit: int = 50) -> list[SearchHit]:
        query = fts_query(text)
        if not query:
            return []
        rows = self._query(
            "SELECT m.id AS message_id, m.dialogue_id, d.title AS dialogue_title, m.role, "
            "snippet(messages_fts, 0, '[', ']', '…', 12) AS snippet "
            "FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
            "JOIN dialogues d ON d.id = m.dialogue_id "
            "WHERE messages_fts MATCH ? AND d.deleted_at IS NULL AND m.superseded = 0 "
            "ORDER BY rank LIMIT ?",
            (query, limit),
        )
        return [SearchHit(**dict(r)) for r in rows]

    # --- attachments -----------------------------------------------------------------------

    def add_attachment(
        self, message_id: int, data: bytes, ext: str, mime: str, name: str = ""
    ) -> Attachment:
        """Content-addressed: the same bytes are stored once, however often attached."""
        digest = hashlib.sha256(data).hexdigest()
        attachment = Attachment(digest, ext.lower().lstrip("."), mime, len(data), name)
        target = self.attachments_dir / attachment.file_name
        if not target.exists():
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            try:
                self.attachments_dir.mkdir(parents=True, exist_ok=True)
                tmp.write_bytes(data)
                os.replace(tmp, target)
            except OSError as exc:  # a full disk, a folder made read-only
                with contextlib.suppress(OSError):
                    tmp.unlink(missing_ok=True)
                raise StoreError(
                    f"The attachment {name or attachment.file_name} could not be saved: "
                    f"{exc.strerror or exc}."
                ) from exc
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO attachments (message_id, sha256, ext, mime, size, name) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (message_id, digest, attachment.ext, mime, len(data), name),
            )
        return attachment

    def attachment_path(self, attachment: Attachment) -> Path:
        return self.attachments_dir / attachment.file_name

    # --- provider caches -------------------------------------------------------------------

    def cache_models(self, provider: str, models: Iterable[tuple[str, str, int | None]]) -> None:
        now = time.time()
        with self._transaction() as conn:
            conn.execute("DELETE FROM models WHERE provider = ?", (provider,))
            conn.executemany(
                "INSERT OR REPLACE INTO models (provider, id, owned_by, created, fetched_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [(provider, mid, owner, created, now) for mid, owner, created in models],
            )

    def cached_models(self, provider: str) -> list[str]:
        rows = self._query("SELECT id FROM models WHERE provider = ? ORDER BY id", (provider,))
        return [r["id"] for r in rows]

    def save_capabilities(self, provider: str, capabilities: dict[str, Any]) -> None:
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO capabilities (provider, json, probed_at) VALUES (?, ?, ?)",
                (provider, json.dumps(capabilities), time.time()),
            )

    def load_capabilities(self, provider: str) -> dict[str, Any] | None:
        rows = self._query("SELECT json FROM capabilities WHERE provider = ?", (provider,))
        return json.loads(rows[0]["json"]) if rows else None
