"""File → Restore from backup…: the backups with their dates and what each holds, and a
confirmation saying that the current data is kept aside before one is put in its place.
Opened with `open()`; it does no I/O (the app reads the backups and does the restore).

Signals:
    restore_chosen(str): the user confirmed restoring the backup at this path.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.services.backups import BackupCounts, BackupInfo
from desktop_app.ui.icons import set_icon
from desktop_app.ui.widgets.icon_buttons import use_parley_icons

Entry = tuple[BackupInfo, BackupCounts | None]


def when_text(info: BackupInfo) -> str:
    return f"{info.taken_at:%A} {info.taken_at.day} {info.taken_at:%B %Y, %H:%M}"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def entry_text(info: BackupInfo, counts: BackupCounts | None) -> str:
    if counts is None:
        held = "cannot be read"
    elif not counts.dialogues:
        held = "empty: no dialogues"  # the backup of a first start, say
    else:
        held = f"{_plural(counts.dialogues, 'dialogue')}, {_plural(counts.messages, 'message')}"
    return f"{when_text(info)} ({info.reason_text})\n{held}"


class RestoreDialog(QDialog):
    restore_chosen = Signal(str)

    def __init__(
        self, entries: Sequence[Entry], note: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Restore from backup")
        self.setMinimumWidth(520)
        self.confirmation: QMessageBox | None = None
        intro = QLabel(
            note
            or "Parley backs its data up once a day and before every upgrade. Restoring one "
            "keeps your current data aside in the data folder (it is not deleted)."
        )
        intro.setWordWrap(True)
        self.backups = QListWidget()
        self.backups.setWordWrap(True)
        self.backups.setSpacing(2)
        for info, counts in entries:
            item = QListWidgetItem(entry_text(info, counts))
            item.setData(Qt.ItemDataRole.UserRole, str(info.path))
            if counts is None:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.backups.addItem(item)
        self.empty = QLabel("There are no backups yet.")
        self.empty.setVisible(not entries)
        self.backups.setVisible(bool(entries))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.restore_button = QPushButton("Restore…")
        set_icon(self.restore_button, "undo")
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._on_restore_clicked)
        buttons.rejected.connect(self.reject)
        use_parley_icons(buttons)
        self.backups.currentItemChanged.connect(lambda *_: self._update_button())
        self.backups.itemDoubleClicked.connect(lambda *_: self._on_restore_clicked())
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.backups, 1)
        layout.addWidget(self.empty)
        layout.addWidget(buttons)
        for row in range(self.backups.count()):
            item = self.backups.item(row)
            if item is not None and item.flags() & Qt.ItemFlag.ItemIsEnabled:
                self.backups.setCurrentRow(row)
                break
        self._update_button()

    def _update_button(self) -> None:
        item = self.backups.currentItem()
        self.restore_button.setEnabled(
            item is not None and bool(item.flags() & Qt.ItemFlag.ItemIsEnabled)
        )

    def _on_restore_clicked(self) -> None:
        item = self.backups.currentItem()
        if item is None or not self.restore_button.isEnabled():
            return
        path = str(item.data(Qt.ItemDataRole.UserRole))
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Restore this backup?")
        box.setText(f"Restore the backup of {item.text().split(' (')[0]}?")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(
            "What is there now is kept in the data folder first (nothing is deleted); then "
            "every tab shows the backup."
        )
        self.confirm_button = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        set_icon(self.confirm_button, "undo")
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        if cancel is not None:  # Parley's icon, not the platform's red cross
            set_icon(cancel, "close")
        box.accepted.connect(lambda: self._on_confirmed(path))
        self.confirmation = box
        box.open()

    def _on_confirmed(self, path: str) -> None:
        self.restore_chosen.emit(path)
        self.accept()
