"""Filter a model picker as the user types: any part of a name, in any case.

A server may list hundreds of models (OpenRouter lists several hundred; a LiteLLM proxy
whatever it was given), and a combo box's own completion only matches from the start of a
name, so `4o-mini` or `llama` would find nothing. A completer over the combo's own model, in
contains mode, shows a popup of the matches under the field while the user types; Down and
Enter (or a click) pick one. Typing a name that is not listed still works: the combo stays
editable, and what is typed is what is sent.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QComboBox, QCompleter

VISIBLE_MATCHES = 12  # rows of the popup before it scrolls


def filter_as_you_type(combo: QComboBox, items: QAbstractItemModel | None = None) -> QCompleter:
    """Give the editable `combo` a popup of the items containing what is typed (`items`: a
    proxy of the combo's own model that leaves some rows out, such as section headers)."""
    completer = QCompleter(items if items is not None else combo.model(), combo)
    completer.setCompletionColumn(combo.modelColumn())
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setMaxVisibleItems(VISIBLE_MATCHES)
    combo.setCompleter(completer)
    combo.setMaxVisibleItems(VISIBLE_MATCHES * 2)
    return completer
