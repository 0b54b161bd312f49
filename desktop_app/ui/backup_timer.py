"""The daily backup while Parley runs: a timer looks every so often whether the newest backup
is a day old, and if so writes one in a worker thread (the window never waits for it).

Signals:
    backup_written(str): the path of a backup just written.
    backup_failed(str): a sentence saying why one could not be written.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.services.backups import BackupError, newest_age_s, write_backup
from desktop_app.ui.task_keeper import TaskKeeper

log = logging.getLogger(__name__)

DAY_S = 86_400.0
CHECK_EVERY_MS = 15 * 60 * 1000


class BackupTimer(QObject):
    backup_written = Signal(str)
    backup_failed = Signal(str)

    def __init__(
        self,
        database: Path,
        folder: Path,
        keep: Callable[[], int],
        now: Callable[[], datetime],
        interval_ms: int = CHECK_EVERY_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.database, self.folder = database, folder
        self._keep, self._now = keep, now
        self.tasks = TaskKeeper()
        self._running: asyncio.Task[Path | None] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        """Look now (a day may have passed while Parley was closed), then every interval."""
        self._timer.start()
        self.check()

    def check(self) -> None:
        if self._running is not None and not self._running.done():
            return
        age = newest_age_s(self.folder, self._now())
        if age is None or age >= DAY_S:
            self._running = self.tasks.spawn(self.back_up())

    async def back_up(self, reason: str = "daily") -> Path | None:
        running = self._running  # one at a time: the later one is then also the newer copy
        if running is not None and not running.done() and running is not asyncio.current_task():
            await asyncio.wait({running})
        try:
            path = await asyncio.to_thread(
                write_backup,
                self.database,
                self.folder,
                now=self._now(),
                reason=reason,
                keep=self._keep(),
            )
        except BackupError as exc:
            log.warning("backup: %s", exc)
            self.backup_failed.emit(str(exc))
            return None
        log.info("backup written: %s", path.name)
        self.backup_written.emit(str(path))
        return path

    async def shutdown(self) -> None:
        """Stop looking; a backup already being written is let finish (a thread cannot be
        cancelled, and half a copy is never kept anyway)."""
        self._timer.stop()
        if self._running is not None and not self._running.done():
            await asyncio.wait({self._running}, timeout=30)
