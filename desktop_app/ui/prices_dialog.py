"""Prices…: the price table as a table the user can edit (per model, per million tokens).

A cell that is not a price turns red as soon as it is left, with the reason in its tooltip;
Save checks every cell and every model name first. The dialog does no I/O: `save(rows)`
keeps the table and answers with an error sentence or None. Opened with `open()`.

Signals:
    saved(): the prices were kept and the dialog closed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.price_table import PriceRow, check_rows, editable_rows, parse_price
from desktop_app.core.pricing import PriceTable
from desktop_app.ui.icons import set_icon
from desktop_app.ui.theme import mix, set_tone, theme_colors
from desktop_app.ui.widgets.icon_buttons import use_parley_icons


def bad_cell() -> QColor:
    """The background of a cell that is not a price: a tint of the error colour."""
    base = QGuiApplication.palette().color(QPalette.ColorRole.Base)
    return mix(base, theme_colors().error, 0.25)


COLUMNS = ("Model", "Input", "Cached input", "Output")
SavePrices = Callable[[Sequence[PriceRow]], str | None]


def _text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


class PricesDialog(QDialog):
    saved = Signal()

    def __init__(
        self,
        table: PriceTable,
        shipped: PriceTable,
        save: SavePrices,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Prices")
        self.resize(560, 520)
        self._shipped = shipped
        self._save = save
        note = QLabel(
            f"{table.currency} per million tokens. Shipped prices are dated "
            f"{shipped.as_of or 'unknown'}; prices change, so check them against your "
            "provider's. Empty cached input costs as much as input. Fine-tuned models are "
            "priced by their base model."
        )
        note.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.itemChanged.connect(self._on_table_item_changed)
        add = QPushButton("Add model")
        set_icon(add, "plus")
        add.clicked.connect(self.add_row)
        remove = QPushButton("Remove")
        set_icon(remove, "delete")
        remove.setToolTip("Remove the selected models from your edits")
        remove.clicked.connect(self.remove_selected)
        reset = QPushButton("Shipped prices")
        set_icon(reset, "undo")
        reset.setToolTip("Put back the prices Parley ships with (your edits go when you save)")
        reset.clicked.connect(lambda: self.fill(editable_rows(self._shipped)))
        row = QHBoxLayout()
        for button in (add, remove, reset):
            row.addWidget(button)
        row.addStretch(1)
        self.error = QLabel()
        set_tone(self.error, "error")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._on_save)
        buttons.rejected.connect(self.reject)
        use_parley_icons(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.fill(editable_rows(table))

    def fill(self, rows: Sequence[PriceRow]) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for price in rows:
            self._append(
                [price.model, _text(price.input), _text(price.cached_input), _text(price.output)]
            )
        self.table.blockSignals(False)

    def _append(self, cells: list[str]) -> int:
        index = self.table.rowCount()
        self.table.insertRow(index)
        for column, text in enumerate(cells):
            self.table.setItem(index, column, QTableWidgetItem(text))
        return index

    def add_row(self) -> None:
        self.table.blockSignals(True)
        index = self._append(["", "0", "", "0"])
        self.table.blockSignals(False)
        self.table.setCurrentCell(index, 0)
        name = self.table.item(index, 0)
        if name is not None:
            self.table.editItem(name)

    def remove_selected(self) -> None:
        for index in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(index)

    def cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def _check_cell(self, item: QTableWidgetItem) -> str:
        """Mark a price cell that is not a price; returns the problem ("" when fine)."""
        problem = ""
        if item.column() > 0:
            try:
                parse_price(item.text(), optional=item.column() == 2)
            except ValueError as exc:
                problem = str(exc)
        self.table.blockSignals(True)
        item.setBackground(bad_cell() if problem else QColor(0, 0, 0, 0))
        item.setToolTip(problem)
        self.table.blockSignals(False)
        return problem

    def _on_table_item_changed(self, item: QTableWidgetItem) -> None:
        self._check_cell(item)

    def rows(self) -> list[PriceRow]:
        """The table as typed; raises ValueError naming the first bad cell (all are marked)."""
        first = ""
        for index in range(self.table.rowCount()):
            for column in range(1, len(COLUMNS)):
                item = self.table.item(index, column)
                if item is None:
                    item = QTableWidgetItem("")
                    self.table.setItem(index, column, item)
                problem = self._check_cell(item)
                if problem and not first:
                    name = self.cell(index, 0) or f"row {index + 1}"
                    first = f"{name}, {COLUMNS[column].lower()}: {problem}"
        if first:
            raise ValueError(first)
        return [
            PriceRow(
                self.cell(index, 0).strip(),
                parse_price(self.cell(index, 1)) or 0.0,
                parse_price(self.cell(index, 2), optional=True),
                parse_price(self.cell(index, 3)) or 0.0,
            )
            for index in range(self.table.rowCount())
        ]

    def _on_save(self) -> None:
        try:
            rows = self.rows()
        except ValueError as exc:
            self._show_error(str(exc))
            return
        problems = check_rows(rows)
        if problems:
            index, text = problems[0]
            self.table.setCurrentCell(index, 0)
            self._show_error(f"Row {index + 1}: {text}")
            return
        failure = self._save(rows)
        if failure:
            self._show_error(failure)
            return
        self.saved.emit()
        self.accept()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
