"""Jobs: every job of the account and every job started here (with its description), each
followed in the background until it finishes — status, events in a log, the training loss
drawn as it falls, checkpoints — with Cancel, Pause and Resume where the server has them.

The local registry fills the table at once, so jobs can be browsed offline; where the server
has no fine-tuning (or refuses the account) the controls hide and one line says why.

Signals:
    model_ready(str, str): a job succeeded: its fine-tuned model, and the job's description.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.fine_tuning_jobs import (
    ACTIVE,
    JobEvent,
    JobRecord,
    loss_points,
    registry_json,
    validation_loss_points,
)
from desktop_app.services.failure_text import failure_message
from desktop_app.services.fine_tuning import JobUpdate
from desktop_app.services.gateway_errors import ErrorKind, GatewayError
from desktop_app.services.paging import Listed, cut_note
from desktop_app.services.private_files import write_private
from desktop_app.ui.icons import set_icon
from desktop_app.ui.task_keeper import TaskKeeper
from desktop_app.ui.training.context import TrainingContext, in_worker
from desktop_app.ui.training.jobs_model import JobsModel
from desktop_app.ui.training.loss_chart import LossChart
from desktop_app.ui.training.table_models import table_view
from desktop_app.ui.widgets.file_dialogs import open_file_dialog


class JobsPanel(QWidget):
    model_ready = Signal(str, str)

    def __init__(self, context: TrainingContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.tasks = TaskKeeper(on_error=context.task_failed)
        self.model = JobsModel(self)
        self.events: dict[str, list[JobEvent]] = {}
        self.cut_events: set[str] = set()  # jobs whose event list the page cap cut short
        self.watchers: dict[str, asyncio.Task[None]] = {}
        self.available: bool | None = None
        self.can_pause = True
        self._listed = False
        self.dialog: QFileDialog | None = None
        self._build()
        self.show_registry()

    def _build(self) -> None:
        self.unavailable_label = QLabel()
        self.unavailable_label.setWordWrap(True)
        self.view = table_view(self.model)
        self.view.selectionModel().currentChanged.connect(self._on_view_current_changed)
        buttons = {
            "refresh": ("Refresh", lambda: self.tasks.spawn(self.refresh())),
            "cancel": ("Cancel job", lambda: self.tasks.spawn(self.act("cancel"))),
            "pause": ("Pause", lambda: self.tasks.spawn(self.act("pause"))),
            "resume": ("Resume", lambda: self.tasks.spawn(self.act("resume"))),
        }
        button_icons = {"refresh": "refresh", "cancel": "stop", "pause": "pause", "resume": "play"}
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for key, (text, slot) in buttons.items():
            button = QPushButton(text)
            set_icon(button, button_icons[key])
            button.clicked.connect(slot)
            self.buttons[key] = button
            row.addWidget(button)
        row.addStretch(1)
        self.export_button = QPushButton("Export registry…")
        set_icon(self.export_button, "upload")
        self.export_button.setToolTip("Every job Parley knows of, with its description, as JSON")
        self.export_button.clicked.connect(self.choose_export)
        row.addWidget(self.export_button)

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setPlaceholderText("Events of the selected job")
        self.chart = LossChart()
        self.checkpoints = QListWidget()
        self.checkpoints.setMaximumHeight(80)
        details = QWidget()
        column = QVBoxLayout(details)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.status_label)
        column.addWidget(self.chart)
        column.addWidget(QLabel("Checkpoints:"))
        column.addWidget(self.checkpoints)
        column.addWidget(self.log, 1)
        splitter = QSplitter()
        splitter.addWidget(self.view)
        splitter.addWidget(details)
        splitter.setSizes([560, 440])

        layout = QVBoxLayout(self)
        layout.addWidget(self.unavailable_label)
        layout.addLayout(row)
        layout.addWidget(splitter, 1)
        self._update_buttons()

    # --- availability and the table --------------------------------------------------------

    def set_available(self, available: bool | None, note: str) -> None:
        """Whether the server has fine-tuning. When it has, jobs left running last time are
        followed at once; the account's list is asked for when the panel is first shown."""
        was, self.available = self.available, available
        self.unavailable_label.setText(note if available is not True else "")
        self.unavailable_label.setVisible(available is not True and bool(note))
        self._update_buttons()
        if available and not was:
            self._listed = False
            for job in self.model.jobs:
                if job.status in ACTIVE:
                    self.follow(job.id)
            if self.isVisible():
                self.tasks.spawn(self.refresh())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.available and not self._listed:
            self.tasks.spawn(self.refresh())

    def show_registry(self) -> None:
        """The jobs this computer knows of for the current provider (no network)."""
        service = self.context.service
        self.model.set_jobs(self.context.store.jobs(service.provider))

    def selected(self) -> JobRecord | None:
        return self.model.job(self.view.currentIndex().row())

    def select_job(self, job_id: str) -> None:
        row = self.model.row_of(job_id)
        if row >= 0:
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
            self.view.selectionModel().setCurrentIndex(self.model.index(row, 0), flags)

    def _update_buttons(self) -> None:
        job = self.selected()
        online = self.available is True
        status = job.status if job else ""
        for key, button in self.buttons.items():
            button.setVisible(online and (key not in ("pause", "resume") or self.can_pause))
        self.buttons["cancel"].setEnabled(status in ACTIVE)
        self.buttons["pause"].setEnabled(status == "running")
        self.buttons["resume"].setEnabled(status == "paused")

    def _on_view_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._update_buttons()
        job = self.model.job(current.row())
        if job is not None:
            self._show_details(job)
            if job.id not in self.events and job.id not in self.watchers and self.available:
                self.tasks.spawn(self.load_details(job.id))

    def _show_details(self, job: JobRecord) -> None:
        text = f"{job.id} · {job.status}"
        if job.fine_tuned_model:
            text += f" · model {job.fine_tuned_model}"
        if job.error:
            text += f"\nThe server said: {job.error}"
        self.status_label.setText(text)
        events = self.events.get(job.id, [])
        lines = [e.line() for e in events]
        if job.id in self.cut_events:
            lines.insert(0, cut_note(len(events), "event", "older ones are not shown"))
        self.log.setPlainText("\n".join(lines))
        self.chart.set_points(loss_points(events), validation_loss_points(events))

    # --- the server ------------------------------------------------------------------------

    async def refresh(self) -> None:
        """List the account's jobs (saved to the registry) and follow the active ones."""
        self._listed = True
        try:
            jobs = await self.context.service.list_jobs()
        except GatewayError as error:
            self._server_error(error)
            return
        current = self.selected()
        self.model.set_jobs(jobs)
        for job in jobs:
            if job.status in ACTIVE:
                self.follow(job.id)
        if current is not None:
            self.select_job(current.id)

    def _server_error(self, error: GatewayError) -> None:
        if error.status in (403, 404) and (
            error.status == 403 or error.kind is ErrorKind.NOT_SUPPORTED
        ):
            why = "refused for this account" if error.status == 403 else "not offered here"
            self.set_available(False, error.trimmed(f"Fine-tuning jobs are {why}:")[0])
        self.context.server_notice(error)

    def add_job(self, record: JobRecord) -> None:
        """A job started here: list it, select it, follow it."""
        self.model.update(record)
        self.follow(record.id)
        self.select_job(record.id)

    def follow(self, job_id: str) -> None:
        if job_id not in self.watchers:
            self.watchers[job_id] = self.tasks.spawn(self.watch(job_id))

    async def watch(self, job_id: str) -> None:
        """Follow one job until it finishes (polling with backoff, in the service)."""
        try:
            async for update in self.context.service.watch(job_id):
                self._apply(update)
        except GatewayError as error:
            self.context.server_notice(error, f"Lost track of {job_id}:", "warning")
        finally:
            self.watchers.pop(job_id, None)

    def _apply(self, update: JobUpdate) -> None:
        job = update.job
        self._merge_events(job.id, update.events)
        if isinstance(update.events, Listed) and update.events.cut:
            self.cut_events.add(job.id)
        self.model.update(job)
        selected = self.selected()
        if selected is not None and selected.id == job.id:
            self._show_details(job)
            self._update_buttons()
        if job.status == "succeeded" and job.fine_tuned_model:
            self.model_ready.emit(job.fine_tuned_model, job.description)
            self.context.notice(f"{job.fine_tuned_model} is ready; pick it in Chat or Assistants.")
            self.tasks.spawn(self.load_checkpoints(job.id))
        elif job.status == "failed":
            self.context.notice(f"The job {job.id} failed. The server said: {job.error}", "error")

    def _merge_events(self, job_id: str, events: list[JobEvent]) -> None:
        """Add the events not known yet, in the order read. The watcher and a details load
        may both be reading one job: a list read before the job moved on can arrive after a
        newer one, and must neither hide nor repeat what the newer one brought."""
        known = self.events.setdefault(job_id, [])
        ids = {e.id for e in known}
        known.extend(e for e in events if e.id not in ids)

    async def load_details(self, job_id: str) -> None:
        try:
            events = await self.context.service.events(job_id)
        except GatewayError:
            return  # offline: the registry still shows the job
        self._merge_events(job_id, events)
        if events.cut:
            self.cut_events.add(job_id)
        selected = self.selected()
        if selected is not None and selected.id == job_id:
            self._show_details(selected)
        await self.load_checkpoints(job_id)

    async def load_checkpoints(self, job_id: str) -> None:
        try:
            found = await self.context.service.checkpoints(job_id)
        except GatewayError:
            return
        selected = self.selected()
        if selected is None or selected.id != job_id:
            return
        self.checkpoints.clear()
        for c in found:
            loss = c.metrics.get("train_loss")
            self.checkpoints.addItem(
                f"step {c.step}: {c.model}" + (f" (loss {loss:.3f})" if loss is not None else "")
            )
        if found.cut:
            self.checkpoints.addItem(
                cut_note(len(found), "checkpoint", "earlier ones are not shown")
            )

    async def act(self, action: str, job_id: str = "") -> JobRecord | None:
        """Cancel, pause or resume a job (the selected one by default)."""
        job = self.context.store.job(self.context.service.provider, job_id) if job_id else None
        job = job or self.selected()
        if job is None:
            return None
        try:
            record: JobRecord = await getattr(self.context.service, action)(job.id)
        except GatewayError as error:
            if action in ("pause", "resume") and error.status in (404, 405, 501):
                self.can_pause = False
                self._update_buttons()
                self.context.notice("This server cannot pause or resume jobs.", "info")
            else:
                self.context.server_notice(error, f"Could not {action} {job.id}.")
            return None
        self.model.update(record)
        self._update_buttons()
        if record.status in ACTIVE:
            self.follow(record.id)
        return record

    # --- export ----------------------------------------------------------------------------

    def choose_export(self) -> None:
        self.dialog = open_file_dialog(
            self, "Export the job registry",
            lambda p: self.tasks.spawn(self.export_registry(Path(p[0]))),
            "JSON (*.json)", save_as="fine-tuning-jobs.json",
        )  # fmt: skip

    async def export_registry(self, path: Path) -> bool:
        jobs = self.context.store.jobs()
        try:
            await in_worker(write_private, path, registry_json(jobs))
        except OSError as exc:
            self.context.notice(failure_message(f"Writing {path.name}", exc), "error")
            return False
        self.context.notice(f"Saved {len(jobs)} job{'s' if len(jobs) != 1 else ''} to {path.name}.")
        return True

    async def shutdown(self) -> None:
        await self.tasks.shutdown()
