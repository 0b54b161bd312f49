"""Upload & start: send a validated dataset (purpose fine-tune) with a progress bar, then start
a job — base model, method, hyperparameters or auto, suffix, seed, and a description.

Nothing is uploaded before validation passes: errors always stop it; warnings stop it until
the user ticks "Upload despite warnings".

Signals:
    job_started(object): a JobRecord for the job just created.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.fine_tuning_jobs import JobRecord
from desktop_app.core.fine_tuning_request import DPO, SUPERVISED, JobRequest, request_problems
from desktop_app.core.training_estimate import FINE_TUNABLE
from desktop_app.core.training_report import Cancelled, ValidationReport
from desktop_app.services.gateway_errors import GatewayError
from desktop_app.ui.icons import set_icon
from desktop_app.ui.task_keeper import TaskKeeper
from desktop_app.ui.training.context import BUSY_TEXT, Busy, TrainingContext


def _auto_spin(maximum: int, suffix: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(0, maximum)
    spin.setSpecialValueText("auto")
    spin.setSuffix(suffix)
    return spin


class StartPanel(QWidget):
    job_started = Signal(object)

    def __init__(self, context: TrainingContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.tasks = TaskKeeper(on_error=context.task_failed)
        self.path: Path | None = None
        self.validation_path: Path | None = None
        self.report: ValidationReport | None = None
        self.file_ids: dict[Path, str] = {}
        self._build()
        self.set_available(None, "")

    def _build(self) -> None:
        self.unavailable_label = QLabel()
        self.unavailable_label.setWordWrap(True)
        self.file_label = QLabel("No dataset yet.")
        self.file_label.setWordWrap(True)
        self.override_check = QCheckBox("Upload despite warnings")
        self.override_check.setToolTip("Errors always stop the upload; warnings need this")
        self.upload_button = QPushButton("Upload")
        set_icon(self.upload_button, "upload")
        self.upload_button.clicked.connect(lambda: self.tasks.spawn(self.upload()))
        upload = QHBoxLayout()
        upload.addWidget(self.file_label, 1)
        upload.addWidget(self.override_check)
        upload.addWidget(self.upload_button)

        self.form = QGroupBox("Start a fine-tuning job")
        self.model_combo = QComboBox()
        self.model_combo.setEditable(True)
        self.model_combo.addItems(FINE_TUNABLE)
        self.model_combo.setCurrentText("gpt-4o-mini-2024-07-18")
        self.method_combo = QComboBox()
        self.method_combo.addItem("Supervised", SUPERVISED)
        self.method_combo.addItem("Preference (DPO)", DPO)
        self.suffix_edit = QLineEdit()
        self.suffix_edit.setPlaceholderText("up to 64 characters, e.g. support-tone")
        self.epochs_spin = _auto_spin(50, " epochs")
        self.batch_spin = _auto_spin(256, " per batch")
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setRange(0.0, 10.0)
        self.lr_spin.setSingleStep(0.1)
        self.lr_spin.setSpecialValueText("auto")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(-1, 2_147_483_647)
        self.seed_spin.setValue(-1)
        self.seed_spin.setSpecialValueText("random")
        self.description_edit = QLineEdit()
        self.description_edit.setPlaceholderText("What this model is for (kept with the job)")
        self.validation_label = QLabel("none")
        form = QFormLayout(self.form)
        form.addRow("Base model:", self.model_combo)
        form.addRow("Method:", self.method_combo)
        form.addRow("Epochs:", self.epochs_spin)
        form.addRow("Batch size:", self.batch_spin)
        form.addRow("Learning-rate multiplier:", self.lr_spin)
        form.addRow("Seed:", self.seed_spin)
        form.addRow("Suffix:", self.suffix_edit)
        form.addRow("Validation file:", self.validation_label)
        form.addRow("Description:", self.description_edit)
        self.start_button = QPushButton("Start job")
        set_icon(self.start_button, "play")
        self.start_button.clicked.connect(lambda: self.tasks.spawn(self.start_job()))
        form.addRow(self.start_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.unavailable_label)
        layout.addLayout(upload)
        layout.addWidget(self.form)
        layout.addStretch(1)
        self._update()

    # --- state ---------------------------------------------------------------------------

    def set_models(self, models: list[str]) -> None:
        current = self.model_combo.currentText()
        self.model_combo.clear()
        self.model_combo.addItems(list(dict.fromkeys([*FINE_TUNABLE, *models])))
        self.model_combo.setCurrentText(current)

    def set_available(self, available: bool | None, note: str) -> None:
        """Hide the server side where the server has no fine-tuning (or files), saying why."""
        if available is False:
            self.unavailable_label.setText(note)
        elif available is None:
            self.unavailable_label.setText(note or "Checking what this server offers…")
        self.unavailable_label.setVisible(available is not True)
        for widget in (self.upload_button, self.override_check, self.form):
            widget.setVisible(available is True)

    def set_files(self, path: Path, validation_path: Path | None = None) -> None:
        self.path, self.validation_path, self.report = path, validation_path, None
        self._update()

    def set_report(self, report: ValidationReport) -> None:
        self.report = report
        self.method_combo.setCurrentIndex(max(0, self.method_combo.findData(
            DPO if report.kind == "dpo" else SUPERVISED
        )))  # fmt: skip
        self.model_combo.setCurrentText(report.model)
        self._update()

    def _update(self) -> None:
        if self.path is None:
            self.file_label.setText("No dataset yet: build or choose one, then validate it.")
            return
        uploaded = self.file_ids.get(self.path)
        if uploaded:
            state = f"uploaded as {uploaded}"
        elif self.report is None:
            state = "not validated yet"
        elif not self.report.passed:
            them = "it" if self.report.errors == 1 else "them"
            state = f"{self.report.where_errors_are()}: fix {them} before uploading"
        elif self.report.warnings:
            state = f"passes with {self.report.warnings:,} warnings"
        else:
            state = "passes validation"
        self.file_label.setText(f"{self.path.name}: {state}")
        self.override_check.setEnabled(bool(self.report and self.report.passed and
                                            self.report.warnings))  # fmt: skip
        held = self.validation_path
        self.validation_label.setText(
            f"{held.name} ({self.file_ids.get(held, 'not uploaded')})" if held else "none"
        )

    # --- upload --------------------------------------------------------------------------

    def _upload_problem(self) -> str:
        report = self.report
        if self.path is None:
            return "Build and save a dataset first (or choose a JSONL file under Validate)."
        if report is None:
            return "Validate the dataset first: nothing is uploaded before it passes."
        if not report.passed:
            them = "it" if report.errors == 1 else "them"
            return f"The dataset has {report.where_errors_are()}; fix {them} and validate again."
        if report.warnings and not self.override_check.isChecked():
            return (
                f"The dataset has {report.warnings:,} warnings. Read them under Validate; to "
                "upload anyway, tick “Upload despite warnings”."
            )
        return ""

    async def upload(self) -> bool:
        problem = self._upload_problem()
        if problem:
            self.context.notice(problem, "warning")
            return False
        files = [p for p in (self.path, self.validation_path) if p is not None]
        service = self.context.service
        try:
            for path in files:
                if path in self.file_ids:
                    continue
                self.file_ids[path] = await self.context.run_async(
                    f"Uploading {path.name}", partial(service.upload, path)
                )
        except Busy:
            self.context.notice(BUSY_TEXT)
            return False
        except Cancelled:
            self.context.notice("Upload cancelled.")
            return False
        except GatewayError as error:
            self.context.server_notice(error, "The upload failed.")
            return False
        finally:
            self._update()
        self.context.notice("Uploaded. Set the job up below and press Start job.")
        return True

    # --- start ---------------------------------------------------------------------------

    def request(self) -> JobRequest:
        return JobRequest(
            model=self.model_combo.currentText().strip(),
            training_file=self.file_ids.get(self.path, "") if self.path else "",
            method=str(self.method_combo.currentData()),
            suffix=self.suffix_edit.text().strip(),
            validation_file=(
                self.file_ids.get(self.validation_path, "") if self.validation_path else ""
            ),
            epochs=self.epochs_spin.value() or None,
            batch_size=self.batch_spin.value() or None,
            learning_rate_multiplier=self.lr_spin.value() or None,
            seed=None if self.seed_spin.value() < 0 else self.seed_spin.value(),
            description=self.description_edit.text().strip(),
        )

    async def start_job(self) -> JobRecord | None:
        request = self.request()
        problems = request_problems(request)
        if problems:
            self.context.notice(" ".join(problems), "warning")
            return None
        self.start_button.setEnabled(False)
        try:
            record = await self.context.service.start(request)
        except GatewayError as error:
            self.context.server_notice(error, "The job was not started.")
            return None
        finally:
            self.start_button.setEnabled(True)
        self.context.notice(f"Started {record.id}; follow it under Jobs.")
        self.job_started.emit(record)
        return record
