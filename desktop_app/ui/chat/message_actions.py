"""The actions of one message: a small bar of icon buttons shown on hover (or when the message
has the keyboard focus), and the same actions in a context menu.

Signals:
    triggered(str): an action was chosen ("copy", "copy_plain", "edit", "regenerate",
        "rate_up", "rate_down", "delete", "version_prev", "version_next").
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from desktop_app.core.transcript_cards import Card
from desktop_app.ui.icons import set_icon

LABELS = {
    "copy": ("Copy", "Copy the message as Markdown (C)"),
    "copy_plain": ("Copy as plain text", "Copy the message without Markdown marks"),
    "edit": ("Edit and resend", "Edit this message and send it as a new version (E)"),
    "regenerate": ("Regenerate", "Write another version of this reply (R)"),
    "rate_up": ("Good reply", "Rate this version good (+)"),
    "rate_down": ("Bad reply", "Rate this version bad (-)"),
    "delete": ("Delete", "Delete this message and what follows it in this branch (Del)"),
    "version_prev": ("Previous version", "Show the previous version (←)"),
    "version_next": ("Next version", "Show the next version (→)"),
}
ICONS = {
    "copy": "copy",
    "edit": "edit",
    "regenerate": "regenerate",
    "rate_up": "thumb-up",
    "rate_down": "thumb-down",
    "delete": "delete",
    "version_prev": "chevron-left",
    "version_next": "chevron-right",
}


class MessageActions(QWidget):
    triggered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAutoFillBackground(False)
        self.card: Card | None = None
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self.buttons: dict[str, QToolButton] = {}
        self.version_label = QLabel()
        self.version_label.setAccessibleName("Version")
        for name in ("version_prev", "version_next", *ICONS):
            if name in self.buttons:
                continue
            button = QToolButton(self)
            text, tip = LABELS[name]
            button.setToolTip(tip)
            button.setAccessibleName(text)
            button.setAutoRaise(True)
            button.setIconSize(QSize(16, 16))
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            set_icon(button, ICONS[name])  # re-tinted when the theme changes
            button.clicked.connect(lambda _checked=False, n=name: self.triggered.emit(n))
            self.buttons[name] = button
        self._layout.addWidget(self.buttons["version_prev"])
        self._layout.addWidget(self.version_label)
        self._layout.addWidget(self.buttons["version_next"])
        for name in ICONS:
            if not name.startswith("version"):
                self._layout.addWidget(self.buttons[name])
        self.hide()

    def show_for(self, card: Card) -> None:
        """Show the buttons this message offers (and its version switcher)."""
        self.card = card
        versions = card.has_versions
        for name in ("version_prev", "version_next"):
            self.buttons[name].setVisible(versions)
        self.buttons["version_prev"].setEnabled(card.message.version > 1)
        self.buttons["version_next"].setEnabled(card.message.version < card.message.versions)
        self.version_label.setVisible(versions)
        self.version_label.setText(card.version_label)
        for name, button in self.buttons.items():
            if not name.startswith("version"):
                button.setVisible(name in card.actions)
        rating = card.message.rating
        for name, value in (("rate_up", 1), ("rate_down", -1)):
            button = self.buttons[name]
            button.setCheckable(True)
            button.setChecked(rating == value)
            set_icon(button, ICONS[name] + ("-filled" if rating == value else ""))
        self.adjustSize()
        self.show()
        self.raise_()


def build_menu(card: Card, parent: QWidget, selection: str, code: str) -> QMenu:
    """The context menu of a message (what the bar offers, and copying)."""
    menu = QMenu(parent)
    if selection:
        copy_selection = QAction("Copy selection", menu)
        copy_selection.setShortcut("Ctrl+C")
        copy_selection.setData("copy_selection")
        menu.addAction(copy_selection)
    if code:
        code_action = QAction("Copy code block", menu)
        code_action.setData("copy_code")
        menu.addAction(code_action)
    names = ["copy", "copy_plain", *[a for a in card.actions if a != "copy"]]
    if card.has_versions:
        names += ["version_prev", "version_next"]
    for name in names:
        action = QAction(LABELS[name][0], menu)
        action.setData(name)
        if name == "version_prev":
            action.setEnabled(card.message.version > 1)
        if name == "version_next":
            action.setEnabled(card.message.version < card.message.versions)
        if name in ("rate_up", "rate_down"):
            action.setCheckable(True)
            action.setChecked(card.message.rating == (1 if name == "rate_up" else -1))
        menu.addAction(action)
    return menu
