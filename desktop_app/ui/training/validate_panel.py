"""Validate: check a JSONL dataset before spending money — every problem with its line number
and file (errors first), the spread of tokens, assistant tokens and messages per example, the
epochs the service would pick, billed tokens and cost.

Signals:
    validated(object): a ValidationReport for the file now in `path`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.training_estimate import FINE_TUNABLE
from desktop_app.core.training_report import Cancelled, ValidationReport, write_report_csv
from desktop_app.core.training_stats import PERCENTILE_RULE
from desktop_app.services.dataset_files import Progress
from desktop_app.services.dataset_validation import validate_files
from desktop_app.services.failure_text import failure_message
from desktop_app.services.private_files import open_private
from desktop_app.ui.icons import set_icon
from desktop_app.ui.task_keeper import TaskKeeper
from desktop_app.ui.training.charts import HistogramChart
from desktop_app.ui.training.context import (
    BUSY_TEXT,
    Busy,
    TrainingContext,
    in_worker,
)
from desktop_app.ui.training.table_models import (
    FiguresModel,
    ProblemsModel,
    figures_view,
    problems_view,
)
from desktop_app.ui.widgets.file_dialogs import open_file_dialog


class ValidatePanel(QWidget):
    validated = Signal(object)

    def __init__(self, context: TrainingContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.tasks = TaskKeeper(on_error=context.task_failed)
        self.path: Path | None = None
        self.validation_path: Path | None = None
        self.report: ValidationReport | None = None
        self.dialog: QFileDialog | None = None
        self.problems = ProblemsModel(self)
        self.figures = FiguresModel(self)
        self._build()

    def _build(self) -> None:
        self.file_label = QLabel("No dataset yet: build and save one, or choose a JSONL file.")
        self.file_label.setWordWrap(True)
        self.choose_button = QPushButton("Choose JSONL…")
        set_icon(self.choose_button, "file")
        self.choose_button.clicked.connect(self.choose_file)
        self.model_combo = QComboBox()
        self.model_combo.setEditable(True)
        self.model_combo.addItems(FINE_TUNABLE)
        self.model_combo.setCurrentText("gpt-4o-mini-2024-07-18")
        self.model_combo.setToolTip("The base model: its token limit and price are used")
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(0, 50)
        self.epochs_spin.setSpecialValueText("auto epochs")
        self.epochs_spin.setSuffix(" epochs")
        self.validate_button = QPushButton("Validate")
        set_icon(self.validate_button, "check")
        self.validate_button.clicked.connect(lambda: self.tasks.spawn(self.validate()))
        top = QHBoxLayout()
        top.addWidget(self.file_label, 1)
        top.addWidget(self.choose_button)
        options = QHBoxLayout()
        options.addWidget(QLabel("Model:"))
        options.addWidget(self.model_combo, 1)
        options.addWidget(self.epochs_spin)
        options.addWidget(self.validate_button)

        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.stats_label = QLabel()
        self.stats_label.setWordWrap(True)
        self.figures_view = figures_view(self.figures)
        self.figures_view.setToolTip(
            f"Per example. P5 and P95 are the 5th and 95th percentiles ({PERCENTILE_RULE})."
        )
        self.histogram = HistogramChart()
        self.problems_view = problems_view(self.problems)
        self.export_button = QPushButton("Export report (CSV)…")
        set_icon(self.export_button, "upload")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.choose_export)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.export_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(options)
        layout.addWidget(self.summary_label)
        figures = QVBoxLayout()
        figures.addWidget(self.stats_label)
        figures.addWidget(self.figures_view)
        figures.addStretch(1)
        spread = QHBoxLayout()
        spread.addLayout(figures, 1)
        spread.addWidget(self.histogram, 1)
        layout.addLayout(spread)
        layout.addWidget(self.problems_view, 1)
        layout.addLayout(bottom)

    def set_models(self, models: list[str]) -> None:
        current = self.model_combo.currentText()
        self.model_combo.clear()
        self.model_combo.addItems(list(dict.fromkeys([*FINE_TUNABLE, *models])))
        self.model_combo.setCurrentText(current)

    def set_file(self, path: Path, validation_path: Path | None = None) -> None:
        self.path, self.validation_path = path, validation_path
        names = path.name + (f" (validation: {validation_path.name})" if validation_path else "")
        self.file_label.setText(f"Dataset: {names}")
        self.report = None
        self.problems.set_problems([])
        self.figures.set_rows([])
        self.stats_label.clear()
        self.summary_label.setText("Not validated yet.")

    def choose_file(self) -> None:
        self.dialog = open_file_dialog(
            self, "Choose a JSONL dataset", self._on_file_chosen, "JSONL (*.jsonl);;All (*)"
        )

    def _on_file_chosen(self, paths: list[str]) -> None:
        self.set_file(Path(paths[0]))
        self.tasks.spawn(self.validate())

    @property
    def model(self) -> str:
        return self.model_combo.currentText().strip()

    async def validate(self) -> ValidationReport | None:
        """Validate the dataset (and its validation file); show and return the report."""
        path, extra = self.path, self.validation_path
        if path is None:
            self.context.notice("Build and save a dataset first, or choose a JSONL file.")
            return None
        model, epochs = self.model, self.epochs_spin.value() or None

        def work(progress: Progress, cancelled: Callable[[], bool]) -> ValidationReport:
            return validate_files(path, extra, model, epochs, progress, cancelled)

        try:
            report = await self.context.run_blocking(f"Validating {path.name}", work)
        except Busy:
            self.context.notice(BUSY_TEXT)
            return None
        except Cancelled:
            self.context.notice("Validation cancelled.")
            return None
        except OSError as exc:
            self.context.notice(failure_message(f"Reading {path.name}", exc), "error")
            return None
        self.show_report(report)
        self.validated.emit(report)
        return report

    def show_report(self, report: ValidationReport) -> None:
        self.report = report
        self.summary_label.setText(report.summary())
        d = report.distribution
        over = report.estimate.truncated if report.estimate else 0
        limit = report.estimate.limit if report.estimate else 0
        self.figures.set_rows(report.figure_rows())
        self.stats_label.setText(
            "Per example"
            + (f" of {report.name}" if report.validation is not None else "")
            + " — p5 and p95 are the 5th and 95th percentiles"
            + (f"; {over:,} over the model's limit of {limit:,} tokens" if over else "")
        )
        self.histogram.set_histogram(d.edges, d.counts, limit)
        self.problems.set_problems(report.problems)
        self.export_button.setEnabled(True)

    def choose_export(self) -> None:
        self.dialog = open_file_dialog(
            self, "Export the report",
            lambda p: self.tasks.spawn(self.export_report(Path(p[0]))),
            "CSV (*.csv)", save_as="validation-report.csv",
        )  # fmt: skip

    async def export_report(self, path: Path) -> bool:
        report = self.report
        if report is None:
            return False

        def write() -> None:
            with open_private(path, "w", encoding="utf-8", newline="") as out:
                write_report_csv(report, out)

        try:
            await in_worker(write)
        except OSError as exc:
            self.context.notice(failure_message(f"Writing {path.name}", exc), "error")
            return False
        self.context.notice(f"Saved the report ({len(report.problems):,} rows) to {path.name}.")
        return True
