"""Build: gather examples from History (filtered, rated) and from files (column mapping with a
preview), then save them as JSONL (with an optional validation split) or ShareGPT JSON.

Signals:
    dataset_saved(object, object): the training file and the validation file (or None).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.training_build import DPO, SFT, Built, ColumnMapping, guess_mapping
from desktop_app.core.training_formats import SplitRefused, held_out
from desktop_app.services.dataset_files import Cancelled, DatasetError, Progress
from desktop_app.services.dataset_reader import Preview, build_from_files, preview
from desktop_app.services.failure_text import failure_message
from desktop_app.services.training_sources import build_from_dialogues
from desktop_app.services.training_writer import save_dataset
from desktop_app.ui.history.filter_bar import FilterBar
from desktop_app.ui.icons import set_icon
from desktop_app.ui.task_keeper import TaskKeeper
from desktop_app.ui.training.context import (
    BUSY_TEXT,
    Busy,
    TrainingContext,
    in_worker,
)
from desktop_app.ui.training.table_models import (
    PreviewModel,
    ProblemsModel,
    problems_view,
    table_view,
)
from desktop_app.ui.widgets.file_dialogs import open_file_dialog

KINDS = {SFT: "Supervised (chat examples)", DPO: "Preference (DPO pairs)"}
RATINGS = {
    "": "Any rating",
    "up": "Has a reply rated good",
    "down": "Has a reply rated bad",
    "rated": "Rated",
}
DATA_FILTER = "Datasets (*.csv *.tsv *.tab *.txt *.json *.jsonl *.ndjson);;All files (*)"


class BuildPanel(QWidget):
    dataset_saved = Signal(object, object)

    def __init__(self, context: TrainingContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.tasks = TaskKeeper(on_error=context.task_failed)
        self.built = Built(SFT)
        self.source: Path | None = None
        self.dialog: QFileDialog | None = None
        self.preview_model = PreviewModel(self)
        self.problems = ProblemsModel(self)
        self._build()
        self._show_dataset()

    # --- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        self.kind_combo = QComboBox()
        for kind, label in KINDS.items():
            self.kind_combo.addItem(label, kind)
        self.kind_combo.currentIndexChanged.connect(self._on_kind_combo_changed)
        self.summary_label = QLabel()
        self.clear_button = QPushButton("Clear")
        set_icon(self.clear_button, "close")
        self.clear_button.clicked.connect(self.clear)
        top = QHBoxLayout()
        top.addWidget(QLabel("Dataset:"))
        top.addWidget(self.kind_combo)
        top.addWidget(self.summary_label, 1)
        top.addWidget(self.clear_button)

        history = QGroupBox("From History")
        self.filter_bar = FilterBar()
        self.filter_bar.role_combo.hide()
        self.filter_bar.image_check.hide()
        self.filter_bar.search_edit.setPlaceholderText("Only dialogues with these words (optional)")
        self.rating_combo = QComboBox()
        for key, label in RATINGS.items():
            self.rating_combo.addItem(label, key)
        self.only_up_check = QCheckBox("Teach only replies rated good")
        self.only_up_check.setToolTip(
            "Replies without a thumbs-up stay in as context, with weight 0"
        )
        self.add_history_button = QPushButton("Add matching dialogues")
        set_icon(self.add_history_button, "plus")
        self.add_history_button.clicked.connect(lambda: self.tasks.spawn(self.add_dialogues()))
        row = QHBoxLayout()
        row.addWidget(self.rating_combo)
        row.addWidget(self.only_up_check)
        row.addStretch(1)
        row.addWidget(self.add_history_button)
        box = QVBoxLayout(history)
        box.addWidget(self.filter_bar)
        box.addLayout(row)

        files = QGroupBox("From files: CSV, TSV, JSON or JSONL (a file or a folder)")
        self.file_button = QPushButton("Open file…")
        set_icon(self.file_button, "file")
        self.file_button.clicked.connect(self.choose_file)
        self.folder_button = QPushButton("Open folder…")
        set_icon(self.folder_button, "folder")
        self.folder_button.clicked.connect(self.choose_folder)
        self.source_label = QLabel("No file chosen")
        self.preview_view = table_view(self.preview_model)
        self.preview_view.setMaximumHeight(150)
        self.preview_view.setMinimumHeight(
            5 * self.preview_view.verticalHeader().defaultSectionSize()
        )
        self.mapping_combos = {name: QComboBox() for name in ("prompt", "reply", "system", "label")}
        mapping = QFormLayout()
        for name, combo in self.mapping_combos.items():
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            optional = " (optional)" if name in ("system", "label") else ""
            mapping.addRow(f"{name.capitalize()} column{optional}:", combo)
        self.add_rows_button = QPushButton("Add rows")
        set_icon(self.add_rows_button, "plus")
        self.add_rows_button.setEnabled(False)
        self.add_rows_button.clicked.connect(lambda: self.tasks.spawn(self.add_rows()))
        line = QHBoxLayout()
        line.addWidget(self.file_button)
        line.addWidget(self.folder_button)
        line.addWidget(self.source_label, 1)
        mapping_row = QHBoxLayout()
        mapping_row.addLayout(mapping)
        mapping_row.addStretch(1)
        mapping_row.addWidget(self.add_rows_button, 0, Qt.AlignmentFlag.AlignBottom)
        box = QVBoxLayout(files)
        box.addLayout(line)
        box.addWidget(self.preview_view)
        box.addLayout(mapping_row)

        self.problems_view = problems_view(self.problems)
        height = self.problems_view.verticalHeader().defaultSectionSize()
        self.problems_view.setMinimumHeight(6 * height)  # a header and five reasons, at least
        self.split_spin = QSpinBox()
        self.split_spin.setRange(0, 50)
        self.split_spin.setSuffix(" % for validation")
        self.save_button = QPushButton("Save JSONL…")
        set_icon(self.save_button, "save")
        self.save_button.setToolTip("OpenAI's format; any trainer that reads chat JSONL takes it")
        self.save_button.clicked.connect(lambda: self.choose_save("jsonl"))
        self.sharegpt_button = QPushButton("Save ShareGPT…")
        set_icon(self.sharegpt_button, "save")
        self.sharegpt_button.setToolTip("For local trainers (LLaMA-Factory, Axolotl, unsloth)")
        self.sharegpt_button.clicked.connect(lambda: self.choose_save("sharegpt"))
        save = QHBoxLayout()
        save.addStretch(1)
        save.addWidget(self.split_spin)
        save.addWidget(self.save_button)
        save.addWidget(self.sharegpt_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(history)
        layout.addWidget(files)
        layout.addWidget(QLabel("Rows left out, and why:"))
        layout.addWidget(self.problems_view, 1)
        layout.addLayout(save)

    # --- state ---------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    def _show_dataset(self) -> None:
        count = len(self.built.examples)
        self.summary_label.setText(self.built.summary() if self.built.rows_read else "empty")
        self.problems.set_problems(self.built.problems)
        for button in (self.save_button, self.sharegpt_button, self.clear_button):
            button.setEnabled(count > 0)

    def clear(self) -> None:
        self.built = Built(self.kind)
        self._show_dataset()

    def _on_kind_combo_changed(self, _index: int) -> None:
        if self.built.examples:
            self.context.notice("The dataset was cleared: one dataset holds one kind of example.")
        self.clear()

    def set_facets(self, models: list[str], assistants: list[str]) -> None:
        self.filter_bar.set_facets(models, assistants)

    # --- History -------------------------------------------------------------------------

    async def add_dialogues(self) -> int:
        """Add the dialogues that pass the filters; returns how many examples were added."""
        store, built = self.context.store, self.built
        filters, text = self.filter_bar.filters(), self.filter_bar.text.strip()
        rating, only_up = str(self.rating_combo.currentData()), self.only_up_check.isChecked()
        before, again = len(built.examples), len(built.again)

        def work(progress: Progress, cancelled: Callable[[], bool]) -> Built:
            ids = store.training_dialogue_ids(filters, rating, text)
            return build_from_dialogues(store, ids, built, only_up, progress, cancelled)

        try:
            await self.context.run_blocking("Reading dialogues", work)
        except Busy:
            self.context.notice(BUSY_TEXT)
        except Cancelled:
            self.context.notice("Stopped; the examples read so far are kept.")
        added, repeated = len(built.examples) - before, len(built.again) - again
        self._show_dataset()
        if repeated:
            was = "was" if repeated == 1 else "were"
            self.context.notice(
                f"{_dialogues(repeated)} matching these filters {was} already in the dataset "
                f"and {was} not added again; {_examples(added)} added. Clear starts the "
                "dataset over.",
                "info" if added else "warning",
            )
        elif not added:
            self.context.notice("No dialogue matching these filters gave an example.", "warning")
        return added

    # --- files ---------------------------------------------------------------------------

    def choose_file(self) -> None:
        self.dialog = open_file_dialog(
            self, "Open a dataset", lambda p: self.tasks.spawn(self.preview_source(Path(p[0]))),
            DATA_FILTER,
        )  # fmt: skip

    def choose_folder(self) -> None:
        dialog = QFileDialog(self, "Open a folder of datasets", str(Path.home()))
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.fileSelected.connect(lambda p: self.tasks.spawn(self.preview_source(Path(p))))
        dialog.open()
        self.dialog = dialog

    async def preview_source(self, path: Path) -> Preview | None:
        """Show a file's (or a folder's first file's) columns and rows; guess the mapping."""
        try:
            shown = await in_worker(preview, path)
        except DatasetError as exc:
            self.context.notice(str(exc), "error")
            return None
        except OSError as exc:
            self.context.notice(failure_message(f"Reading {path.name}", exc), "error")
            return None
        self.source = path
        self.source_label.setText(shown.format.describe())
        self.preview_model.set_rows(shown.columns, shown.rows)
        guess = guess_mapping(shown.columns)
        for name, combo in self.mapping_combos.items():
            combo.clear()
            if name in ("system", "label"):
                combo.addItem("(none)", "")
            for column in shown.columns:
                combo.addItem(column, column)
            combo.setCurrentIndex(max(0, combo.findData(getattr(guess, name))))
            combo.setEnabled(shown.format.shape != "examples")
        self.add_rows_button.setEnabled(True)
        return shown

    def mapping(self) -> ColumnMapping:
        value = {n: str(c.currentData() or "") for n, c in self.mapping_combos.items()}
        return ColumnMapping(**value)

    async def add_rows(self, path: Path | None = None) -> int:
        """Add the examples of the previewed file (or folder) with the chosen mapping."""
        path = path or self.source
        if path is None:
            return 0
        mapping, built = self.mapping(), self.built
        before, again = len(built.examples), len(built.again)

        def work(progress: Progress, cancelled: Callable[[], bool]) -> Built:
            return build_from_files([path], mapping, built, progress, cancelled)

        try:
            await self.context.run_blocking(f"Reading {path.name}", work)
        except Busy:
            self.context.notice(BUSY_TEXT)
        except Cancelled:
            self.context.notice("Stopped; the examples read so far are kept.")
        except DatasetError as exc:
            self.context.notice(f"Nothing was added from {path.name}. {exc}", "error")
        except OSError as exc:
            self.context.notice(failure_message(f"Reading {path.name}", exc), "error")
        added, repeated = len(built.examples) - before, built.again[again:]
        self._show_dataset()
        if repeated:
            self.context.notice(
                f"{', '.join(repeated)} {'is' if len(repeated) == 1 else 'are'} already in the "
                f"dataset: not added again; {_examples(added)} added. Clear starts the dataset "
                "over.",
                "info" if added else "warning",
            )
        return added

    # --- saving --------------------------------------------------------------------------

    def choose_save(self, fmt: str) -> None:
        name = "dataset.jsonl" if fmt == "jsonl" else "dataset.sharegpt.json"
        flt = "JSONL (*.jsonl)" if fmt == "jsonl" else "ShareGPT JSON (*.json)"
        self.dialog = open_file_dialog(
            self, "Save the dataset", lambda p: self.tasks.spawn(self.save(Path(p[0]), fmt)),
            flt, save_as=name,
        )  # fmt: skip

    async def save(self, path: Path, fmt: str = "jsonl") -> list[Path]:
        """Write the dataset; with a validation split, a second file `<name>.validation`."""
        fraction = self.split_spin.value() / 100
        examples = list(self.built.examples)
        try:
            _held, adjusted = held_out(len(examples), fraction)
        except SplitRefused as exc:
            self.context.notice(f"Nothing was saved. {exc}", "error")
            return []
        try:
            written = await in_worker(save_dataset, examples, path, fmt, fraction)
        except OSError as exc:
            self.context.notice(failure_message(f"Writing {path.name}", exc), "error")
            return []
        names = " and ".join(p.name for p in written)
        said = f"Saved {len(examples):,} examples to {names}."
        self.context.notice(f"{said} {adjusted}" if adjusted else said)
        if fmt == "jsonl":
            self.dataset_saved.emit(written[0], written[1] if len(written) > 1 else None)
        return written


def _examples(n: int) -> str:
    return f"{n:,} example{'' if n == 1 else 's'}"


def _dialogues(n: int) -> str:
    return f"{n:,} dialogue{'' if n == 1 else 's'}"
