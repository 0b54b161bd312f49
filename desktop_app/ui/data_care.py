"""Looking after the data file: the daily backup, File → Restore from backup…, and the ways
forward when the file cannot be opened (restore a backup, or set a damaged file aside and
start fresh). The app gives it two coroutines: `close_data` (every tab and store let go of the
file) and `open_data` (open it again and rebuild the tabs), so a restore is live: no restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any

from desktop_app.services.backups import (
    BackupError,
    backups_folder,
    describe_backups,
    list_backups,
)
from desktop_app.services.database_files import restore_backup, set_aside
from desktop_app.services.store_errors import DAMAGED, NEWER, READ_ONLY, UPGRADE_FAILED, StoreError
from desktop_app.ui.backup_timer import BackupTimer
from desktop_app.ui.restore_dialog import RestoreDialog, when_text
from desktop_app.ui.store_problem_page import StoreProblemPage
from desktop_app.ui.task_keeper import TaskKeeper

log = logging.getLogger(__name__)

DataStep = Callable[[], Coroutine[Any, Any, None]]
Notify = Callable[[str, str], None]  # (sentence, level)

TITLES = {
    DAMAGED: "Parley's data file is damaged",
    READ_ONLY: "Parley's data is read-only",
    NEWER: "Parley's data is from a newer version",
    UPGRADE_FAILED: "Parley could not upgrade its data",
}


class DataCare:
    def __init__(
        self,
        window: Any,
        database: Path,
        keep: Callable[[], int],
        now: Callable[[], datetime],
        close_data: DataStep,
        open_data: DataStep,
        notify: Notify,
    ) -> None:
        self.window, self.database = window, database
        self.folder = backups_folder(database)
        self._now, self._close, self._open, self._notify = now, close_data, open_data, notify
        self.timer = BackupTimer(database, self.folder, keep, now, parent=window)
        self.timer.backup_failed.connect(lambda text: notify(text, "warning"))
        self.tasks = TaskKeeper()
        self.dialog: RestoreDialog | None = None
        self.problem_page: StoreProblemPage | None = None
        self.busy = False
        self.changes = 0  # restores and fresh starts done (tests wait on it)

    # --- restore -------------------------------------------------------------------------

    def open_restore(self) -> None:
        if not self.busy:
            self.tasks.spawn(self.show_restore_dialog())

    async def show_restore_dialog(self, note: str = "") -> RestoreDialog:
        entries = await asyncio.to_thread(describe_backups, self.folder)
        dialog = RestoreDialog(entries, note, self.window)
        dialog.restore_chosen.connect(lambda path: self.tasks.spawn(self.restore(Path(path))))
        self.dialog = dialog
        dialog.open()  # not exec(): the loop keeps running
        return dialog

    async def restore(self, backup: Path) -> None:
        """Let go of the file, keep it aside, put the backup in its place, open it again."""
        if self.busy:
            return
        self.busy = True
        try:
            await self.timer.shutdown()
            await self._close()
            self.window.reset_tabs("Restoring your data from the backup…")
            try:
                aside = await asyncio.to_thread(restore_backup, backup, self.database, self._now())
            except BackupError as exc:
                log.error("restore: %s", exc)
                await self._open()
                self._notify(str(exc), "error")
                return
            info = next((b for b in list_backups(self.folder) if b.path == backup), None)
            when = f"the backup of {when_text(info)}" if info is not None else "the backup"
            await self._open()
            self._notify(
                f"Your data is restored from {when}. What was there before is kept in the "
                f"data folder as {aside.name}.",
                "info",
            )
        finally:
            self.busy = False
            self.changes += 1

    # --- when the file cannot be opened ---------------------------------------------------

    def show_problem(self, problem: StoreError) -> StoreProblemPage:
        """The Chat tab says what is wrong and offers what can be done about it."""
        has_backups = bool(list_backups(self.folder))
        damaged = problem.kind == DAMAGED
        text = str(problem)
        if damaged:
            text += (
                " You can restore a backup, or set the damaged file aside (it is kept, not "
                "deleted) and start with no history."
                if has_backups
                else " There is no backup of it. You can set it aside (it is kept, not "
                "deleted) and start with no history."
            )
        page = StoreProblemPage(
            TITLES.get(problem.kind, "Parley could not open its data"),
            text,
            can_restore=damaged and has_backups,
            can_start_fresh=damaged,
        )
        page.restore_requested.connect(
            lambda: self.tasks.spawn(
                self.show_restore_dialog("Choose the backup to put in place of the damaged file.")
            )
        )
        page.start_fresh_requested.connect(lambda: self.tasks.spawn(self.start_fresh()))
        self.window.set_tab("Chat", page)
        self.window.tabs.setCurrentWidget(page)
        self.window.set_connection("no data")  # not "Starting…" for ever: nothing will start
        self.problem_page = page
        return page

    def show_read_only(self, text: str) -> None:
        """Read-only data: History reads it; every other tab says nothing can be saved."""
        for name in ("Chat", "Images", "Assistants", "Training", "Usage"):
            self.window.set_tab(name, StoreProblemPage(TITLES[READ_ONLY], text, tone="warning"))

    async def start_fresh(self) -> None:
        if self.busy:
            return
        self.busy = True
        try:
            await self._close()
            try:
                aside = await asyncio.to_thread(set_aside, self.database, "damaged", self._now())
            except BackupError as exc:
                self._notify(str(exc), "error")
                return
            await self._open()
            self._notify(
                f"Parley started with no history. The damaged file is kept in the data folder "
                f"as {aside.name}.",
                "info",
            )
        finally:
            self.busy = False
            self.changes += 1

    async def shutdown(self) -> None:
        await self.timer.shutdown()
        await self.tasks.shutdown()
