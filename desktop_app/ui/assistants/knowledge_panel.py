"""The Knowledge page of the Assistants tab: the user's knowledge bases — what each indexes
(folders and files), with which embedding model, how many passages go into a request — and
their indexing, in the background, with progress, Cancel and a status for every file.

The index and the indexer are imported when first used (`importlib`), so the tab costs
nothing until a base is indexed. Errors go to the tab's banner in plain words.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QSpinBox,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.knowledge_bases import (
    DEFAULT_BUDGET,
    DEFAULT_PASSAGES,
    MAX_BUDGET,
    MAX_PASSAGES,
    MIN_BUDGET,
    KnowledgeBase,
    validate,
)
from desktop_app.services.gateway_errors import GatewayError
from desktop_app.services.knowledge_bases import INDEX_ERRORS, KnowledgeBases
from desktop_app.services.provider_pool import UnknownProvider
from desktop_app.services.store import StoreError
from desktop_app.ui.task_keeper import TaskKeeper
from desktop_app.ui.theme import set_tone
from desktop_app.ui.widgets.file_dialogs import open_file_dialog
from desktop_app.ui.widgets.icon_buttons import icon_button, labelled_button

log = logging.getLogger(__name__)
CLOSED_ERRORS: tuple[type[Exception], ...] = (StoreError, *INDEX_ERRORS)
INDEX_MODULE = "desktop_app.services.knowledge_index"
INDEXER_MODULE = "desktop_app.services.knowledge_indexer"
PROBE_TEXT = "What does this knowledge base hold?"

GatewayFor = Callable[[str], Awaitable[Any]]  # provider id → its Gateway


def _module(name: str) -> ModuleType:
    return importlib.import_module(name)


@dataclass
class BaseState:
    """What the list shows of a base beside its name."""

    files: int | None = None  # None: not read yet
    chunks: int = 0
    state: str = "not indexed"


def _read_index(bases: KnowledgeBases, base_id: str) -> tuple[list[Any], int, bool]:
    """(its file records, its passage count, whether it was built) — in a worker thread;
    an index removed meanwhile is not made again."""
    if not bases.index_path(base_id).exists():
        return [], 0, False
    index = bases.open_index(base_id)
    try:
        return list(index.files()), int(index.chunk_count()), index.embedding() is not None
    finally:
        index.close()


def _left(field: QWidget) -> QHBoxLayout:
    """A short field at the start of its row (a number needs no full width)."""
    field.setMinimumWidth(140)
    line = QHBoxLayout()
    line.addWidget(field)
    line.addStretch(1)
    return line


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class KnowledgePanel(QWidget):
    bases_changed = Signal()  # a base was saved or removed (its name may show elsewhere)

    def __init__(
        self,
        bases: KnowledgeBases,
        gateway_for: GatewayFor,
        providers: Callable[[], list[tuple[str, str]]],
        models: Callable[[str], list[str]],
        tasks: TaskKeeper,
        show_notice: Callable[..., None],
        parent: QWidget | None = None,
    ) -> None:
        """`providers()`: (id, label) of each configured provider, the main one ("") first;
        `models(id)`: the model ids last listed for it; `show_notice(text, level, …)`: the
        tab's banner."""
        super().__init__(parent)
        self.bases = bases
        self.gateway_for = gateway_for
        self.providers = providers
        self.models = models
        self.tasks = tasks
        self.show_notice = show_notice
        self.states: dict[str, BaseState] = {}
        self.current: KnowledgeBase | None = None  # the base in the form (None: a new one)
        self.job: asyncio.Task[Any] | None = None
        self.job_base = ""
        self.cancel_event: asyncio.Event | None = None
        self.file_dialog: QFileDialog | None = None
        self.question: QMessageBox | None = None
        self.checked_at_start = False
        self.runs = 0  # indexings started and ended (a read from before one is stale)
        self.fallback_shown = False
        self._build()
        self.refresh()

    # --- layout ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.list = QTreeWidget()
        self.list.setHeaderLabels(["Knowledge base", "Files", "Passages", "State"])
        self.list.setRootIsDecorated(False)
        self.list.setAccessibleName("Knowledge bases")
        header = self.list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.list.currentItemChanged.connect(self._on_current_changed)
        self.new_button = icon_button("plus", "Create a knowledge base")
        self.new_button.clicked.connect(self.new_base)
        self.remove_button = icon_button(
            "delete", "Remove the selected knowledge base and its index"
        )
        self.remove_button.clicked.connect(self.remove_selected)
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.list, 1)
        line = QHBoxLayout()
        line.addWidget(self.new_button)
        line.addWidget(self.remove_button)
        line.addStretch(1)
        left.addLayout(line)
        left_widget = QWidget()
        left_widget.setLayout(left)

        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Project notes")
        self.sources = QListWidget()
        self.sources.setAccessibleName("Folders and files to index")
        self.sources.setMinimumHeight(70)
        self.sources.setMaximumHeight(96)
        self.add_folder_button = labelled_button("folder", "Add folder…", "Index a folder")
        self.add_folder_button.clicked.connect(self.open_folder_dialog)
        self.add_files_button = labelled_button("file", "Add files…", "Index some files")
        self.add_files_button.clicked.connect(self.open_files_dialog)
        self.remove_source_button = labelled_button(
            "close", "Remove", "Stop indexing the selected folder or file"
        )
        self.remove_source_button.clicked.connect(self.remove_source)
        source_buttons = QHBoxLayout()
        for button in (self.add_folder_button, self.add_files_button, self.remove_source_button):
            source_buttons.addWidget(button)
        source_buttons.addStretch(1)
        sources_box = QVBoxLayout()
        sources_box.setContentsMargins(0, 0, 0, 0)
        sources_box.addWidget(self.sources)
        sources_box.addLayout(source_buttons)
        self.provider = QComboBox()
        self.provider.setAccessibleName("Embedding provider")
        self.provider.currentIndexChanged.connect(lambda _i: self._offer_models())
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.setAccessibleName("Embedding model")
        edit = self.model.lineEdit()
        if edit is not None:
            edit.setPlaceholderText("e.g. text-embedding-3-small")
        self.passages = QSpinBox()
        self.passages.setRange(1, MAX_PASSAGES)
        self.passages.setValue(DEFAULT_PASSAGES)
        self.passages.setToolTip("How many passages at most go into one request")
        self.budget = QSpinBox()
        self.budget.setRange(MIN_BUDGET, MAX_BUDGET)
        self.budget.setSingleStep(250)
        self.budget.setValue(DEFAULT_BUDGET)
        self.budget.setSuffix(" tokens")
        self.budget.setToolTip("How many tokens of passages at most go into one request")
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Folders and files", sources_box)
        form.addRow("Embedding provider", self.provider)
        form.addRow("Embedding model", self.model)
        form.addRow("Passages per request", _left(self.passages))
        form.addRow("Passages' token budget", _left(self.budget))
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        set_tone(self.problems, "error")
        self.problems.hide()

        self.save_button = labelled_button("save", "Save", "Save the knowledge base")
        self.save_button.clicked.connect(lambda: self.tasks.spawn(self.save()))
        self.index_button = labelled_button(
            "refresh", "Index now", "Save, then index what is new or changed"
        )
        self.index_button.clicked.connect(lambda: self.tasks.spawn(self.index_selected()))
        actions = QHBoxLayout()
        actions.addWidget(self.save_button)
        actions.addStretch(1)
        actions.addWidget(self.index_button)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Indexing progress")
        self.progress_text = QLabel()
        set_tone(self.progress_text, "muted")
        self.cancel_button = labelled_button("stop", "Cancel", "Stop indexing (what is done stays)")
        self.cancel_button.clicked.connect(self.cancel)
        progress_line = QHBoxLayout()
        progress_line.addWidget(self.progress, 1)
        progress_line.addWidget(self.cancel_button)
        self.progress_box = QWidget()
        progress_layout = QVBoxLayout(self.progress_box)
        progress_layout.setContentsMargins(0, 0, 0, 0)
        progress_layout.addLayout(progress_line)
        progress_layout.addWidget(self.progress_text)
        self.progress_box.hide()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        set_tone(self.summary, "muted")
        self.files = QTreeWidget()
        self.files.setHeaderLabels(["File", "Status", "Pages", "Passages", "Reason"])
        self.files.setRootIsDecorated(False)
        self.files.setAccessibleName("Files of the knowledge base")
        self.files.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        file_header = self.files.header()
        file_header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        file_header.resizeSection(0, 240)
        for column in (1, 2, 3):
            file_header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.backend_note = QLabel()
        self.backend_note.setWordWrap(True)
        set_tone(self.backend_note, "muted")
        self.backend_note.hide()

        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addLayout(form)
        right.addWidget(self.problems)
        right.addLayout(actions)
        right.addWidget(self.progress_box)
        right.addWidget(self.summary)
        right.addWidget(self.files, 1)
        right.addWidget(self.backend_note)
        right_widget = QWidget()
        right_widget.setLayout(right)
        splitter = QSplitter()
        splitter.addWidget(left_widget)
        splitter.addWidget(right_widget)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([320, 680])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    # --- the list ----------------------------------------------------------------------------

    def refresh(self, select_id: str | None = None) -> None:
        """Reload the bases, keeping (or moving to) the selection."""
        keep = select_id if select_id is not None else self.selected_id
        self.list.blockSignals(True)
        self.list.clear()
        chosen = None
        for base in self.bases.all():
            item = QTreeWidgetItem(["", "", "", ""])
            item.setData(0, Qt.ItemDataRole.UserRole, base.id)
            self.list.addTopLevelItem(item)
            self._show_state(base.id, base.name)
            if base.id == keep:
                chosen = item
        self.list.blockSignals(False)
        if chosen is None and self.list.topLevelItemCount():
            chosen = self.list.topLevelItem(0)
        if chosen is not None:
            self.list.setCurrentItem(chosen)
            self._load(self.bases.get(chosen.data(0, Qt.ItemDataRole.UserRole)))
        else:
            self._load(None)
        self._update_buttons()

    def _item(self, base_id: str) -> QTreeWidgetItem | None:
        for row in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(row)
            if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == base_id:
                return item
        return None

    def _show_state(self, base_id: str, name: str = "") -> None:
        item = self._item(base_id)
        if item is None:
            return
        state = self.states.setdefault(base_id, BaseState())
        if name:
            item.setText(0, name)
        item.setText(1, "" if state.files is None else str(state.files))
        item.setText(2, "" if state.files is None else str(state.chunks))
        item.setText(3, state.state)
        for column in (1, 2):
            item.setTextAlignment(
                column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            )
        if state.files is None and self.bases.index_path(base_id).exists():
            state.files = 0  # read once
            self.tasks.spawn(self._read_state(base_id))

    async def _read_state(self, base_id: str) -> None:
        runs = self.runs
        try:
            records, chunks, built = await asyncio.to_thread(_read_index, self.bases, base_id)
        except Exception as exc:  # a damaged or foreign file: said, not raised
            if base_id not in self.states:
                return
            self.states[base_id].state = "unreadable"
            self._show_state(base_id)
            self.show_notice(f"The index of this knowledge base could not be read: {exc}")
            return
        if runs != self.runs or base_id == self.job_base or base_id not in self.states:
            return  # indexed meanwhile: what it found is newer
        state = self.states[base_id]
        state.files = sum(1 for r in records if r.status == "indexed")
        state.chunks = chunks
        if state.state == "not indexed" and built:
            state.state = "indexed"
        self._show_state(base_id)
        if self.current is not None and self.current.id == base_id and base_id != self.job_base:
            self._show_files(records)

    @property
    def selected_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    def select(self, base_id: str) -> None:
        item = self._item(base_id)
        if item is not None:
            self.list.setCurrentItem(item)

    def _on_current_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        if current is not None:
            self._load(self.bases.get(current.data(0, Qt.ItemDataRole.UserRole)))
        self._update_buttons()

    # --- the form ----------------------------------------------------------------------------

    def _offer_providers(self, chosen: str) -> None:
        self.provider.blockSignals(True)
        self.provider.clear()
        for provider_id, label in self.providers():
            self.provider.addItem(label, provider_id)
        index = self.provider.findData(chosen)
        if index < 0 and chosen:  # a provider since removed from Settings: kept, and said
            self.provider.addItem(f"{chosen} (not in Settings)", chosen)
            index = self.provider.count() - 1
        self.provider.setCurrentIndex(max(index, 0))
        self.provider.blockSignals(False)

    def _offer_models(self, chosen: str | None = None) -> None:
        text = self.model.currentText() if chosen is None else chosen
        provider_id = self.provider.currentData() or ""
        found = [m for m in self.models(provider_id) if "embed" in m.lower()]
        self.model.blockSignals(True)
        self.model.clear()
        self.model.addItems(found)
        self.model.setEditText(text)
        self.model.blockSignals(False)

    def _load(self, base: KnowledgeBase | None) -> None:
        """Show `base` in the form (None: an empty form for a new one)."""
        self.current = base
        shown = base or KnowledgeBase("", "")
        self.name.setText(shown.name)
        self.sources.clear()
        self.sources.addItems(list(shown.sources))
        self._offer_providers(shown.provider)
        self._offer_models(shown.embedding_model)
        self.passages.setValue(shown.max_passages)
        self.budget.setValue(shown.passage_budget)
        self.problems.hide()
        self.files.clear()
        self.summary.clear()
        if base is not None:
            state = self.states.get(base.id)
            known = state is not None and state.files is not None
            if known and base.id != self.job_base and self.bases.index_path(base.id).exists():
                self.tasks.spawn(self._read_state(base.id))
        self._update_buttons()

    def form_base(self) -> KnowledgeBase:
        """The base as the form has it (a new one gets its id when saved)."""
        sources = [self.sources.item(i).text() for i in range(self.sources.count())]
        base = self.current or KnowledgeBase("", "")
        return replace(
            base,
            name=self.name.text().strip(),
            provider=self.provider.currentData() or "",
            embedding_model=self.model.currentText().strip(),
            max_passages=self.passages.value(),
            passage_budget=self.budget.value(),
        ).with_sources(sources)

    def _update_buttons(self) -> None:
        busy = self.job is not None
        self.remove_button.setEnabled(self.selected_id is not None)
        self.remove_source_button.setEnabled(self.sources.count() > 0)
        indexing_this = busy and self.current is not None and self.current.id == self.job_base
        self.index_button.setEnabled(not busy)
        self.progress_box.setVisible(indexing_this)

    def new_base(self) -> None:
        self.list.blockSignals(True)
        self.list.selectionModel().clearCurrentIndex()
        self.list.clearSelection()
        self.list.blockSignals(False)
        self._load(None)
        self.name.setText("New knowledge base")
        self.name.setFocus()
        self.name.selectAll()

    def remove_selected(self) -> None:
        base_id = self.selected_id
        if base_id is None:
            return
        if base_id == self.job_base:
            self.show_notice("Cancel the indexing of this knowledge base first.", "warning")
            return
        base = self.bases.get(base_id)
        self.bases_changed.emit()  # whoever holds its index open lets go of it first
        try:
            self.bases.remove(base_id)
        except (StoreError, OSError) as exc:
            self.show_notice(f"The knowledge base could not be removed: {exc}")
            return
        self.states.pop(base_id, None)
        self.refresh()
        self.bases_changed.emit()
        if base is not None:
            self.show_notice(f"Removed “{base.name}” and its index.", "info")

    # --- sources -----------------------------------------------------------------------------

    def open_folder_dialog(self) -> None:
        dialog = QFileDialog(self, "Add a folder to index", str(Path.home()))
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly)
        dialog.fileSelected.connect(lambda path: self.add_sources([path]))
        dialog.open()
        self.file_dialog = dialog

    def open_files_dialog(self) -> None:
        self.file_dialog = open_file_dialog(
            self,
            "Add files to index",
            self.add_sources,
            "Documents (*.txt *.md *.markdown *.pdf *.docx *.html *.htm *.py *.js *.ts *.json "
            "*.yaml *.yml *.toml *.c *.h *.cpp *.rs *.go *.java *.rb *.sh *.css *.sql *.csv);;"
            "All files (*)",
            many=True,
        )

    def add_sources(self, paths: Sequence[str | Path]) -> None:
        """Add folders or files (absolute) to the form's list, each once."""
        have = {self.sources.item(i).text() for i in range(self.sources.count())}
        for path in paths:
            text = str(Path(path).expanduser().resolve())
            if text not in have:
                self.sources.addItem(text)
                have.add(text)
        self._update_buttons()

    def remove_source(self) -> None:
        rows = sorted({i.row() for i in self.sources.selectedIndexes()}, reverse=True)
        if not rows and self.sources.currentRow() >= 0:
            rows = [self.sources.currentRow()]
        for row in rows:
            self.sources.takeItem(row)
        self._update_buttons()

    # --- saving ------------------------------------------------------------------------------

    async def save(self) -> KnowledgeBase | None:
        """Store the form (asking first when the embedding model of a built index changes);
        None if it is not valid or the user keeps the old model."""
        base = self.form_base()
        problems = validate(base)
        if problems:
            self.problems.setText(" ".join(problems))
            self.problems.show()
            self.show_notice("Fix what is marked below the form, then try again.", "warning")
            return None
        self.problems.hide()
        old = self.bases.get(base.id) if base.id else None
        clear = False
        changed = old is not None and (
            (old.provider, old.embedding_model) != (base.provider, base.embedding_model)
        )
        if changed and old is not None and self.bases.index_path(old.id).exists():
            if self.job_base == old.id:
                self.show_notice("Cancel the indexing first, then change the model.", "warning")
                return None
            if not await self._ask_reindex(old, base):
                self._offer_models(old.embedding_model)
                self._offer_providers(old.provider)
                return None
            clear = True
        if not base.id:
            base = replace(base, id=self.bases.new_id(base.name))
        try:
            self.bases.save(base)
        except StoreError as exc:
            self.show_notice(f"The knowledge base could not be saved: {exc}")
            return None
        if clear:
            await asyncio.to_thread(self._clear_index, base.id)
            self.states[base.id] = BaseState(0, 0, "not indexed")
        self.current = base
        self.refresh(base.id)
        self.bases_changed.emit()
        return base

    def _clear_index(self, base_id: str) -> None:
        index = self.bases.open_index(base_id)
        try:
            index.clear()
        finally:
            index.close()

    async def _ask_reindex(self, old: KnowledgeBase, new: KnowledgeBase) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Change the embedding model?",
            f"“{old.name}” was indexed with {old.embedding_model}. Passages embedded with one "
            f"model cannot be searched with another, so changing to {new.embedding_model} "
            "indexes every file again from scratch.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.addButton("Re-index from scratch", QMessageBox.ButtonRole.AcceptRole)
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def done(result: int) -> None:
            if not answer.done():
                answer.set_result(box.buttonRole(box.clickedButton()) == box.ButtonRole.AcceptRole)

        box.finished.connect(done)
        self.question = box
        box.open()
        try:
            return await answer
        finally:
            self.question = None
            box.deleteLater()

    # --- indexing ----------------------------------------------------------------------------

    async def index_selected(self) -> None:
        """Save the form, then index its base (only what is new or changed)."""
        if self.job is not None:
            self.show_notice("Another knowledge base is being indexed; wait or cancel it.", "info")
            return
        base = await self.save()
        if base is not None:
            await self.run_index(base)

    def cancel(self) -> None:
        if self.cancel_event is not None:
            self.cancel_event.set()
            self.cancel_button.setEnabled(False)
            self.progress_text.setText("Stopping after the current batch…")

    async def _embed_for(self, base: KnowledgeBase) -> Callable[[list[str]], Awaitable[Any]]:
        from desktop_app.services.gateway_embeddings import create_embeddings

        gateway = await self.gateway_for(base.provider)

        async def embed(texts: list[str]) -> list[list[float]]:
            return (await create_embeddings(gateway, base.embedding_model, texts)).vectors

        return embed

    async def run_index(self, base: KnowledgeBase) -> Any:
        """Index `base` in the background of the UI; returns the report (None if it failed:
        the reason is in the banner)."""
        if self.job is not None:
            return None
        self.job = asyncio.current_task()
        self.runs += 1
        self.job_base = base.id
        self.cancel_event = asyncio.Event()
        state = self.states.setdefault(base.id, BaseState())
        state.state = "indexing…"
        self._show_state(base.id)
        self.progress.setRange(0, 0)  # busy until the files are counted
        self.progress_text.setText("Looking for new and changed files…")
        self.cancel_button.setEnabled(True)
        self._update_buttons()
        index = None
        report = None
        try:
            index_module, indexer = _module(INDEX_MODULE), _module(INDEXER_MODULE)
            self._note_backend(index_module)
            index = self.bases.open_index(base.id)
            if self.current is not None and self.current.id == base.id:
                self._show_files(index.files())  # what it held, until this run ends
            index.check_embedding(base.provider, base.embedding_model)
            embed = await self._embed_for(base)
            known = index.embedding()
            dimensions = (
                known.dimensions if known is not None else len((await embed([PROBE_TEXT]))[0])
            )
            info = index_module.EmbeddingInfo(base.provider, base.embedding_model, dimensions)
            report = await indexer.index_sources(
                index,
                [Path(s) for s in base.sources],
                embed,
                info,
                progress=self._on_progress,
                cancel=self.cancel_event,
            )
        except ModuleNotFoundError:
            self.show_notice("This build of Parley cannot index knowledge bases.", "warning")
            state.state = "failed"
        except GatewayError as exc:
            text, details = exc.trimmed(f"Indexing “{base.name}”:")
            self.show_notice(text, details=details)
            state.state = "failed"
        except UnknownProvider:
            self.show_notice(
                f"The embedding provider of “{base.name}” is no longer in Settings. Choose "
                "another provider for it.",
                "warning",
            )
            state.state = "failed"
        except Exception as exc:
            mismatch = getattr(_module(INDEX_MODULE), "EmbeddingMismatch", None)
            if mismatch is not None and isinstance(exc, mismatch):
                self.show_notice(str(exc), "warning")
            elif isinstance(exc, OSError | StoreError):
                self.show_notice(f"Indexing “{base.name}” stopped: {exc}")
            elif isinstance(exc, (*INDEX_ERRORS, ValueError)):  # a damaged index, odd vectors
                log.warning("indexing %s failed", base.id, exc_info=True)
                self.show_notice(
                    f"Indexing “{base.name}” stopped: its index could not be used "
                    f"({type(exc).__name__}: {exc}). Remove the base and make it again."
                )
            else:
                raise
            state.state = "failed"
        finally:
            records: list[Any] = []
            if index is not None:
                try:
                    records = list(index.files())
                    state.files = sum(1 for r in records if r.status == "indexed")
                    state.chunks = int(index.chunk_count())
                except INDEX_ERRORS:
                    records = []  # said above
                finally:
                    index.close()
            self.job = None
            self.runs += 1
            self.job_base = ""
            self.cancel_event = None
            if report is not None:
                state.state = "cancelled" if report.cancelled else "indexed"
            self._show_state(base.id)
            self._update_buttons()
            if self.current is not None and self.current.id == base.id:
                self._show_files(records)
                if report is not None:
                    self.summary.setText(self._summary(report))
        return report

    def _on_progress(self, progress: Any) -> None:
        total = max(int(progress.files_total), 0)
        self.progress.setRange(0, total or 1)
        self.progress.setValue(min(int(progress.files_done), total or 1))
        current = Path(progress.current).name if progress.current else ""
        parts = [
            f"{progress.files_done} of {_plural(total, 'file')}",
            _plural(int(progress.chunks), "passage"),
        ]
        if current:
            parts.append(current)
        self.progress_text.setText(" · ".join(parts))
        state = self.states.get(self.job_base)
        if state is not None:
            state.state = f"indexing {progress.files_done}/{total}"
            self._show_state(self.job_base)

    def _summary(self, report: Any) -> str:
        start = "Cancelled: " if report.cancelled else ""
        parts = [
            f"{_plural(len(report.indexed), 'file')} indexed",
            f"{len(report.skipped)} skipped",
            f"{len(report.unchanged)} unchanged",
        ]
        if report.removed:
            parts.append(f"{len(report.removed)} removed")
        return f"{start}{', '.join(parts)} ({report.seconds:.1f} s)."

    def _show_files(self, records: Sequence[Any]) -> None:
        self.files.clear()
        for record in sorted(records, key=lambda r: (r.status != "skipped", r.path)):
            indexed = record.status == "indexed"
            item = QTreeWidgetItem(
                [
                    Path(record.path).name,
                    record.status,
                    str(record.pages) if indexed and record.pages else "",
                    str(record.chunks) if indexed else "",
                    record.reason,
                ]
            )
            item.setToolTip(0, record.path)
            item.setToolTip(4, record.reason)
            for column in (2, 3):
                item.setTextAlignment(
                    column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
            self.files.addTopLevelItem(item)

    def _note_backend(self, index_module: ModuleType) -> None:
        """Said once: without sqlite-vec, search runs on NumPy (slower on big bases)."""
        if self.fallback_shown:
            return
        self.fallback_shown = True
        if index_module.vector_backend() == "numpy":
            self.backend_note.setText(index_module.VECTOR_FALLBACK_TEXT)
            self.backend_note.show()

    # --- at start ----------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.check_at_start()

    def check_at_start(self) -> None:
        """Once per run (a few seconds after start, or when the page is first shown): what
        changed in the bases' folders is indexed again in the background."""
        if not self.checked_at_start:
            self.checked_at_start = True
            self.tasks.spawn(self.update_all())

    async def update_all(self) -> None:
        """Each base that has an index: what changed on disk since is indexed again."""
        try:
            bases = self.bases.all()
        except CLOSED_ERRORS:  # the data closed meanwhile (the app quitting)
            return
        for base in bases:
            if validate(base) or not self.bases.index_path(base.id).exists():
                continue
            while self.job is not None:  # the user's own indexing goes first
                await asyncio.sleep(0.2)
            if self.bases.get(base.id) is None:  # removed meanwhile
                continue
            await self.run_index(base)
