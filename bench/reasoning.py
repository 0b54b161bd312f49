"""Reasoning benchmark: the migration that adds reasoning, and search over it, at 100,000 messages.

    .venv/bin/python bench/reasoning.py

Builds History's benchmark store (bench/history.py: 100,000 messages in 5,000 dialogues) at
the schema just before reasoning, then prints: the time the migration takes (new columns and
the full-text index rebuilt with its reasoning column), the database size before and after,
and the median and p95 latency of History's ten benchmark searches, before and after a third
of the replies get reasoning four times their length (a heavy user of reasoning models).
Target: search median < 30 ms, as for History.

Prints figures; asserts nothing.
"""

from __future__ import annotations

import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.history import QUERIES, build, percentile, sentence, vocabulary  # noqa: E402

REASONING_SHARE = 3  # one reply in three
MARKER = "zebrafish"  # a word only some reasoning has


def old_database(database: Path) -> None:
    """An empty database at the schema before the reasoning migration."""
    from desktop_app.services.migrations import MIGRATIONS

    before = next(i for i, m in enumerate(MIGRATIONS) if "COLUMN reasoning " in m)
    with sqlite3.connect(database) as conn:
        conn.executescript("\n".join(MIGRATIONS[:before]) + f"\nPRAGMA user_version = {before};")


def add_reasoning(database: Path) -> int:
    rng = random.Random(7)
    words = vocabulary(rng)
    weights = [1.0 / (rank + 1) for rank in range(len(words))]
    with sqlite3.connect(database) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM messages WHERE role = 'assistant'")]
        chosen = ids[::REASONING_SHARE]
        texts = [" ".join(sentence(rng, words, weights) for _ in range(4)) for _ in chosen]
        for index in range(0, len(texts), 500):
            texts[index] += f" {MARKER}."
        conn.executemany(
            "UPDATE messages SET reasoning = ? WHERE id = ?", list(zip(texts, chosen, strict=True))
        )
    return len(chosen)


def search_latencies(store, repeat: int = 3) -> list[float]:  # type: ignore[no-untyped-def]
    from desktop_app.core.history import SearchFilters

    latencies = []
    for _ in range(repeat):
        for text, filters in QUERIES:
            started = time.perf_counter()
            store.search_messages(text, SearchFilters(**filters))
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def main() -> None:
    from desktop_app.core.history import SearchFilters
    from desktop_app.services.history_store import HistoryStore
    from desktop_app.services.store import Store

    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "parley.db"
        old_database(database)
        # `build` opens a Store first (which would migrate): here the schema must stay old.
        with mock.patch.object(Store, "open", return_value=mock.Mock()):
            build(database)
        size_before = database.stat().st_size
        started = time.perf_counter()
        Store.open(database, Path(folder) / "att").close()
        migration = time.perf_counter() - started
        with sqlite3.connect(database) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size_after = database.stat().st_size
        store = HistoryStore.open(database, Path(folder) / "att")
        try:
            plain = search_latencies(store)
        finally:
            store.close()
        with_reasoning = add_reasoning(database)
        store = HistoryStore.open(database, Path(folder) / "att")
        try:
            latencies = search_latencies(store)
            hits = store.search_messages(MARKER, SearchFilters())
            in_reasoning = sum(h.in_reasoning for h in hits)
        finally:
            store.close()
    result = {
        "migration_s": round(migration, 2),
        "db_mb_before": round(size_before / 2**20, 1),
        "db_mb_after_migration": round(size_after / 2**20, 1),
        "search_median_ms_no_reasoning": round(statistics.median(plain), 1),
        "search_p95_ms_no_reasoning": round(percentile(plain, 0.95), 1),
        "replies_with_reasoning": with_reasoning,
        "search_median_ms": round(statistics.median(latencies), 1),
        "search_p95_ms": round(percentile(latencies, 0.95), 1),
        f"{MARKER}_hits_in_reasoning": f"{in_reasoning} of {len(hits)}",
    }
    for name, value in result.items():
        print(f"{name}: {value}")
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
