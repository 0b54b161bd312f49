"""The right side of History: the open dialogue's title, what can be done with it, its text.

The tab connects the buttons; this widget only lays them out and shows which apply (a
dialogue in the trash can be restored or deleted for good, not continued or pinned).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QHBoxLayout, QVBoxLayout, QWidget

from desktop_app.core.history import DialogueRow
from desktop_app.ui.history.dialogue_view import DialogueView
from desktop_app.ui.widgets.icon_buttons import icon_button, labelled_button
from desktop_app.ui.widgets.wrap_label import WrapLabel

PIN_TEXT = {False: "Pin to the top of the list", True: "Unpin"}


class ReaderPane(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = WrapLabel()
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title_label.setFont(font)
        self.continue_button = labelled_button(
            "new-chat",
            "Continue in Chat",
            "Go on with this dialogue in the Chat tab (double-click)",
        )
        self.rename_button = icon_button("edit", "Rename (F2)", "Rename")
        self.pin_button = icon_button("pin", PIN_TEXT[False])
        self.delete_button = icon_button(
            "delete", "Move to the trash (Del); Undo with Ctrl+Z", "Move to the trash"
        )
        self.restore_button = labelled_button("undo", "Restore", "Take it out of the trash")
        self.purge_button = labelled_button(
            "delete", "Delete forever", "Delete the selected dialogues for good"
        )
        self.view = DialogueView()
        actions = QHBoxLayout()
        for button in self.buttons[1:]:
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.continue_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title_label)
        layout.addLayout(actions)
        layout.addWidget(self.view, 1)
        self.read_only = False  # data that cannot be written: reading only, no edit buttons
        self.trash = False
        self.show_row(None)
        self.set_trash(False)

    @property
    def buttons(self) -> tuple[QAbstractButton, ...]:
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
        text = PIN_TEXT[row is not None and row.pinned]
        self.pin_button.setToolTip(text)
        self.pin_button.setAccessibleName(text)

    def set_trash(self, trash: bool) -> None:
        self.trash = trash
        editing = not self.read_only
        for button in (self.rename_button, self.pin_button, self.delete_button):
            button.setVisible(editing and not trash)
        self.continue_button.setVisible(editing and not trash)
        self.restore_button.setVisible(editing and trash)
        self.purge_button.setVisible(editing and trash)

    def set_read_only(self, read_only: bool) -> None:
        """Buttons that would change the data are not offered where it cannot be saved."""
        self.read_only = read_only
        self.set_trash(self.trash)
