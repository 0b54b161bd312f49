"""The pieces the Settings dialog and the provider dialog both build: the provider kind picker,
the API key field, and the form / error / OK-Cancel layout under them.

Each dialog keeps its own fields and rules (which rows it has, how it words an error); these
helpers only build the widgets that are the same in both, so they stay the same.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.providers import PRESETS
from desktop_app.ui.widgets.icon_buttons import use_parley_icons


def preset_picker(current: str | None = None) -> QComboBox:
    """A combo box of the provider presets (label shown, key as data), at `current` if given."""
    picker = QComboBox()
    for preset in PRESETS.values():
        picker.addItem(preset.label, preset.key)
    if current is not None:
        picker.setCurrentIndex(picker.findData(current))
    return picker


def key_field(placeholder: str) -> QLineEdit:
    """A line edit for an API key: its text hidden as typed, `placeholder` shown when empty."""
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(placeholder)
    return field


def lay_out_form_dialog(
    dialog: QDialog, form: QFormLayout | QWidget, error: QLabel, on_ok: Callable[[], None]
) -> QDialogButtonBox:
    """Lay `dialog` out as `form` (a layout, or a widget such as pages in tabs), then `error`,
    then OK / Cancel (OK runs `on_ok`, which accepts when it is content; Cancel rejects)."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    use_parley_icons(buttons)
    layout = QVBoxLayout(dialog)
    if isinstance(form, QWidget):
        layout.addWidget(form, 1)
    else:
        layout.addLayout(form)
    layout.addWidget(error)
    layout.addWidget(buttons)
    return buttons
