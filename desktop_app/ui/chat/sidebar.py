"""The Chat tab's column of recent conversations, as in Chatbox, Cherry Studio or ChatGPT.

The same paged list as History (pinned on top, then newest first, under day headings), one
line a row; a filter at the top narrows it as the user types (titles first, then the text of
the messages); a row's menu renames, pins or moves it to the trash, with Undo. Database work
runs in worker threads, except a page of the list, which costs about a millisecond.

Give it a HistoryStore of its own (`HistoryStore.open` on the same file): its `data_version`
then changes when History or the Chat tab writes, and its searches never meet History's.

Signals:
    dialogue_chosen(int): the user clicked a dialogue or pressed Enter on it.
    new_chat_requested(): the user pressed "New chat".
    dialogue_deleted(int): a dialogue went to the trash from here.
    dialogue_restored(int): Undo took it out of the trash again.
    collapsed_changed(bool): the column was hidden (True) or shown again (Ctrl+B, buttons).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QPalette, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.services.history_store import HistoryStore
from desktop_app.ui.chat.sidebar_edits import SidebarEditsMixin
from desktop_app.ui.chat.sidebar_rows import SidebarDelegate, SidebarListView
from desktop_app.ui.chat.undo_bar import UndoBar
from desktop_app.ui.history.dialogues_model import DialoguesModel
from desktop_app.ui.icons import set_icon
from desktop_app.ui.task_keeper import TaskKeeper

FILTER_DELAY_MS = 200
DEFAULT_WIDTH = 260
MINIMUM_WIDTH = 200
TITLES_HEADING = "Titles"
MESSAGES_HEADING = "In messages"
EMPTY_TEXT = "No chats yet. Start one with New chat."
NO_MATCH_TEXT = "No chat matches this search."
ERROR_TEXT = "The conversation list could not be updated. The details are in the log."


def _tool_button(icon: str, name: str, keys: str = "") -> QToolButton:
    button = QToolButton()
    set_icon(button, icon)
    button.setAutoRaise(True)
    button.setAccessibleName(name)
    button.setToolTip(f"{name} ({keys})" if keys else name)
    return button


class ChatSidebar(SidebarEditsMixin, QWidget):
    dialogue_chosen = Signal(int)
    new_chat_requested = Signal()
    dialogue_deleted = Signal(int)
    dialogue_restored = Signal(int)
    collapsed_changed = Signal(bool)

    def __init__(
        self,
        store: HistoryStore,
        parent: QWidget | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.tasks = TaskKeeper(on_error=self._on_task_error)
        self.model = DialoguesModel(store, parent=self, clock=clock)
        self.open_id: int | None = None
        self.last_deleted: list[int] = []
        self._streaming: set[int] = set()
        self._collapsed = False
        self._seen_version = -1
        self._filter_generation = 0
        self._refresh_pending = False
        self._build()
        self.model.rename_requested.connect(
            lambda dialogue_id, title: self.tasks.spawn(self.rename(dialogue_id, title))
        )

    # --- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        self.new_button = QPushButton("New chat")
        set_icon(self.new_button, "new-chat")
        self.new_button.setToolTip("Start a new chat (Ctrl+N)")
        self.new_button.clicked.connect(self.new_chat_requested)
        self.collapse_button = _tool_button("sidebar", "Hide the conversation list", "Ctrl+B")
        self.collapse_button.clicked.connect(lambda: self.set_collapsed(True))
        top = QHBoxLayout()
        top.addWidget(self.new_button, 1)
        top.addWidget(self.collapse_button)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Search chats")
        self.filter_edit.setAccessibleName("Search chats")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.installEventFilter(self)
        self.filter_timer = self._single_shot(FILTER_DELAY_MS)
        self.filter_edit.textChanged.connect(self.filter_timer.start)
        self.filter_timer.timeout.connect(lambda: self.tasks.spawn(self.apply_filter()))

        self.list_view = SidebarListView()
        self.list_view.setAccessibleName("Conversations")
        self.list_view.setModel(self.model)
        self.list_view.setItemDelegate(
            SidebarDelegate(
                lambda: self.model.now,
                lambda i: i == self.open_id,
                lambda i: i in self._streaming,
                self,
            )
        )
        self.list_view.clicked.connect(self._on_list_view_clicked)
        self.list_view.row_opened.connect(self._on_list_view_clicked)
        self.list_view.customContextMenuRequested.connect(self.show_menu)
        self.list_view.itemDelegate().closeEditor.connect(self._on_editor_closed)
        self.empty_label = QLabel(EMPTY_TEXT)
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.empty_label.hide()  # until the first page says whether there is anything
        self.model.modelReset.connect(self._update_empty)
        self.model.rowsRemoved.connect(self._update_empty)

        self.undo_bar = UndoBar()
        self.undo_bar.undo_requested.connect(lambda: self.tasks.spawn(self.undo_delete()))
        self.undo_bar.dismissed.connect(self.last_deleted.clear)

        self.panel = QWidget()
        column = QVBoxLayout(self.panel)
        column.setContentsMargins(6, 6, 6, 6)
        column.addLayout(top)
        column.addWidget(self.filter_edit)
        column.addWidget(self.empty_label)
        column.addWidget(self.list_view, 1)
        column.addWidget(self.undo_bar)

        self.expand_button = _tool_button("sidebar", "Show the conversation list", "Ctrl+B")
        self.expand_button.clicked.connect(lambda: self.set_collapsed(False))
        self.strip_new_button = _tool_button("new-chat", "New chat", "Ctrl+N")
        self.strip_new_button.clicked.connect(self.new_chat_requested)
        self.strip = QWidget()
        strip = QVBoxLayout(self.strip)
        strip.setContentsMargins(4, 6, 4, 6)
        strip.addWidget(self.expand_button)
        strip.addWidget(self.strip_new_button)
        strip.addStretch(1)
        self.strip.hide()

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.panel)
        layout.addWidget(self.strip)
        self.setTabOrder(self.new_button, self.filter_edit)
        self.setTabOrder(self.filter_edit, self.list_view)
        self.setMinimumWidth(MINIMUM_WIDTH)

        self.toggle_action = QAction("Show the conversation list", self)
        self.toggle_action.setCheckable(True)
        self.toggle_action.setChecked(True)
        self.toggle_action.setShortcut(QKeySequence("Ctrl+B"))
        self.toggle_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.toggle_action.triggered.connect(lambda on: self.set_collapsed(not on))
        self.addAction(self.toggle_action)
        self._shortcut(QKeySequence.StandardKey.Undo, self, self._on_undo_keys)
        self._shortcut(QKeySequence.StandardKey.Delete, self.list_view, self.delete_current)

    def _single_shot(self, ms: int) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        return timer

    def _shortcut(self, keys: QKeySequence.StandardKey, on: QWidget, slot: Callable) -> None:
        shortcut = QShortcut(QKeySequence(keys), on)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width() if self._collapsed else DEFAULT_WIDTH, hint.height())

    # --- collapsing ----------------------------------------------------------------------

    @property
    def collapsed(self) -> bool:
        return self._collapsed

    def set_collapsed(self, collapsed: bool) -> None:
        """Hide the column to a strip of two buttons (show again, new chat), or show it."""
        if collapsed == self._collapsed:
            return
        focus_was_inside = self.panel.isAncestorOf(self.focusWidget()) if collapsed else False
        self._collapsed = collapsed
        self.panel.setVisible(not collapsed)
        self.strip.setVisible(collapsed)
        self.setMinimumWidth(0 if collapsed else MINIMUM_WIDTH)
        self.setMaximumWidth(self.strip.sizeHint().width() if collapsed else 16_777_215)
        self.toggle_action.setChecked(not collapsed)
        if focus_was_inside:
            self.expand_button.setFocus()
        self.updateGeometry()
        self.collapsed_changed.emit(collapsed)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    # --- what the Chat tab tells the list ------------------------------------------------

    def select_dialogue(self, dialogue_id: int | None) -> None:
        """Mark the dialogue open in the transcript (no signal); None: no dialogue is open."""
        self.open_id = dialogue_id
        index = self.model.index_of(dialogue_id) if dialogue_id is not None else QModelIndex()
        selection = self.list_view.selectionModel()
        if index.isValid():
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.list_view.scrollTo(index)
        else:
            selection.clearSelection()
        self.list_view.viewport().update()

    def mark_streaming(self, dialogue_id: int, streaming: bool) -> None:
        """Show (or stop showing) that a reply is still being written in this dialogue."""
        if streaming:
            self._streaming.add(dialogue_id)
        else:
            self._streaming.discard(dialogue_id)
        index = self.model.index_of(dialogue_id)
        if index.isValid():
            self.list_view.update(index)

    def is_streaming(self, dialogue_id: int) -> bool:
        return dialogue_id in self._streaming

    def refresh(self, force: bool = False) -> asyncio.Task:
        """The store may have changed (a new dialogue, a new message): reload the list if it
        did. Returns the task, for a caller that wants to await it."""
        return self.tasks.spawn(self.update_list(force))

    async def update_list(self, force: bool = False) -> None:
        version = await asyncio.to_thread(self.store.data_version)
        if version == self._seen_version and not force:
            return
        if self.list_view.state() == QAbstractItemView.State.EditingState:
            self._refresh_pending = True  # a reload would close the title being typed
            return
        self._seen_version = version
        if self.filter_edit.text().strip():
            await self.apply_filter()
        else:
            self.reload_in_place()

    def reload_in_place(self) -> None:
        """Reload from the store, keeping as many rows, the scroll position and the cursor."""
        loaded = len(self.model.dialogue_rows())
        scroll = self.list_view.verticalScrollBar().value()
        current = self.model.row_at(self.list_view.currentIndex())
        self.model.reload()
        while self.model.canFetchMore() and len(self.model.dialogue_rows()) < loaded:
            self.model.fetchMore()
        self._restore_cursor(current.id if current else None)
        self.list_view.verticalScrollBar().setValue(scroll)

    def _restore_cursor(self, dialogue_id: int | None) -> None:
        selection = self.list_view.selectionModel()
        index = self.model.index_of(dialogue_id) if dialogue_id is not None else QModelIndex()
        if index.isValid():
            flag = QItemSelectionModel.SelectionFlag.ClearAndSelect
            selection.setCurrentIndex(index, flag)

    def _on_editor_closed(self) -> None:
        if self._refresh_pending:
            self._refresh_pending = False
            self.refresh()

    def _update_empty(self) -> None:
        empty = not self.model.dialogue_rows()
        self.empty_label.setText(NO_MATCH_TEXT if self.model.found else EMPTY_TEXT)
        self.empty_label.setVisible(empty)

    # --- choosing and filtering ----------------------------------------------------------

    def _on_list_view_clicked(self, index: QModelIndex) -> None:
        row = self.model.row_at(index)
        if row is not None:
            self.choose(row.id)

    def choose(self, dialogue_id: int) -> None:
        """The user picked a dialogue: mark it open at once and tell the Chat tab."""
        self.open_id = dialogue_id
        self.list_view.viewport().update()
        self.dialogue_chosen.emit(dialogue_id)

    async def apply_filter(self) -> None:
        """Narrow the list to the text in the filter: title matches at once, then dialogues
        whose messages match. A newer keystroke's filter wins over this one."""
        self.filter_timer.stop()
        self._filter_generation += 1
        generation = self._filter_generation
        text = self.filter_edit.text().strip()
        if not text:
            if self.model.found:
                self.reload_in_place()
                self._restore_cursor(self.open_id)
            return
        titles = await asyncio.to_thread(self.store.find_by_title, text)
        if generation != self._filter_generation:
            return
        self.model.show_found([(None, titles)])  # a heading only once there are two kinds
        found = await asyncio.to_thread(self.store.find_by_text, text, {r.id for r in titles})
        if generation != self._filter_generation:
            return
        self.model.show_found(
            [(TITLES_HEADING if found else None, titles), (MESSAGES_HEADING, found)]
        )
        self._restore_cursor(self.open_id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """In the filter: Esc clears it; Down or Enter goes on to the list."""
        if watched is self.filter_edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Escape and self.filter_edit.text():
                self.filter_edit.clear()
                return True
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.focus_list()
                return True
        return super().eventFilter(watched, event)

    def focus_filter(self) -> None:
        """For a shortcut of the Chat tab's choosing (Ctrl+K, say): straight to the search."""
        if self._collapsed:
            self.set_collapsed(False)
        self.filter_edit.setFocus()
        self.filter_edit.selectAll()

    def focus_list(self) -> None:
        """Focus the list with the cursor on a dialogue (the open one, else the first)."""
        self.list_view.setFocus()
        if self.model.row_at(self.list_view.currentIndex()) is None:
            rows = self.model.dialogue_rows()
            if rows:
                self._restore_cursor(rows[0].id)

    # --- errors and the end --------------------------------------------------------------

    def _on_task_error(self, exc: BaseException) -> None:
        self.undo_bar.offer(ERROR_TEXT, undo=False)

    async def shutdown(self) -> None:
        self.filter_timer.stop()
        self.undo_bar.close_offer()
        await self.tasks.shutdown()
