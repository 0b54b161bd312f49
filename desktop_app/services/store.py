"""The local database: dialogues, messages, attachments, cached models and capabilities.

SQLite in WAL mode, so the History tab can read while a reply is being written. One connection
per Store, guarded by a lock so the UI thread and `asyncio.to_thread` workers can share it;
every write is its own short transaction, which is what makes a killed app lose at most the
last checkpoint of a streaming reply.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.core.dialogue import Attachment, Dialogue, Message, Status
from desktop_app.core.tool_notes import ToolNote, notes_to_json
from desktop_app.services.assistant_store import AssistantRecords
from desktop_app.services.attachment_store import AttachmentRecords
from desktop_app.services.backups import DEFAULT_KEEP
from desktop_app.services.branch_store import (
    BRANCH_CTE,
    CURRENT,
    BranchRecords,
    Parent,
    chunks,
    marks,
)
from desktop_app.services.message_rows import MESSAGE_COLUMNS, message_from_row
from desktop_app.services.message_search import MessageSearch
from desktop_app.services.provider_cache import ProviderCacheRecords
from desktop_app.services.store_errors import READ_ONLY, StoreError, StoreFull, refused
from desktop_app.services.store_open import (
    check_not_emptied,
    connect_read_only,
    connect_read_write,
    is_empty_file,
)
from desktop_app.services.training_records import TrainingRecords
from desktop_app.services.usage_store import UsageRecords

__all__ = ["Store", "StoreError", "StoreFull"]


@dataclass(frozen=True)
class DialogueSummary:
    id: int
    title: str
    model: str
    updated_at: float
    message_count: int


class Store(
    BranchRecords,
    AttachmentRecords,
    AssistantRecords,
    UsageRecords,
    TrainingRecords,
    MessageSearch,
    ProviderCacheRecords,
):
    def __init__(self, conn: sqlite3.Connection, attachments_dir: Path) -> None:
        self._conn = conn
        self._lock = threading.RLock()
        self.attachments_dir = attachments_dir
        self.recovered_replies = 0
        self._depth = 0  # nested `_transaction`s inside `atomic()`
        self.read_only = False
        self.started_empty = False  # the file was there, and empty (said once, at start-up)

    @classmethod
    def open(
        cls,
        database: Path,
        attachments_dir: Path,
        recover: bool = True,
        *,
        read_only: bool = False,
        keep_backups: int = DEFAULT_KEEP,
    ) -> Store:
        """Open (creating if needed) and upgrade the schema, backing the file up first.

        `recover`: mark replies left streaming by a crash as interrupted (they keep the text
        checkpointed so far). Only the app's first connection does this; a second connection
        opened while a reply streams (an import, say) must not touch that reply.
        `read_only`: read an up-to-date file without changing it (a read-only folder); every
        write then fails with a StoreError.
        The StoreError raised says in its `kind` what went wrong (damaged, read-only, …).
        """
        if read_only:
            store = cls(connect_read_only(database), attachments_dir)
            store.read_only = True
            return store
        check_not_emptied(database)
        started_empty = is_empty_file(database)
        store = cls(connect_read_write(database, keep_backups), attachments_dir)
        store.started_empty = started_empty
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
        and SQLite's errors reach callers as StoreError with a sentence for the user (a full
        disk as StoreFull). Inside `atomic()`, it joins the transaction already open."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._conn
                except sqlite3.Error as exc:  # the outer one rolls back
                    raise refused(exc) from exc
                finally:
                    self._depth -= 1
                return
            self._depth = 1
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException as exc:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error) and self.read_only:
                    raise StoreError(
                        "Parley's data is read-only, so this change could not be saved.",
                        READ_ONLY,
                    ) from exc
                if isinstance(exc, sqlite3.Error):
                    raise refused(exc) from exc
                raise
            finally:
                self._depth = 0

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Several store calls as one change: all of them are kept, or (an error in any,
        which propagates) none. A user's message and its reply's placeholder go in together,
        so a full disk never keeps one without the other."""
        with self._transaction():
            yield

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
        self,
        title: str,
        model: str = "",
        system: str = "",
        assistant_id: int | None = None,
        provider: str = "",
    ) -> int:
        """`provider`: the id in Settings of the provider it is held with ('' the main one)."""
        now = time.time()
        with self._transaction() as conn:
            cur = conn.execute(
                "INSERT INTO dialogues (title, model, system, assistant_id, provider, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (title, model, system, assistant_id, provider, now, now),
            )
            return int(cur.lastrowid or 0)

    def is_live(self, dialogue_id: int) -> bool:
        """The dialogue exists and is not in the trash."""
        rows = self._query(
            "SELECT 1 FROM dialogues WHERE id = ? AND deleted_at IS NULL", (dialogue_id,)
        )
        return bool(rows)

    def update_dialogue(self, dialogue_id: int, **changes: Any) -> None:
        allowed = {"title", "model", "system", "pinned", "assistant_id", "provider"}
        if not changes.keys() <= allowed:
            raise ValueError(f"cannot change {sorted(changes.keys() - allowed)}")
        assignments = ", ".join(f"{name} = ?" for name in changes)
        with self._transaction() as conn:
            conn.execute(
                f"UPDATE dialogues SET {assignments}, updated_at = ? WHERE id = ?",
                (*changes.values(), time.time(), dialogue_id),
            )

    def get_dialogue(self, dialogue_id: int, through: int | None = None) -> Dialogue | None:
        """A dialogue with its current branch, or (`through` a message id) with the branch
        that holds that message, leaving the one shown in Chat as it is."""
        rows = self._query("SELECT * FROM dialogues WHERE id = ?", (dialogue_id,))
        if not rows:
            return None
        row = rows[0]
        branch = self.branch_through(through) if through is not None else []
        if not branch or branch[0].dialogue_id != dialogue_id:  # a hit deleted meanwhile
            branch = self.messages(dialogue_id)
        return Dialogue(
            id=row["id"],
            title=row["title"],
            model=row["model"],
            system=row["system"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            messages=branch,
            assistant_id=row["assistant_id"],
            provider=row["provider"],
        )

    def list_dialogues(self, limit: int = 100, offset: int = 0) -> list[DialogueSummary]:
        """A page of live dialogues, pinned first, newest first; counts are of the branch
        each one shows."""
        rows = self._query(
            "SELECT d.id, d.title, d.model, d.updated_at FROM dialogues d "
            "WHERE d.deleted_at IS NULL "
            "ORDER BY d.pinned DESC, d.updated_at DESC, d.id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        ids = [r["id"] for r in rows]
        counts = {
            c[0]: c[1]
            for c in self._query(
                BRANCH_CTE.format(dialogues=marks(ids))
                + "SELECT dialogue_id, COUNT(*) FROM branch GROUP BY dialogue_id",
                ids,
            )
        }
        return [DialogueSummary(**dict(r), message_count=counts.get(r["id"], 0)) for r in rows]

    # --- messages --------------------------------------------------------------------------

    def _load(self, ids: Sequence[int]) -> list[Message]:
        """Messages by id, in the order given, with their attachments and costs."""
        by_id: dict[int, Message] = {}
        for chunk in chunks(ids):
            for r in self._query(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id IN ({marks(chunk)})", chunk
            ):
                by_id[r["id"]] = message_from_row(r)
        messages = [by_id[i] for i in ids if i in by_id]
        for chunk in chunks(list(by_id)):
            for a in self._query(
                f"SELECT * FROM attachments WHERE message_id IN ({marks(chunk)}) ORDER BY id",
                chunk,
            ):
                by_id[a["message_id"]].attachments.append(
                    Attachment(a["sha256"], a["ext"], a["mime"], a["size"], a["name"])
                )
            for message_id, usage in self.reply_usages(chunk).items():
                by_id[message_id].usage = usage
        return messages

    def get_message(self, message_id: int) -> Message | None:
        rows = self._query(f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,))
        return message_from_row(rows[0]) if rows else None

    def add_message(self, dialogue_id: int, message: Message, parent_id: Parent = CURRENT) -> int:
        """Insert and commit before returning: the caller may send the request right after.

        The message follows the dialogue's current leaf, or `parent_id` (None: a new first
        message), and becomes the current leaf.
        """
        now = time.time()
        with self._transaction() as conn:
            parent = self._parent_for_new(conn, dialogue_id, parent_id)
            cur = conn.execute(
                "INSERT INTO messages (dialogue_id, parent_id, role, content, reasoning, model, "
                "sentiment_label, sentiment_score, status, error, created_at, updated_at, "
                "assistant_id, assistant_snapshot, tool_calls, tool_call_id, tool_info) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    dialogue_id,
                    parent,
                    message.role,
                    message.content,
                    message.reasoning,
                    message.model,
                    message.sentiment_label,
                    message.sentiment_score,
                    message.status.value,
                    message.error,
                    message.created_at or now,
                    now,
                    message.assistant_id,
                    message.assistant_snapshot,
                    json.dumps(message.tool_calls) if message.tool_calls else "",
                    message.tool_call_id,
                    json.dumps(message.tool_info) if message.tool_info else "",
                ),
            )
            message_id = int(cur.lastrowid or 0)
            conn.execute(
                "UPDATE dialogues SET updated_at = ?, current_leaf_id = ? WHERE id = ?",
                (now, message_id, dialogue_id),
            )
            return message_id

    def checkpoint(self, message_id: int, content: str, reasoning: str = "") -> None:
        """Save the text (and reasoning) of a reply still streaming.

        Only while it is `streaming`: checkpoints run in worker threads, and one that lands
        after the reply was finished (Stop, an error) must not put older text back.
        """
        with self._transaction() as conn:
            conn.execute(
                "UPDATE messages SET content = ?, reasoning = ?, updated_at = ? "
                "WHERE id = ? AND status = 'streaming'",
                (content, reasoning, time.time(), message_id),
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
        reasoning: str = "",
        reasoning_seconds: float | None = None,
        first_token_seconds: float | None = None,
        tokens_per_second: float | None = None,
        ending: str = "",
        tool_calls: list[dict[str, Any]] | None = None,
    ) -> None:
        with self._transaction() as conn:
            conn.execute(
                "UPDATE messages SET content = ?, status = ?, error = ?, sentiment_label = ?, "
                "sentiment_score = ?, prompt_tokens = ?, completion_tokens = ?, tool_notes = ?, "
                "reasoning = ?, reasoning_seconds = ?, first_token_seconds = ?, "
                "tokens_per_second = ?, ending = ?, tool_calls = ?, updated_at = ? WHERE id = ?",
                (
                    content,
                    status.value,
                    error,
                    sentiment_label,
                    sentiment_score,
                    prompt_tokens,
                    completion_tokens,
                    notes_to_json(tool_notes or []),
                    reasoning,
                    reasoning_seconds,
                    first_token_seconds,
                    tokens_per_second,
                    ending,
                    json.dumps(tool_calls) if tool_calls else "",
                    time.time(),
                    message_id,
                ),
            )
