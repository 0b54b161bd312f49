"""Ratings of replies and the fine-tuning job registry: the part of `Store` about Training.

A mixin, like `AssistantRecords`, so everything shares the store's one connection and lock.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from desktop_app.core.dialogue import Dialogue, Message
from desktop_app.core.fine_tuning_jobs import JobRecord
from desktop_app.core.history import SearchFilters, fts_query

RATING_FILTERS = {"": "", "up": "r.rating = 1", "down": "r.rating = -1", "rated": "r.rating <> 0"}
_JOB_COLUMNS = (
    "provider, id, description, base_model, method, training_file, validation_file, "
    "fine_tuned_model, status, error, details, created_at, updated_at"
)


def _job(row: sqlite3.Row) -> JobRecord:
    values = dict(row)
    values["details"] = json.loads(values["details"] or "{}")
    return JobRecord(**values)


class TrainingRecords:
    if TYPE_CHECKING:  # provided by Store

        def _transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]: ...

        def get_dialogue(self, dialogue_id: int) -> Dialogue | None: ...

        def all_messages(self, dialogue_id: int) -> list[Message]: ...

    # --- ratings ---------------------------------------------------------------------------

    def rate_message(self, message_id: int, rating: int) -> None:
        """1 (👍), -1 (👎) or 0 (no rating)."""
        if rating not in (-1, 0, 1):
            raise ValueError(f"a rating is -1, 0 or 1, not {rating!r}")
        with self._transaction() as conn:
            conn.execute("UPDATE messages SET rating = ? WHERE id = ?", (rating, message_id))

    # --- dialogues as a dataset source -----------------------------------------------------

    def training_dialogue_ids(
        self, filters: SearchFilters, rating: str = "", text: str = "", limit: int = 100_000
    ) -> list[int]:
        """Dialogues with a message passing the History filters (and the search text), and,
        with `rating` ("up", "down", "rated"), at least one reply rated so. Newest first."""
        where = ["d.deleted_at IS NULL", "m.deleted_at IS NULL"]
        params: list[Any] = []

        def need(condition: str, *values: Any) -> None:
            where.append(condition)
            params.extend(values)

        if filters.model:
            need("(m.model = ? OR d.model = ?)", filters.model, filters.model)
        if filters.sentiment:
            need("m.sentiment_label = ?", filters.sentiment)
        if filters.since is not None:
            need("m.created_at >= ?", filters.since)
        if filters.until is not None:
            need("m.created_at < ?", filters.until)
        if filters.assistant:
            need(
                "(d.assistant_name = ? OR EXISTS (SELECT 1 FROM assistants a WHERE "
                "a.name = ? AND a.id IN (d.assistant_id, m.assistant_id)))",
                filters.assistant,
                filters.assistant,
            )
        query = fts_query(text)
        if query:
            need("m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)", query)
        if RATING_FILTERS.get(rating):
            need(
                "EXISTS (SELECT 1 FROM messages r WHERE r.dialogue_id = d.id AND "
                f"r.deleted_at IS NULL AND {RATING_FILTERS[rating]})"
            )
        rows = self._query(
            "SELECT d.id FROM dialogues d JOIN messages m ON m.dialogue_id = d.id "
            f"WHERE {' AND '.join(where)} GROUP BY d.id ORDER BY MAX(d.updated_at) DESC, d.id "
            "DESC LIMIT ?",
            (*params, limit),
        )
        return [r[0] for r in rows]

    def dialogue_for_training(self, dialogue_id: int) -> tuple[Dialogue, list[Message]]:
        """A dialogue with its current branch, and every live message of every branch (each
        with its parent: preference pairs come from sibling replies). Raises KeyError if it
        is gone."""
        dialogue = self.get_dialogue(dialogue_id)
        if dialogue is None:
            raise KeyError(dialogue_id)
        return dialogue, self.all_messages(dialogue_id)

    # --- the job registry ------------------------------------------------------------------

    def save_job(self, record: JobRecord) -> JobRecord:
        """Insert or update a job, keeping a description already written for it."""
        existing = self.job(record.provider, record.id)
        if existing is not None:
            record = existing.merged(record)
        now = time.time()
        values = (
            record.provider,
            record.id,
            record.description,
            record.base_model,
            record.method,
            record.training_file,
            record.validation_file,
            record.fine_tuned_model,
            record.status,
            record.error,
            json.dumps(dict(record.details)),
            record.created_at or now,
            now,
        )
        with self._transaction() as conn:
            conn.execute(
                f"INSERT OR REPLACE INTO fine_tuning_jobs ({_JOB_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )
        return self.job(record.provider, record.id) or record

    def job(self, provider: str, job_id: str) -> JobRecord | None:
        rows = self._query(
            f"SELECT {_JOB_COLUMNS} FROM fine_tuning_jobs WHERE provider = ? AND id = ?",
            (provider, job_id),
        )
        return _job(rows[0]) if rows else None

    def jobs(self, provider: str | None = None) -> list[JobRecord]:
        """Newest first; every provider's when `provider` is None."""
        where, params = ("WHERE provider = ?", (provider,)) if provider is not None else ("", ())
        rows = self._query(
            f"SELECT {_JOB_COLUMNS} FROM fine_tuning_jobs {where} ORDER BY created_at DESC, id",
            params,
        )
        return [_job(r) for r in rows]

    def describe_job(self, provider: str, job_id: str, description: str) -> None:
        with self._transaction() as conn:
            conn.execute(
                "UPDATE fine_tuning_jobs SET description = ?, updated_at = ? "
                "WHERE provider = ? AND id = ?",
                (description, time.time(), provider, job_id),
            )

    def remember_model(self, provider: str, model_id: str, owned_by: str = "") -> None:
        """Add one model to the provider's cached model list (the pickers read it)."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO models (provider, id, owned_by, created, fetched_at) "
                "VALUES (?, ?, ?, NULL, ?)",
                (provider, model_id, owned_by, time.time()),
            )

    def fine_tuned_models(self, provider: str) -> dict[str, str]:
        """Models made by succeeded jobs on this provider → the job's description."""
        rows = self._query(
            "SELECT fine_tuned_model, description FROM fine_tuning_jobs WHERE provider = ? "
            "AND fine_tuned_model <> '' ORDER BY created_at",
            (provider,),
        )
        return {r[0]: r[1] for r in rows}
