"""Buttons with Parley's icons: every one has a tooltip and an accessible name, so a button
that shows only an icon still says what it does (to the mouse and to screen readers)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QDialogButtonBox, QPushButton, QToolButton, QWidget

from desktop_app.ui.icons import set_icon

ICON_SIZE = QSize(18, 18)


def icon_button(
    name: str, tip: str, accessible: str = "", parent: QWidget | None = None
) -> QToolButton:
    """A flat button showing only the icon `name`; `accessible` defaults to the tooltip."""
    button = QToolButton(parent)
    set_icon(button, name)
    button.setIconSize(ICON_SIZE)
    button.setToolTip(tip)
    button.setAccessibleName(accessible or tip)
    button.setAutoRaise(True)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    return button


def labelled_button(
    name: str, text: str, tip: str = "", parent: QWidget | None = None
) -> QPushButton:
    """A push button with an icon before its text (for the main actions of a tab)."""
    button = QPushButton(text, parent)
    set_icon(button, name)
    button.setIconSize(QSize(16, 16))
    if tip:
        button.setToolTip(tip)
    button.setAccessibleName(text.rstrip("…").replace("&", ""))
    return button


_BOX_ICONS = {
    QDialogButtonBox.StandardButton.Ok: "check",
    QDialogButtonBox.StandardButton.Save: "check",
    QDialogButtonBox.StandardButton.Cancel: "close",
    QDialogButtonBox.StandardButton.Close: "close",
}


def use_parley_icons(box: QDialogButtonBox) -> None:
    """Parley's icons on OK, Save, Cancel and Close instead of the platform's coloured ones."""
    for standard, name in _BOX_ICONS.items():
        button = box.button(standard)
        if button is not None:
            set_icon(button, name)
