"""Assistants the server still keeps (Assistants API), listed for copying into local ones.

Where the server has no Assistants API the panel shows one quiet line saying so — that is a
normal answer after OpenAI's shutdown on 2026-08-26, not an error.

Signals:
    load_requested(): "List server assistants" was pressed.
    copy_requested(str): "Copy to a local assistant" was pressed for this server id.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QListView, QVBoxLayout, QWidget

from desktop_app.services.assistant_remote import ServerAssistant
from desktop_app.services.paging import Listed
from desktop_app.ui.theme import set_tone
from desktop_app.ui.widgets.icon_buttons import labelled_button
from desktop_app.ui.widgets.wrap_label import WrapLabel

Index = QModelIndex | QPersistentModelIndex


class ServerAssistantsModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.items: list[ServerAssistant] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item = self.items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{item.name} · {item.model}" if item.model else item.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{item.id}\n{item.description}".strip()
        if role == Qt.ItemDataRole.UserRole:
            return item.id
        return None

    def set_items(self, items: list[ServerAssistant]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()


class ServerAssistantsPanel(QWidget):
    load_requested = Signal()
    copy_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ServerAssistantsModel(self)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setMaximumHeight(110)
        self.view.hide()
        self.status = WrapLabel(
            "Assistants made with the server's Assistants API can be copied here."
        )
        set_tone(self.status, "muted")
        self.load_button = labelled_button(
            "refresh", "List", "Ask the server for the assistants it keeps"
        )
        self.load_button.clicked.connect(self.load_requested)
        self.copy_button = labelled_button(
            "copy", "Copy here", "Make a local assistant from the selected server assistant"
        )
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self.view.selectionModel().currentChanged.connect(
            lambda current, _previous: self.copy_button.setEnabled(current.isValid())
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addWidget(self.view)
        layout.addLayout(buttons)

    def _on_copy_button_clicked(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self.copy_requested.emit(index.data(Qt.ItemDataRole.UserRole))

    def show_items(self, items: list[ServerAssistant]) -> None:
        self.model.set_items(items)
        self.view.setVisible(bool(items))
        self.copy_button.setEnabled(False)
        count = len(items)
        if isinstance(items, Listed) and items.cut:
            self.status.setText(
                f"Showing the first {count:,} assistants the server keeps (it has more); copy "
                "one to use it here."
            )
            return
        self.status.setText(
            f"The server keeps {count} assistant{'s' if count != 1 else ''}; copy one to use it "
            "here."
            if count
            else "The server keeps no assistants."
        )

    def show_unavailable(self, line: str, details: str = "") -> None:
        """The quiet answer: no list, one grey line (`details`: the server's whole reason,
        on hover)."""
        self.model.set_items([])
        self.view.hide()
        self.copy_button.setEnabled(False)
        self.status.setText(line)
        self.status.setToolTip(details)

    def select(self, row: int) -> None:
        self.view.setCurrentIndex(self.model.index(row))
