"""Import and export for the History tab: file pickers, a worker thread, progress, Cancel.

File dialogs are opened only from plain slots (`choose_import_file`, `choose_export_file`),
which then spawn the coroutine; tests call the coroutines with a path. The work itself runs in
`asyncio.to_thread`, reporting progress through the event loop, and is all-or-nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from PySide6.QtWidgets import QFileDialog, QWidget

from desktop_app.core.exporters import EXTENSIONS, FORMATS
from desktop_app.core.importers import Cancelled, ImportFailed, Progress
from desktop_app.core.sentiment import IMPORT_CHARS, SentimentAnalyzer
from desktop_app.services.failure_text import failure_message
from desktop_app.services.history_store import HistoryStore
from desktop_app.services.history_transfer import export_file, import_file
from desktop_app.ui.daemon_job import DaemonJob
from desktop_app.ui.history.job_bar import JobBar
from desktop_app.ui.task_keeper import TaskKeeper
from desktop_app.ui.widgets.file_dialogs import open_file_dialog

PROGRESS_INTERVAL = 0.05
# Beside the formats: JSON with every version of every message (the tree) and the reasoning.
COMPLETE_JSON = "JSON with every version and the reasoning (*.json)"


class TransfersMixin:
    """Mixed into HistoryTab, whose store, tasks, job bar, notices and list it uses."""

    store: HistoryStore
    tasks: TaskKeeper
    job_bar: JobBar
    busy_changed: Any
    show_notice: Callable[..., None]
    refresh: Callable[..., Any]
    open_dialogue: Callable[..., Any]
    selected_ids: Callable[[], list[int]]
    _job: DaemonJob[Any] | None = None
    last_job: DaemonJob[Any] | None = None  # the latest, for tests: its thread, whether cancelled
    _file_dialog: QFileDialog | None = None  # kept so it lives while it is open

    # --- plain slots: pick a file, then spawn ------------------------------------------------

    def choose_import_file(self) -> None:
        self._file_dialog = open_file_dialog(
            cast(QWidget, self),
            "Import dialogues",
            lambda paths: self.tasks.spawn(self.import_file(Path(paths[0]))),
            "Dialogue logs and ChatGPT exports (*.json *.zip);;All files (*)",
        )

    def choose_export_file(self) -> None:
        ids = self.selected_ids()
        if not ids:
            self.show_notice("Select the dialogues to export first.", "info")
            return

        def chosen(paths: list[str]) -> None:
            label = dialog.selectedNameFilter()
            fmt = next((f for f, text in FORMATS.items() if text == label), "json")
            complete = label == COMPLETE_JSON
            target = Path(paths[0])
            if target.suffix.lower() in EXTENSIONS.values():  # the dialog's default suffix
                target = target.with_suffix(EXTENSIONS[fmt])
            elif target.suffix.lower() != EXTENSIONS[fmt]:
                target = target.with_name(target.name + EXTENSIONS[fmt])
            self.tasks.spawn(self.export(ids, target, fmt, complete))

        dialog = open_file_dialog(
            cast(QWidget, self),
            f"Export {len(ids)} dialogue{'s' if len(ids) > 1 else ''}",
            chosen,
            ";;".join([*FORMATS.values(), COMPLETE_JSON]),
            save_as="dialogues.json" if len(ids) > 1 else "dialogue.json",
        )
        self._file_dialog = dialog

    # --- the work ----------------------------------------------------------------------------

    @property
    def job_running(self) -> bool:
        return self._job is not None

    def cancel_job(self) -> None:
        """Cancel ends the job now: the wait raises Cancelled, the thread is told to stop and
        whatever it still returns is dropped (nothing was stored: writes check the flag)."""
        if self._job is not None:
            self._job.cancel(Cancelled())

    def _thread_progress(self, cancelled: Callable[[], bool]) -> Progress:
        """A progress callback for a worker thread: hands at most 20 updates a second to the
        event loop, which shows them (none after a cancel: the job bar has moved on)."""
        loop = asyncio.get_running_loop()
        report = self.job_bar.report
        last = [0.0]

        def progress(phase: str, done: int, total: int) -> None:
            now = time.monotonic()
            if (now - last[0] >= PROGRESS_INTERVAL or done >= total) and not cancelled():
                last[0] = now
                with contextlib.suppress(RuntimeError):  # the loop closed (the app quit)
                    loop.call_soon_threadsafe(report, phase, done, total)

        return progress

    async def _run_job(self, text: str, work: Callable[[Progress, Callable[[], bool]], Any]) -> Any:
        if self._job is not None:
            self.show_notice("Another import or export is running.", "info")
            return None

        def run(cancelled: Callable[[], bool]) -> Any:
            return work(progress, cancelled)

        job = self._job = self.last_job = DaemonJob(run, "parley-history-job")
        progress = self._thread_progress(lambda: job.cancelled)
        self.job_bar.start(text)
        self.busy_changed.emit(True)
        try:
            return await job.start()
        finally:
            self._job = None
            self.job_bar.finish()
            self.busy_changed.emit(False)

    async def import_file(self, path: Path) -> list[int]:
        """Import every dialogue in `path` (all or none) — a dialogue log, conversations.json
        or ChatGPT's export .zip; returns the ids written (new ones, then those that grew)."""
        store = self.store
        sentiment = SentimentAnalyzer(IMPORT_CHARS)

        def work(progress: Progress, cancelled: Callable[[], bool]) -> Any:
            return import_file(store, path, progress, cancelled, sentiment)

        try:
            result = await self._run_job(f"Importing {path.name}", work)
        except ImportFailed as exc:
            self.show_notice(f"Nothing was imported from {path.name}. {exc}", "error")
            return []
        except Cancelled:
            self.show_notice(f"Import cancelled; nothing from {path.name} was kept.")
            return []
        if result is None:
            return []
        report, ids = result
        level = "warning" if report.has_warnings else "info"
        self.show_notice(report.summary(), level)
        await self.refresh(force=True)
        if ids:  # imported dialogues keep their dates, so they may sit far down the list
            await self.open_dialogue(ids[0])
        return list(ids)

    async def export(self, ids: list[int], path: Path, fmt: str, complete: bool = False) -> bool:
        """Export dialogues `ids` to `path` as "json", "markdown" or "jsonl": the branch each
        shows; with `complete` (JSON), every branch and the replies' reasoning too."""
        store = self.store

        def work(progress: Progress, cancelled: Callable[[], bool]) -> Any:
            return export_file(
                store, ids, path, fmt, progress, cancelled, complete, complete and fmt == "json"
            )

        try:
            report = await self._run_job(f"Exporting to {path.name}", work)
        except Cancelled:
            self.show_notice("Export cancelled; no file was written.")
            return False
        except OSError as exc:
            self.show_notice(failure_message(f"Writing {path.name}", exc), "error")
            return False
        if report is None:
            return False
        level = "warning" if report.skipped else "info"
        self.show_notice(report.summary(path.name), level)
        return True

    async def export_selected(self, path: Path, fmt: str) -> bool:
        return await self.export(self.selected_ids(), path, fmt)
