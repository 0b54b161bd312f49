"""The Training tab: build a dataset, validate it, upload it and start a job, follow jobs.

Four panels share a notice banner and a job bar (progress and Cancel for long work). The
dataset side needs nothing from the server and always works; the job side asks the cached
capabilities and hides itself, saying why, where the server has no fine-tuning.

Signals:
    model_ready(str, str): a fine-tuned model is ready (its id, and the job's description).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from desktop_app.core.training_report import ValidationReport
from desktop_app.services.fine_tuning import FineTuningService
from desktop_app.services.store import Store
from desktop_app.ui.history.job_bar import JobBar
from desktop_app.ui.training.build_panel import BuildPanel
from desktop_app.ui.training.context import TrainingContext, in_worker
from desktop_app.ui.training.jobs_panel import JobsPanel
from desktop_app.ui.training.start_panel import StartPanel
from desktop_app.ui.training.validate_panel import ValidatePanel
from desktop_app.ui.widgets.notice_banner import NoticeBanner
from desktop_app.ui.widgets.scroll_page import scrolling

CHECKING = "Checking whether this server offers fine-tuning…"


def availability(capabilities: dict[str, Any] | None) -> tuple[bool | None, str]:
    """(available, the one line saying why not) from the cached capabilities."""
    if not capabilities:
        return None, CHECKING
    tuning, files = capabilities.get("fine_tuning"), capabilities.get("files")
    if tuning == "yes" and files != "no":
        return True, ""
    if tuning == "no":
        why = capabilities.get("fine_tuning_note") or "the server does not offer it"
        return False, (
            f"Fine-tuning jobs are not available here ({why}). Datasets can still be built, "
            "validated and saved for any trainer."
        )
    if files == "no":
        return False, "This server takes no file uploads, so jobs cannot be started here."
    why = (capabilities.get("reasons") or {}).get("fine_tuning") or "offline?"
    return None, (
        f"Could not find out whether this server offers fine-tuning ({why}). Datasets can "
        "still be built, validated and saved."
    )


class TrainingTab(QWidget):
    model_ready = Signal(str, str)

    def __init__(
        self, store: Store, service: FineTuningService, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.banner = NoticeBanner()
        self.job_bar = JobBar()
        self.context = TrainingContext(store, service, self.banner, self.job_bar)
        self.build = BuildPanel(self.context)
        self.validation = ValidatePanel(self.context)
        self.start = StartPanel(self.context)
        self.jobs = JobsPanel(self.context)
        self.panels = QTabWidget()
        # The forms scroll rather than raise the window's minimum height; Jobs has its own
        # scrolling tables.
        self._pages: dict[QWidget, QWidget] = {
            self.build: scrolling(self.build),
            self.validation: scrolling(self.validation),
            self.start: scrolling(self.start),
            self.jobs: self.jobs,
        }
        for panel, name in (
            (self.build, "Build"),
            (self.validation, "Validate"),
            (self.start, "Upload && start"),
            (self.jobs, "Jobs"),
        ):
            self.panels.addTab(self._pages[panel], name)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.panels, 1)
        layout.addWidget(self.job_bar)
        self.build.dataset_saved.connect(self._on_build_dataset_saved)
        self.validation.validated.connect(self._on_validation_validated)
        self.start.job_started.connect(self._on_start_job_started)
        self.jobs.model_ready.connect(self.model_ready)
        self._facets: Callable[[], tuple[list[str], list[str]]] | None = None
        self.set_capabilities(None)

    def current_panel(self) -> QWidget | None:
        page = self.panels.currentWidget()
        return next((panel for panel, p in self._pages.items() if p is page), None)

    def show_panel(self, panel: QWidget) -> None:
        self.panels.setCurrentWidget(self._pages[panel])

    def set_capabilities(self, capabilities: dict[str, Any] | None, note: str = "") -> None:
        available, line = availability(capabilities)
        if available is None and note:
            line = note
        self.start.set_available(available, line)
        self.jobs.set_available(available, line)

    def set_models(self, models: list[str]) -> None:
        """Fine-tuned models can be fine-tuned again: offer them as base models too."""
        tuned = [m for m in models if m.startswith("ft:")]
        self.validation.set_models(tuned)
        self.start.set_models(tuned)

    def refresh_provider(self) -> None:
        """The provider changed: show its jobs from the registry."""
        self.jobs.show_registry()

    def set_facets_source(self, facets: Callable[[], tuple[list[str], list[str]]]) -> None:
        """Where the History filters find their models and assistants (History's store)."""
        self._facets = facets

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        store = self.context.store
        models = store.fine_tuned_models(self.context.service.provider)
        self.set_models(list(models))
        if self._facets is not None:
            self.build.tasks.spawn(self._refresh_facets(self._facets))

    async def _refresh_facets(self, facets: Callable[[], tuple[list[str], list[str]]]) -> None:
        models, assistants = await in_worker(facets)
        self.build.set_facets(models, assistants)

    def _on_build_dataset_saved(self, path: Path, validation_path: Path | None) -> None:
        self.validation.set_file(path, validation_path)
        self.start.set_files(path, validation_path)
        self.show_panel(self.validation)
        self.build.tasks.spawn(self.validation.validate())

    def _on_validation_validated(self, report: ValidationReport) -> None:
        if self.validation.path is not None and self.validation.path != self.start.path:
            self.start.set_files(self.validation.path, self.validation.validation_path)
        self.start.set_report(report)

    def _on_start_job_started(self, record: object) -> None:
        self.jobs.add_job(record)  # type: ignore[arg-type]
        self.show_panel(self.jobs)

    async def shutdown(self) -> None:
        self.context.cancel()
        for panel in (self.build, self.validation, self.start):
            await panel.tasks.shutdown()
        await self.jobs.shutdown()
