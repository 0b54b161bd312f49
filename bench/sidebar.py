"""Chat sidebar benchmark: the conversation list over 100,000 dialogues (100,000 messages).

    .venv/bin/python bench/sidebar.py [--platform offscreen] [--dialogues N]

Prints the time from creating the sidebar to its first page shown, a refresh that reloads
(after five pages were scrolled in, keeping them and the place), a refresh with nothing
changed, and the filter's latency (typing paused → titles and message matches shown, without
the 200 ms debounce) for a few queries, median and p95. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

QUERIES = ("Dialogue 4242", "whales", "wh", "token77", "pasta python", "dia", "zzz", "taxes")


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--platform", default="offscreen")
    parser.add_argument("--dialogues", type=int, default=100_000)
    args = parser.parse_args()

    import os

    os.environ.setdefault("QT_QPA_PLATFORM", args.platform)
    from PySide6.QtWidgets import QApplication

    from desktop_app.services.history_store import HistoryStore
    from desktop_app.ui.chat.sidebar import ChatSidebar
    from desktop_app.ui.event_loop import make_event_loop
    from tests.support.history_data import build_big_store
    from tests.support.loop import run, run_until

    app = QApplication([])
    loop = make_event_loop(app, already_running=True)
    asyncio.set_event_loop(loop)
    folder = Path(tempfile.mkdtemp(prefix="parley-sidebar-bench-"))
    database = folder / "parley.db"
    build_big_store(database, args.dialogues)
    store = HistoryStore.open(database, folder / "attachments")

    started = time.perf_counter()
    sidebar = ChatSidebar(store)
    sidebar.resize(260, 800)
    sidebar.show()
    run_until(loop, lambda: sidebar.model.rowCount() > 0)
    first_page = time.perf_counter() - started

    while len(sidebar.model.dialogue_rows()) < 1000 and sidebar.model.canFetchMore():
        sidebar.model.fetchMore()
    started = time.perf_counter()
    sidebar.reload_in_place()
    reload_1000 = time.perf_counter() - started
    started = time.perf_counter()
    run(loop, sidebar.refresh())
    unchanged = time.perf_counter() - started

    latencies: list[float] = []
    for query in QUERIES * 3:
        sidebar.filter_edit.setText(query)
        started = time.perf_counter()
        run(loop, sidebar.apply_filter())
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    result = {
        "dialogues": args.dialogues,
        "first_page_ms": _ms(first_page),
        "reload_keeping_1000_rows_ms": _ms(reload_1000),
        "refresh_unchanged_ms": _ms(unchanged),
        "filter_median_ms": _ms(statistics.median(latencies)),
        "filter_p95_ms": _ms(latencies[int(len(latencies) * 0.95) - 1]),
    }
    for key, value in result.items():
        print(f"{key}: {value}")
    run(loop, sidebar.shutdown())
    sidebar.close()
    store.close()
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
