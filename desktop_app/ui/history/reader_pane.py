"""The right side of History: the open dialogue's title, what can be done with it, its text.

The tab connects the buttons; this widget only lays them out and shows which apply (a
dialogue in the trash can be restored or deleted for good, not continued or pinned).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.core.history import DialogueRow
from desktop_app.ui.history.dialogue_view import DialogueView


class ReaderPane(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = QLabel()
        self.title_label.setWordWrap(True)
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title_label.setFont(font)
        self.continue_button = QPushButton("Continue in Chat")
        self.continue_button.setToolTip("Go on with this dialogue in the Chat tab (double-click)")
        self.rename_button = QPushButton("Rename")
        self.rename_button.setToolTip("Rename (F2)")
        self.pin_button = QPushButton("Pin")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Move to the trash (Del); Undo with Ctrl+Z")
        self.restore_button = QPushButton("Restore")
        self.purge_button = QPushButton("Delete forever")
        self.view = DialogueView()
        actions = QHBoxLayout()
        for button in self.buttons:
            actions.addWidget(button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title_label)
        layout.addLayout(actions)
        layout.addWidget(self.view, 1)
        self.show_row(None)
        self.set_trash(False)

    @property
    def buttons(self) -> tuple[QPushButton, ...]:
        return (
            self.continue_button,
            self.rename_button,
            self.pin_button,
            self.delete_button,
            self.restore_button,
            self.purge_button,
        )

    def show_row(self, row: DialogueRow | None) -> None:
        """Title and buttons for the open dialogue (None: nothing open)."""
        for button in self.buttons:
            button.setEnabled(row is not None)
        self.title_label.setText(row.title if row is not None else "")
        self.pin_button.setText("Unpin" if row is not None and row.pinned else "Pin")

    def set_trash(self, trash: bool) -> None:
        for button in (self.continue_button, self.rename_button, self.pin_button):
            button.setVisible(not trash)
        self.delete_button.setVisible(not trash)
        self.restore_button.setVisible(trash)
        self.purge_button.setVisible(trash)
