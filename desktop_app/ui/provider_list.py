"""Settings' list of the other providers: Add…, Change… (or a double-click) and Remove.

It holds what the user did until the Settings dialog is accepted: the entries in order, and
the keys typed for them (`new_keys`, id → key; "" for one removed, whose key then leaves the
keyring). Nothing is saved from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from desktop_app.core.providers import PRESETS, ProviderEntry
from desktop_app.ui.connection_row import AskServer
from desktop_app.ui.provider_dialog import ProviderDialog
from desktop_app.ui.widgets.icon_buttons import labelled_button


class ProviderList(QWidget):
    def __init__(
        self,
        entries: Iterable[ProviderEntry],
        main_id: Callable[[], str],
        with_keys: set[str],
        test_connection: AskServer,
        refresh_models: AskServer,
        parent: QWidget | None = None,
    ) -> None:
        """`main_id()`: the main provider's id as the form has it now; `with_keys`: the ids
        that have a key kept."""
        super().__init__(parent)
        self._entries = list(entries)
        self._main_id = main_id
        self._with_keys = set(with_keys)
        self._test, self._refresh = test_connection, refresh_models
        self.new_keys: dict[str, str] = {}
        self.dialog: ProviderDialog | None = None
        self.list = QListWidget()
        self.list.setAccessibleName("Other providers")
        self.list.setMaximumHeight(110)
        self.list.itemDoubleClicked.connect(lambda _item: self.change())
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.add_button = labelled_button("plus", "Add…", "Configure another provider")
        self.add_button.clicked.connect(lambda: self.add())
        self.change_button = labelled_button(
            "edit", "Change…", "Change the chosen provider's name, address or key"
        )
        self.change_button.clicked.connect(lambda: self.change())
        self.remove_button = labelled_button(
            "delete", "Remove", "Remove the chosen provider (and its key, when you press OK)"
        )
        self.remove_button.clicked.connect(self.remove)
        buttons = QVBoxLayout()
        for button in (self.add_button, self.change_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.list, 1)
        row.addLayout(buttons)
        self._refill()

    @property
    def entries(self) -> tuple[ProviderEntry, ...]:
        return tuple(self._entries)

    def _refill(self, select: int = -1) -> None:
        self.list.clear()
        for entry in self._entries:
            kind = PRESETS[entry.kind].label
            where = entry.effective_base_url or "api.openai.com"
            text = entry.label if entry.label == kind else f"{entry.label} ({kind})"
            item = QListWidgetItem(f"{text} — {where}")
            item.setData(Qt.ItemDataRole.UserRole, entry.id)
            self.list.addItem(item)
        self.list.setCurrentRow(select)
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = self.list.currentRow() >= 0
        self.change_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen)

    def _taken(self, leaving_out: str = "") -> set[str]:
        return {self._main_id(), *(e.id for e in self._entries if e.id != leaving_out)}

    def add(self) -> ProviderDialog:
        """Open the dialog for a new provider (it joins the list when accepted)."""
        dialog = ProviderDialog(self._taken(), self._test, self._refresh, parent=self)
        dialog.provider_chosen.connect(self._on_dialog_provider_chosen)
        return self._open(dialog)

    def change(self) -> ProviderDialog | None:
        row = self.list.currentRow()
        if row < 0:
            return None
        entry = self._entries[row]
        has_key = entry.id in self._with_keys or bool(self.new_keys.get(entry.id))
        dialog = ProviderDialog(
            self._taken(entry.id), self._test, self._refresh, entry, has_key, self
        )
        dialog.provider_chosen.connect(self._on_dialog_provider_chosen)
        return self._open(dialog)

    def _open(self, dialog: ProviderDialog) -> ProviderDialog:
        self.dialog = dialog
        dialog.open()
        return dialog

    def remove(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        removed = self._entries.pop(row)
        self.new_keys[removed.id] = ""
        self._refill(min(row, len(self._entries) - 1))

    def _on_dialog_provider_chosen(self, entry: ProviderEntry, key: str | None) -> None:
        ids = [e.id for e in self._entries]
        if entry.id in ids:
            row = ids.index(entry.id)
            self._entries[row] = entry
        else:
            row = len(self._entries)
            self._entries.append(entry)
            self.new_keys.pop(entry.id, None)  # re-added after a removal: not deleted
        if key is not None:
            self.new_keys[entry.id] = key
        self._refill(row)
