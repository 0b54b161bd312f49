"""Backup benchmark: a consistent copy of a 100,000-message store while the window runs.

    .venv/bin/python bench/backup.py [--platform offscreen] [--dialogues N] [--each M]

Builds the store (N dialogues of M messages, 100,000 in all by default) in a temporary
folder, then, on the app's qasync loop, writes a backup the way the daily timer does (stepped
online backup in a worker thread) while a QTimer ticks every 10 ms on the GUI thread and a
reply streams into the store (a checkpoint every 250 ms, as Chat does). Prints the file size,
the time the backup took, and the longest and 99th-percentile gap between ticks during it
(10 ms when nothing blocks), next to the same gaps over an idle second, and how long the same
copy made in one step on the GUI thread would have held the window.
Prints figures, the last line `RESULT {json}`; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

TICK_MS = 10


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


class Ticker:
    """Gaps between the ticks of a 10 ms timer: how long the GUI thread was held."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def start(self) -> None:
        self.gaps.clear()
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> dict[str, float]:
        self.timer.stop()
        gaps = sorted(self.gaps) or [0.0]
        return {"max_ms": _ms(gaps[-1]), "p99_ms": _ms(gaps[int(len(gaps) * 0.99) - 1])}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--platform", default="offscreen")
    parser.add_argument("--dialogues", type=int, default=10_000)
    parser.add_argument("--each", type=int, default=10)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", args.platform)
    from PySide6.QtWidgets import QApplication

    from desktop_app.core.dialogue import Message, Status
    from desktop_app.services.backups import (
        backups_folder,
        list_backups,
        read_counts,
        write_backup,
    )
    from desktop_app.services.store import Store
    from desktop_app.ui.backup_timer import BackupTimer
    from desktop_app.ui.event_loop import make_event_loop
    from tests.support.history_data import build_big_store
    from tests.support.loop import run

    app = QApplication([])
    loop = make_event_loop(app, already_running=True)
    asyncio.set_event_loop(loop)
    folder = Path(tempfile.mkdtemp(prefix="parley-backup-bench-"))
    database = folder / "parley.db"
    build_big_store(database, args.dialogues, args.each)
    store = Store.open(database, folder / "attachments")
    dialogue = store.create_dialogue("Streaming during the backup")
    reply = store.add_message(dialogue, Message("assistant", "", status=Status.STREAMING))
    ticker = Ticker()

    async def idle() -> None:
        await asyncio.sleep(1.0)

    async def stream(done: asyncio.Event) -> int:
        text, checkpoints = "", 0
        while not done.is_set():
            text += "a few more words of the reply " * 4
            await asyncio.to_thread(store.checkpoint, reply, text)
            checkpoints += 1
            await asyncio.sleep(0.25)
        return checkpoints

    async def back_up() -> tuple[float, int]:
        timer = BackupTimer(database, backups_folder(database), lambda: 7, datetime.now)
        done = asyncio.Event()
        streaming = asyncio.ensure_future(stream(done))
        started = time.perf_counter()
        await timer.back_up()
        took = time.perf_counter() - started
        done.set()
        return took, await streaming

    ticker.start()
    run(loop, idle())
    baseline = ticker.stop()
    ticker.start()
    took, checkpoints = run(loop, back_up(), timeout=600)
    during = ticker.stop()
    (backup,) = list_backups(backups_folder(database))
    counts = read_counts(backup.path)
    # For comparison: the same copy in one step on the GUI thread would hold the window this long.
    started = time.perf_counter()
    write_backup(database, folder / "compare", now=datetime.now(), reason="manual", step_pages=-1)
    on_gui_thread = time.perf_counter() - started
    result = {
        "messages": counts.messages,
        "database_mb": round(database.stat().st_size / 2**20, 1),
        "backup_mb": round(backup.path.stat().st_size / 2**20, 1),
        "backup_s": round(took, 3),
        "gui_gap_max_ms": during["max_ms"],
        "gui_gap_p99_ms": during["p99_ms"],
        "idle_gap_max_ms": baseline["max_ms"],
        "idle_gap_p99_ms": baseline["p99_ms"],
        "checkpoints_during_backup": checkpoints,
        "same_copy_on_gui_thread_ms": _ms(on_gui_thread),
    }
    for key, value in result.items():
        print(f"{key}: {value}")
    store.close()
    shutil.rmtree(folder, ignore_errors=True)
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
