"""The spend ledger and the models' retirement dates in the database: the part of `Store` about
money and model lifecycles (a mixin, so the store keeps one connection and one lock)."""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from desktop_app.core.pricing import Charge, ReplyUsage, TokenUsage
from desktop_app.core.spend import LedgerEntry

_TOKEN_COLUMNS = (
    "input_tokens, cached_tokens, output_tokens, reasoning_tokens, image_tokens, estimated"
)


def _tokens(row: sqlite3.Row) -> TokenUsage:
    return TokenUsage(
        input=row["input_tokens"],
        cached_input=row["cached_tokens"],
        output=row["output_tokens"],
        reasoning=row["reasoning_tokens"],
        image=row["image_tokens"],
        estimated=bool(row["estimated"]),
    )


class UsageRecords:
    if TYPE_CHECKING:  # provided by Store

        def _transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]: ...

    # --- the ledger --------------------------------------------------------------------------

    def record_usage(
        self,
        message_id: int | None,
        dialogue_id: int | None,
        assistant_id: int | None,
        model: str,
        tokens: TokenUsage,
        charge: Charge,
        created_at: float | None = None,
    ) -> None:
        """One row per reply (recording a reply again replaces its row)."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO usage (message_id, dialogue_id, assistant_id, model, priced_as, "
                f"{_TOKEN_COLUMNS}, cost, currency, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(message_id) DO UPDATE SET input_tokens = excluded.input_tokens, "
                "cached_tokens = excluded.cached_tokens, output_tokens = excluded.output_tokens, "
                "reasoning_tokens = excluded.reasoning_tokens, "
                "image_tokens = excluded.image_tokens, estimated = excluded.estimated, "
                "cost = excluded.cost, currency = excluded.currency, "
                "priced_as = excluded.priced_as, model = excluded.model",
                (
                    message_id,
                    dialogue_id,
                    assistant_id,
                    model,
                    charge.priced_as,
                    tokens.input,
                    tokens.cached_input,
                    tokens.output,
                    tokens.reasoning,
                    tokens.image,
                    int(tokens.estimated),
                    charge.amount,
                    charge.currency,
                    time.time() if created_at is None else created_at,
                ),
            )

    def usage_entries(self, start: float, end: float) -> list[LedgerEntry]:
        """The ledger between two Unix times [start, end), oldest first, with the names of
        the dialogues and assistants (the ones in the bin too)."""
        rows = self._query(
            f"SELECT u.message_id, u.dialogue_id, u.assistant_id, u.model, {_TOKEN_COLUMNS}, "
            "u.cost, u.currency, u.created_at, COALESCE(d.title, '') AS title, "
            "COALESCE(a.name, '') AS assistant_name FROM usage u "
            "LEFT JOIN dialogues d ON d.id = u.dialogue_id "
            "LEFT JOIN assistants a ON a.id = u.assistant_id "
            "WHERE u.created_at >= ? AND u.created_at < ? ORDER BY u.created_at, u.id",
            (start, end),
        )
        return [
            LedgerEntry(
                created_at=r["created_at"],
                model=r["model"],
                tokens=_tokens(r),
                cost=r["cost"],
                currency=r["currency"],
                dialogue_id=r["dialogue_id"],
                dialogue_title=r["title"],
                assistant_id=r["assistant_id"],
                assistant_name=r["assistant_name"],
                message_id=r["message_id"],
            )
            for r in rows
        ]

    def spend_between(self, start: float, end: float) -> float:
        rows = self._query(
            "SELECT cost FROM usage WHERE created_at >= ? AND created_at < ? AND cost IS NOT NULL",
            (start, end),
        )
        return math.fsum(r["cost"] for r in rows)

    def dialogue_spend(self, dialogue_id: int) -> ReplyUsage | None:
        """Everything a dialogue cost, regenerated replies included (they were paid for)."""
        rows = self._query(
            "SELECT COUNT(*) AS n, SUM(input_tokens) AS input_tokens, "
            "SUM(cached_tokens) AS cached_tokens, SUM(output_tokens) AS output_tokens, "
            "SUM(reasoning_tokens) AS reasoning_tokens, SUM(image_tokens) AS image_tokens, "
            "MAX(estimated) AS estimated, TOTAL(cost) AS cost, COUNT(cost) AS priced, "
            "MAX(currency) AS currency FROM usage WHERE dialogue_id = ?",
            (dialogue_id,),
        )
        row = rows[0]
        if not row["n"]:
            return None
        amount = row["cost"] if row["priced"] else None
        tokens = _tokens(row)
        return ReplyUsage(tokens, Charge(amount, row["currency"], tokens.estimated))

    def reply_usages(self, message_ids: Iterable[int]) -> dict[int, ReplyUsage]:
        ids = list(message_ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._query(
            f"SELECT message_id, {_TOKEN_COLUMNS}, cost, currency, priced_as FROM usage "
            f"WHERE message_id IN ({marks})",
            ids,
        )
        return {
            r["message_id"]: ReplyUsage(
                _tokens(r),
                Charge(r["cost"], r["currency"], bool(r["estimated"]), r["priced_as"]),
            )
            for r in rows
        }

    # --- model lifecycles ----------------------------------------------------------------

    def set_model_lifecycle(self, provider: str, dates: Mapping[str, tuple[str, str]]) -> None:
        """Shutdown dates and replacements (model id → (date, replacement)) from the list."""
        with self._transaction() as conn:
            conn.executemany(
                "UPDATE models SET shutdown_date = ?, replacement = ? "
                "WHERE provider = ? AND id = ?",
                [(when, instead, provider, mid) for mid, (when, instead) in dates.items()],
            )

    def model_lifecycle(self, provider: str) -> dict[str, tuple[str, str]]:
        rows = self._query(
            "SELECT id, shutdown_date, replacement FROM models "
            "WHERE provider = ? AND shutdown_date <> ''",
            (provider,),
        )
        return {r["id"]: (r["shutdown_date"], r["replacement"]) for r in rows}
