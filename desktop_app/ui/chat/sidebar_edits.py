"""Changes made from the conversation list: rename in place, pin, move to the trash with Undo.

The same store calls as History's list (so a dialogue deleted here is in History's trash);
each is a public coroutine (tests await them; the menu and keys spawn them) whose write runs
in a worker thread. A row's menu opens with a right click, the Menu key or Shift+F10.
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QPoint, QTimer, SignalInstance
from PySide6.QtWidgets import QLineEdit, QMenu

from desktop_app.core.history import DialogueRow
from desktop_app.services.history_store import HistoryStore
from desktop_app.ui.chat.sidebar_rows import SidebarListView
from desktop_app.ui.chat.undo_bar import UndoBar
from desktop_app.ui.history.dialogues_model import DialoguesModel
from desktop_app.ui.task_keeper import TaskKeeper


def _quoted(title: str, limit: int = 40) -> str:
    return f"“{title if len(title) <= limit else title[: limit - 1] + '…'}”"


class SidebarEditsMixin:
    """Mixed into ChatSidebar, whose store, list and undo bar it uses."""

    store: HistoryStore
    tasks: TaskKeeper
    model: DialoguesModel
    list_view: SidebarListView
    filter_edit: QLineEdit
    undo_bar: UndoBar
    last_deleted: list[int]
    dialogue_deleted: SignalInstance
    dialogue_restored: SignalInstance
    menu: QMenu | None = None

    def reload_in_place(self) -> None:
        raise NotImplementedError

    def apply_filter(self) -> Any:
        raise NotImplementedError

    def _restore_cursor(self, dialogue_id: int | None) -> None:
        raise NotImplementedError

    def choose(self, dialogue_id: int) -> None:
        raise NotImplementedError

    # --- the menu ------------------------------------------------------------------------

    def show_menu(self, pos: QPoint) -> None:
        """A row's menu at `pos` (viewport coordinates): Open, Rename, Pin, Delete."""
        index = self.list_view.indexAt(pos)
        row = self.model.row_at(index)
        if row is None:
            return
        self.list_view.setCurrentIndex(index)
        menu = QMenu(self.list_view)
        menu.addAction("&Open", lambda: self.choose(row.id))
        # Once the menu has closed: its closing takes the focus, which would end the editing.
        menu.addAction(
            "&Rename\tF2", lambda: QTimer.singleShot(0, lambda: self.start_rename(row.id))
        )
        menu.addAction(
            "Un&pin" if row.pinned else "&Pin to the top",
            lambda: self.tasks.spawn(self.set_pinned(row.id, not row.pinned)),
        )
        menu.addSeparator()
        menu.addAction("&Delete\tDel", lambda: self.tasks.spawn(self.delete([row.id])))
        menu.aboutToHide.connect(menu.deleteLater)
        menu.destroyed.connect(lambda _=None, shown=menu: self._forget_menu(shown))
        self.menu = menu  # the menu on screen (tests find it here)
        menu.popup(self.list_view.viewport().mapToGlobal(pos))

    def _forget_menu(self, menu: QMenu) -> None:
        if self.menu is menu:
            self.menu = None

    def current_row(self) -> DialogueRow | None:
        return self.model.row_at(self.list_view.currentIndex())

    # --- edits ---------------------------------------------------------------------------

    def start_rename(self, dialogue_id: int) -> None:
        index = self.model.index_of(dialogue_id)
        if index.isValid():
            self.list_view.setCurrentIndex(index)
            self.list_view.edit(index)

    async def rename(self, dialogue_id: int, title: str) -> None:
        title = " ".join(title.split())
        if not title:
            return
        await asyncio.to_thread(self.store.rename, dialogue_id, title)
        row = await asyncio.to_thread(self.store.dialogue_row, dialogue_id)
        if row is not None:
            self.model.update_row(row)

    async def set_pinned(self, dialogue_id: int, pinned: bool) -> None:
        """Pin on top or unpin; the row moves, so the list is reloaded around it."""
        await asyncio.to_thread(self.store.set_pinned, [dialogue_id], pinned)
        await self._reload_after_edit(dialogue_id)

    def delete_current(self) -> None:
        row = self.current_row()
        if row is not None:
            self.tasks.spawn(self.delete([row.id]))

    async def delete(self, ids: list[int]) -> None:
        """Move dialogues to History's trash, offering Undo (the bar, or Ctrl+Z here)."""
        if not ids:
            return
        rows = [self.model.row_at(self.model.index_of(i)) for i in ids]
        await asyncio.to_thread(self.store.move_to_trash, ids)
        after = self._neighbour(ids)
        self.model.remove_ids(ids)
        if after is not None:
            self._restore_cursor(after)
        self.last_deleted[:] = ids
        first = rows[0]
        what = _quoted(first.title) if len(ids) == 1 and first else f"{len(ids)} chats"
        self.undo_bar.offer(f"{what} moved to the trash.")
        for dialogue_id in ids:
            self.dialogue_deleted.emit(dialogue_id)

    def _neighbour(self, ids: list[int]) -> int | None:
        """Where the cursor goes when its row is deleted: the next dialogue, else the one
        before (None: the cursor is on none of `ids`)."""
        current = self.current_row()
        if current is None or current.id not in ids:
            return None
        rows = self.model.dialogue_rows()
        place = rows.index(current)
        kept = [r.id for r in rows if r.id not in ids]
        later = [r.id for r in rows[place:] if r.id not in ids]
        return later[0] if later else (kept[-1] if kept else None)

    def _on_undo_keys(self) -> None:
        if self.last_deleted:
            self.tasks.spawn(self.undo_delete())

    async def undo_delete(self) -> None:
        """Take the dialogues last moved to the trash from here out of it again."""
        if not self.last_deleted:
            return
        ids = list(self.last_deleted)
        self.last_deleted.clear()
        self.undo_bar.close_offer()
        await asyncio.to_thread(self.store.restore, ids)
        await self._reload_after_edit(ids[0])
        for dialogue_id in ids:
            self.dialogue_restored.emit(dialogue_id)

    async def _reload_after_edit(self, dialogue_id: int) -> None:
        if self.filter_edit.text().strip():
            await self.apply_filter()
        else:
            self.reload_in_place()
        self._restore_cursor(dialogue_id)
        index = self.model.index_of(dialogue_id)
        if index.isValid():
            self.list_view.scrollTo(index)
