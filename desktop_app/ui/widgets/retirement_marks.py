"""Retiring models, marked wherever a model is picked: a warning icon and tooltip on each
retiring entry of a model list, and a line under the picker for the model chosen."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QStyle

from desktop_app.core.lifecycle import Retirement
from desktop_app.ui.theme import set_tone
from desktop_app.ui.widgets.model_picker import HEADER_ROLE

RetirementLookup = Callable[[str], Retirement | None]


def warning_icon() -> QIcon:
    return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)


def mark_models(
    combo: QComboBox,
    lookup: RetirementLookup,
    today: date,
    tips: Mapping[str, str] | None = None,
) -> int:
    """Put the warning on every retiring model in `combo`; returns how many are retiring.
    `tips` says what some models are (a fine-tuned model's job), above any warning."""
    marked = 0
    typed = combo.currentText()  # an editable combo resets it when its item's data changes
    blocked = combo.blockSignals(True)
    for index in range(combo.count()):
        if combo.itemData(index, HEADER_ROLE):  # a provider's name over its models
            continue
        data = combo.itemData(index)  # the model id, where the text is a label for it
        name = data if isinstance(data, str) and data else combo.itemText(index)
        found = lookup(name)
        combo.setItemIcon(index, warning_icon() if found else QIcon())
        lines = [(tips or {}).get(name, ""), found.sentence(today) if found else ""]
        combo.setItemData(
            index, "\n".join(t for t in lines if t) or None, Qt.ItemDataRole.ToolTipRole
        )
        marked += found is not None
    if hasattr(combo, "marked"):  # a ModelPicker lines its other rows up with the marked ones
        combo.marked = marked
    if combo.isEditable() and combo.currentText() != typed:
        combo.setEditText(typed)
    combo.blockSignals(blocked)
    return marked


def retirement_label() -> QLabel:
    label = QLabel()
    set_tone(label, "warning")
    label.setWordWrap(True)
    label.hide()
    return label


def show_retirement(label: QLabel, found: Retirement | None, today: date) -> None:
    """ "⚠ retiring 2027-01-10 → use gpt-4.1-mini" under a picker (hidden when not retiring)."""
    label.setText(found.label(today) if found else "")
    label.setToolTip(found.sentence(today) if found else "")
    label.setVisible(found is not None)
