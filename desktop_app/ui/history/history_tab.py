"""The History tab: every past dialogue, searchable, readable, reusable — with no network.

Left, the list (or the search results); right, the dialogue read-only, rendered as in Chat.
It needs only the store: no key, no server. Every action is a public coroutine (tests call
them; buttons spawn them); database work runs in worker threads, except fetching a page of the
list, which takes about a millisecond.

Signals:
    continue_requested(int): the user wants to continue this dialogue in the Chat tab.
    busy_changed(bool): an import or export started or ended.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.dialogue import Attachment
from desktop_app.core.history import search_words
from desktop_app.services.failure_text import failure_message
from desktop_app.services.history_store import HistoryStore, SearchInterrupted
from desktop_app.ui.chat.thumbnails import ThumbnailCache
from desktop_app.ui.history.dialogues_model import DialoguesModel
from desktop_app.ui.history.filter_bar import FilterBar
from desktop_app.ui.history.job_bar import JobBar
from desktop_app.ui.history.list_edits import ListEditsMixin
from desktop_app.ui.history.reader_pane import ReaderPane
from desktop_app.ui.history.row_delegates import DialogueDelegate, HitDelegate, row_height
from desktop_app.ui.history.search_model import SearchModel
from desktop_app.ui.history.transfers import TransfersMixin
from desktop_app.ui.task_keeper import TaskKeeper
from desktop_app.ui.widgets.icon_buttons import labelled_button
from desktop_app.ui.widgets.notice_banner import NoticeBanner

SEARCH_DELAY_MS = 200
RESULTS_PAGE = 100
OFFLINE_TEXT = (
    "You are offline. Everything here is stored on this computer: reading, search, export "
    "and import work as usual."
)


def _list_view(model: Any, delegate: Any) -> QTableView:
    """A one-column table that looks like a list. Unlike QListView, whose layout walks every
    row (through Python) each time a page arrives, a table with fixed-height rows costs the
    same at row 100,000 as at row 100."""
    view = QTableView()
    view.setModel(model)
    view.setItemDelegate(delegate)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.horizontalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    rows = view.verticalHeader()
    rows.hide()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(row_height(view.fontMetrics()))
    return view


class HistoryTab(ListEditsMixin, TransfersMixin, QWidget):
    continue_requested = Signal(int)
    busy_changed = Signal(bool)

    def _on_view_image_opened(self, attachment: Attachment) -> None:
        from desktop_app.ui.chat.image_preview import ImagePreview

        self.preview = ImagePreview(self.store.attachment_path(attachment), attachment.name, self)
        self.preview.show()

    def show_sentiment(self, shown: bool) -> None:
        """The sentiment marks on the messages read here (a setting)."""
        if self.view.show_sentiment != shown:
            self.view.show_sentiment = shown
            self.view.refresh_cards()

    def __init__(
        self,
        store: HistoryStore,
        parent: QWidget | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self._read_only = False
        self.store = store
        self.tasks = TaskKeeper(on_error=self._on_task_error)
        self.model = DialoguesModel(store, parent=self, clock=clock)
        self.results = SearchModel(self)
        self.open_id: int | None = None
        self.last_deleted: list[int] = []
        self._search_generation = 0
        self._searches_running = 0
        self._open_generation = 0
        self._seen_version = -1
        self._build()
        self.model.rename_requested.connect(
            lambda dialogue_id, title: self.tasks.spawn(self.rename(dialogue_id, title))
        )
        self.results.more_requested.connect(
            lambda offset: self.tasks.spawn(self.load_more_results(offset))
        )

    # --- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        self.offline_banner = NoticeBanner()
        self.banner = NoticeBanner()
        self.filter_bar = FilterBar()
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.filter_bar.changed.connect(self.search_timer.start)
        self.search_timer.timeout.connect(lambda: self.tasks.spawn(self.search()))

        self.import_button = labelled_button(
            "download",
            "Import…",
            "Import dialogue logs (JSON) or ChatGPT's export (the .zip, or its conversations.json)",
        )
        self.import_button.clicked.connect(self.choose_import_file)
        self.export_button = labelled_button(
            "upload", "Export…", "Export the selected dialogues: JSON, Markdown or JSONL"
        )
        self.export_button.clicked.connect(self.choose_export_file)
        self.trash_button = labelled_button(
            "delete", "Trash", "Show the dialogues in the trash (click again to leave it)"
        )
        self.trash_button.setCheckable(True)
        self.trash_button.toggled.connect(lambda on: self.tasks.spawn(self.show_trash(on)))
        self.empty_trash_button = labelled_button(
            "close", "Empty trash", "Delete everything in the trash for good"
        )
        self.empty_trash_button.clicked.connect(lambda: self.confirm_purge(None))
        self.count_label = QLabel()
        tools = QHBoxLayout()
        for button in (self.import_button, self.export_button, self.trash_button):
            tools.addWidget(button)
        tools.addWidget(self.empty_trash_button)
        tools.addStretch(1)
        tools.addWidget(self.count_label)

        self.list_view = _list_view(self.model, DialogueDelegate(lambda: self.model.now, self))
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list_view.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.list_view.selectionModel().currentChanged.connect(self._on_list_current_changed)
        self.list_view.doubleClicked.connect(self._on_list_double_clicked)
        self.results_view = _list_view(self.results, HitDelegate(lambda: self.model.now, self))
        self.results_view.selectionModel().currentChanged.connect(self._on_results_current_changed)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.list_view)
        self.stack.addWidget(self.results_view)

        self.reader = ReaderPane()
        self.view = self.reader.view
        self.view.thumbnails = ThumbnailCache(self.store.attachment_path)  # attached images
        self.view.image_opened.connect(self._on_view_image_opened)
        reader = self.reader
        reader.continue_button.clicked.connect(self._on_continue_button_clicked)
        reader.rename_button.clicked.connect(self.start_rename)
        reader.pin_button.clicked.connect(lambda: self.tasks.spawn(self.toggle_pin()))
        reader.delete_button.clicked.connect(lambda: self.tasks.spawn(self.delete_selected()))
        reader.restore_button.clicked.connect(lambda: self.tasks.spawn(self.restore_selected()))
        reader.purge_button.clicked.connect(lambda: self.confirm_purge(self.selected_ids()))

        splitter = QSplitter()
        splitter.addWidget(self.stack)
        splitter.addWidget(reader)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([360, 640])
        self.job_bar = JobBar()
        self.job_bar.cancel_requested.connect(self.cancel_job)

        layout = QVBoxLayout(self)
        for widget in (self.offline_banner, self.banner, self.filter_bar):
            layout.addWidget(widget)
        layout.addLayout(tools)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.job_bar)

        self._edit_shortcuts: list[QShortcut] = []  # off where the data is read-only
        for keys, slot in (
            (QKeySequence.StandardKey.Delete, lambda: self.tasks.spawn(self.delete_selected())),
            (QKeySequence.StandardKey.Undo, lambda: self.tasks.spawn(self.undo_delete())),
            (QKeySequence.StandardKey.Find, self.filter_bar.search_edit.setFocus),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(slot)
            if keys is not QKeySequence.StandardKey.Find:
                self._edit_shortcuts.append(shortcut)
        self._update_trash_buttons()

    # --- notices and state ---------------------------------------------------------------

    def show_notice(
        self, text: str, level: str = "info", action: str = "", on_action: Callable | None = None
    ) -> None:
        self.banner.show_message(text, level, action, on_action)

    def _on_task_error(self, exc: BaseException) -> None:
        self.show_notice(failure_message("That action in the History tab", exc), "error")

    def set_connection(self, state: str) -> None:
        """The app's connection state; offline, History says it still works."""
        if state == "offline":
            self.offline_banner.show_message(OFFLINE_TEXT, "info")
        else:
            self.offline_banner.clear()

    def set_read_only(self) -> None:
        """Data that cannot be written: read, search and export; nothing that would change
        it (import, trash, rename, pin, delete) is offered."""
        for button in (self.import_button, self.trash_button, self.empty_trash_button):
            button.hide()
        self.reader.set_read_only(True)
        self.list_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for shortcut in self._edit_shortcuts:
            shortcut.setEnabled(False)
        self._read_only = True

    def _update_trash_buttons(self) -> None:
        self.reader.set_trash(self.model.trash)
        self.empty_trash_button.setVisible(self.model.trash and not self._read_only)
        self.filter_bar.setEnabled(not self.model.trash)

    # --- the list ------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.tasks.spawn(self.refresh())

    async def refresh(self, force: bool = False) -> None:
        """Reload the list if another connection (Chat, an import) changed the database."""
        version = await asyncio.to_thread(self.store.data_version)
        if version == self._seen_version and not force:
            return
        self._seen_version = version
        current = self.open_id
        self.model.reload()
        if current is not None:
            self._select_in_list(current)
        count = await asyncio.to_thread(self.store.count_dialogues, self.model.trash)
        self.count_label.setText(f"{count:,} dialogue{'s' if count != 1 else ''}")
        models, assistants = await asyncio.to_thread(self.store.facets)
        self.filter_bar.set_facets(models, assistants)
        if self.filter_bar.text or self.filter_bar.filters().active:
            await self.search()

    def _select_in_list(self, dialogue_id: int) -> None:
        index = self.model.index_of(dialogue_id)
        if index.isValid():
            self.list_view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )

    def selected_ids(self) -> list[int]:
        rows = [self.model.row_at(i) for i in self.list_view.selectionModel().selectedRows()]
        ids = [r.id for r in rows if r is not None]
        if not ids and self.open_id is not None:
            ids = [self.open_id]
        return ids

    def _on_list_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.row_at(current)
        if row is not None and row.id == self.open_id:
            self.reader.show_row(row)  # the list was reloaded: same dialogue, maybe pinned now
        elif row is not None:
            self.tasks.spawn(self.open_dialogue(row.id))

    def _on_list_double_clicked(self, index: QModelIndex) -> None:
        row = self.model.row_at(index)
        if row is not None and not self.model.trash:
            self.continue_requested.emit(row.id)

    def _on_continue_button_clicked(self) -> None:
        if self.open_id is not None:
            self.continue_requested.emit(self.open_id)

    async def show_trash(self, on: bool) -> None:
        if self.trash_button.isChecked() != on:
            self.trash_button.setChecked(on)  # toggles back into this coroutine
            return
        self.model.reload(trash=on)
        self.stack.setCurrentWidget(self.list_view)
        self._update_trash_buttons()
        self._clear_open()
        await self.refresh(force=True)

    # --- reading -------------------------------------------------------------------------

    async def open_dialogue(
        self, dialogue_id: int, message_id: int | None = None, words: list[str] | None = None
    ) -> None:
        """Show a dialogue read-only; with `message_id`, in the branch that holds it, scrolled
        to it, `words` marked."""
        self._open_generation += 1
        generation = self._open_generation
        dialogue = await asyncio.to_thread(self.store.get_dialogue, dialogue_id, message_id)
        row = await asyncio.to_thread(self.store.dialogue_row, dialogue_id)
        if generation != self._open_generation:
            return  # the user has moved on to another dialogue
        if dialogue is None or row is None:
            self._clear_open()
            return
        self.open_id = dialogue_id
        self.reader.show_row(row)
        await self.view.load(dialogue.messages, message_id, words)

    def _clear_open(self) -> None:
        self._open_generation += 1
        self.open_id = None
        self.view.show_messages([])
        self.reader.show_row(None)

    # --- search --------------------------------------------------------------------------

    async def search(self) -> None:
        """Search for the text and filters now in the bar; a newer search drops this one."""
        self.search_timer.stop()
        self._search_generation += 1
        generation = self._search_generation
        text, filters = self.filter_bar.text.strip(), self.filter_bar.filters()
        if not text and not filters.active:
            self.results.clear()
            self.stack.setCurrentWidget(self.list_view)
            return
        if self._searches_running:
            self.store.interrupt_search()  # the one under way is for older text
        self._searches_running += 1
        try:
            hits = await asyncio.to_thread(self.store.search_messages, text, filters, RESULTS_PAGE)
        except SearchInterrupted:
            return
        finally:
            self._searches_running -= 1
        if generation != self._search_generation:
            return
        self.results.set_hits(text, hits, len(hits) == RESULTS_PAGE)
        self.stack.setCurrentWidget(self.results_view)
        more = "+" if len(hits) == RESULTS_PAGE else ""
        self.count_label.setText(f"{len(hits)}{more} result{'s' if len(hits) != 1 else ''}")

    async def load_more_results(self, offset: int) -> None:
        generation = self._search_generation
        text, filters = self.filter_bar.text.strip(), self.filter_bar.filters()
        try:
            hits = await asyncio.to_thread(
                self.store.search_messages, text, filters, RESULTS_PAGE, offset
            )
        except SearchInterrupted:
            return
        if generation == self._search_generation:
            self.results.add_hits(hits, len(hits) == RESULTS_PAGE)

    def _on_results_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        hit = self.results.hit_at(current)
        if hit is not None:
            words = search_words(self.results.query)
            self.tasks.spawn(self.open_dialogue(hit.dialogue_id, hit.message_id, words))

    async def shutdown(self) -> None:
        self.search_timer.stop()
        self.cancel_job()
        await self.tasks.shutdown()
