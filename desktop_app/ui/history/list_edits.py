"""Changes to the History list: rename, pin, trash with Undo, restore, delete for good.

Each is a public coroutine of the tab (tests await them; buttons and keys spawn them) whose
database write runs in a worker thread; the list is then updated in place where it can be,
or reloaded where rows move (pinning).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QLabel, QStackedWidget, QTableView

from desktop_app.services.history_store import HistoryStore
from desktop_app.ui.history.dialogues_model import DialoguesModel
from desktop_app.ui.history.reader_pane import ReaderPane
from desktop_app.ui.task_keeper import TaskKeeper
from desktop_app.ui.widgets.notice_banner import NoticeBanner


class ListEditsMixin:
    """Mixed into HistoryTab, whose store, list, reader and notices it uses."""

    store: HistoryStore
    tasks: TaskKeeper
    model: DialoguesModel
    reader: ReaderPane
    banner: NoticeBanner
    count_label: QLabel
    stack: QStackedWidget
    list_view: QTableView
    results_view: QTableView
    open_id: int | None
    last_deleted: list[int]
    _seen_version: int
    show_notice: Callable[..., None]
    refresh: Callable[..., Any]
    search: Callable[[], Any]
    selected_ids: Callable[[], list[int]]
    _select_in_list: Callable[[int], None]
    _clear_open: Callable[[], None]

    def start_rename(self) -> None:
        index = self.model.index_of(self.open_id) if self.open_id is not None else QModelIndex()
        if index.isValid():
            self.stack.setCurrentWidget(self.list_view)
            self.list_view.setCurrentIndex(index)
            self.list_view.edit(index)

    async def rename(self, dialogue_id: int, title: str) -> None:
        title = " ".join(title.split())
        if not title:
            return
        await asyncio.to_thread(self.store.rename, dialogue_id, title)
        await self._refresh_row(dialogue_id)

    async def _refresh_row(self, dialogue_id: int) -> None:
        row = await asyncio.to_thread(self.store.dialogue_row, dialogue_id)
        if row is not None:
            self.model.update_row(row)
            if dialogue_id == self.open_id:
                self.reader.show_row(row)

    async def toggle_pin(self) -> None:
        ids = self.selected_ids()
        rows = [self.model.row_at(self.model.index_of(i)) for i in ids]
        await self.set_pinned(ids, not all(r is not None and r.pinned for r in rows))

    async def set_pinned(self, ids: list[int], pinned: bool) -> None:
        if ids:
            await asyncio.to_thread(self.store.set_pinned, ids, pinned)
            await self.refresh(force=True)  # pinned dialogues move to the top

    async def delete_selected(self) -> None:
        if self.model.trash:
            self.confirm_purge(self.selected_ids())
        else:
            await self.delete(self.selected_ids())

    async def delete(self, ids: list[int]) -> None:
        """Move dialogues to the trash, with Undo."""
        if not ids:
            return
        await asyncio.to_thread(self.store.move_to_trash, ids)
        self.last_deleted = list(ids)
        self.model.remove_ids(ids)
        if self.open_id in ids:
            self._clear_open()
        what = f"{len(ids)} dialogues" if len(ids) > 1 else "The dialogue"
        self.show_notice(
            f"{what} moved to the trash.",
            "info",
            "Undo",
            lambda: self.tasks.spawn(self.undo_delete()),
        )
        await self._after_structural_change()

    async def undo_delete(self) -> None:
        """Take the last dialogues moved to the trash out again (Ctrl+Z, or the banner)."""
        if self.last_deleted:
            ids, self.last_deleted = self.last_deleted, []
            await asyncio.to_thread(self.store.restore, ids)
            self.banner.clear()
            await self.refresh(force=True)
            self._select_in_list(ids[0])

    async def restore_selected(self) -> None:
        ids = self.selected_ids()
        if ids and self.model.trash:
            await asyncio.to_thread(self.store.restore, ids)
            self.model.remove_ids(ids)
            self._clear_open()
            await self._after_structural_change()
            self.show_notice(f"Restored {len(ids)} dialogue{'s' if len(ids) > 1 else ''}.")

    def confirm_purge(self, ids: list[int] | None) -> None:
        """Ask in the banner (not a modal dialog) before deleting for good."""
        if ids is not None and not ids:
            return
        what = "everything in the trash" if ids is None else f"{len(ids)} dialogue(s)"
        self.show_notice(
            f"Delete {what} for good? This cannot be undone.",
            "warning",
            "Delete forever",
            lambda: self.tasks.spawn(self.purge(ids)),
        )

    async def purge(self, ids: list[int] | None) -> None:
        count = await asyncio.to_thread(self.store.purge, ids)
        self._clear_open()
        await self.refresh(force=True)
        self.show_notice(f"Deleted {count} dialogue{'s' if count != 1 else ''} for good.")

    async def _after_structural_change(self) -> None:
        self._seen_version = await asyncio.to_thread(self.store.data_version)
        count = await asyncio.to_thread(self.store.count_dialogues, self.model.trash)
        self.count_label.setText(f"{count:,} dialogue{'s' if count != 1 else ''}")
        if self.stack.currentWidget() is self.results_view:
            await self.search()
