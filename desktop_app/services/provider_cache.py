"""The provider caches in the database: the models each provider lists and what probing it
found it can do (capabilities), with when. The part of `Store` about providers (a mixin, so
the store keeps one connection and one lock)."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any


class ProviderCacheRecords:
    if TYPE_CHECKING:  # provided by Store

        def _transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]: ...

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
        found = self.load_capabilities_with_time(provider)
        return found[0] if found else None

    def load_capabilities_with_time(self, provider: str) -> tuple[dict[str, Any], float] | None:
        """The cached answer and when it was probed (Unix time)."""
        rows = self._query(
            "SELECT json, probed_at FROM capabilities WHERE provider = ?", (provider,)
        )
        return (json.loads(rows[0]["json"]), rows[0]["probed_at"]) if rows else None

    def forget_capabilities(self, provider: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM capabilities WHERE provider = ?", (provider,))
