"""The search box and the filters under it: model, role, tone, assistant, dates, images.

Signals:
    changed(): the text or a filter changed (the tab debounces and searches).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.history import SENTIMENTS, SearchFilters

ROLES = ("user", "assistant", "system")
COMBO_CHARACTERS = 12


def _combo(any_text: str, values: tuple[str, ...] = ()) -> QComboBox:
    combo = QComboBox()
    combo.addItem(any_text, "")
    for value in values:
        combo.addItem(value.capitalize(), value)
    if values:  # a few short fixed words
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    else:
        # Names found in the store: not AdjustToContents, or a long model name
        # (ft:gpt-4o-mini-2024-07-18:org::id) would widen the bar, and with it the window's
        # minimum width. The list that opens shows names whole.
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(COMBO_CHARACTERS)
    return combo


def _midnight(date: QDate) -> float:
    return datetime(date.year(), date.month(), date.day()).timestamp()


class FilterBar(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search every message (Ctrl+F)")
        self.search_edit.setClearButtonEnabled(True)
        self.model_combo = _combo("Any model")
        self.role_combo = _combo("Any role", ROLES)
        self.sentiment_combo = _combo("Any tone", SENTIMENTS)
        self.assistant_combo = _combo("Any assistant")
        self.dates_check = QCheckBox("From")
        self.since_edit = QDateEdit(QDate.currentDate().addMonths(-1))
        self.until_edit = QDateEdit(QDate.currentDate())
        for edit in (self.since_edit, self.until_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")  # as dates are written everywhere in Parley
            edit.setEnabled(False)
            edit.dateChanged.connect(self._on_dates_changed)
        self.image_check = QCheckBox("With images")

        search_row = QHBoxLayout()
        search_row.setContentsMargins(0, 0, 0, 0)
        search_row.addWidget(self.search_edit, 1)
        search_row.addWidget(self.model_combo)
        search_row.addWidget(self.assistant_combo)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.role_combo)
        row.addWidget(self.sentiment_combo)
        row.addWidget(self.dates_check)
        row.addWidget(self.since_edit)
        row.addWidget(QLabel("to"))
        row.addWidget(self.until_edit)
        row.addWidget(self.image_check)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(search_row)
        layout.addLayout(row)

        self.search_edit.textChanged.connect(self.changed)
        for combo in (self.model_combo, self.role_combo, self.sentiment_combo):
            combo.currentIndexChanged.connect(self.changed)
        self.assistant_combo.currentIndexChanged.connect(self.changed)
        self.dates_check.toggled.connect(self._on_dates_check_toggled)
        self.image_check.toggled.connect(self.changed)

    def _on_dates_check_toggled(self, on: bool) -> None:
        self.since_edit.setEnabled(on)
        self.until_edit.setEnabled(on)
        self.changed.emit()

    def _on_dates_changed(self, _date: QDate) -> None:
        if self.dates_check.isChecked():
            self.changed.emit()

    @property
    def text(self) -> str:
        return self.search_edit.text()

    def filters(self) -> SearchFilters:
        since = until = None
        if self.dates_check.isChecked():
            since = _midnight(self.since_edit.date())
            until = _midnight(self.until_edit.date()) + timedelta(days=1).total_seconds()
        return SearchFilters(
            model=self.model_combo.currentData() or "",
            role=self.role_combo.currentData() or "",
            since=since,
            until=until,
            sentiment=self.sentiment_combo.currentData() or "",
            assistant=self.assistant_combo.currentData() or "",
            has_image=self.image_check.isChecked(),
        )

    def set_facets(self, models: list[str], assistants: list[str]) -> None:
        """Offer the models and assistants found in the store, keeping the current choice."""
        for combo, values in ((self.model_combo, models), (self.assistant_combo, assistants)):
            current = combo.currentData() or ""
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for value in sorted(set(values) | ({current} - {""})):
                combo.addItem(value, value)
            combo.setCurrentIndex(max(combo.findData(current), 0))
            combo.blockSignals(False)
        self.assistant_combo.setVisible(self.assistant_combo.count() > 1)
