"""The Usage table: one row per day, model, assistant or dialogue, with tokens and cost."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desktop_app.core.pricing import format_cost
from desktop_app.core.spend import GROUPS, SpendTotal, Summary

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("", "Replies", "Input", "Cached input", "Output", "Reasoning", "Cost")
_FIELDS = ("label", "replies", "input", "cached_input", "output", "reasoning")
COST = len(COLUMNS) - 1


def cost_text(total: SpendTotal, currency: str = "USD") -> str:
    """The cost, "≈" in front when some replies in it were estimated."""
    if not total.replies:
        return "—"
    if total.unpriced == total.replies:
        return "no price"
    return ("≈" if total.estimated else "") + format_cost(total.cost, currency)


def caveats(total: SpendTotal) -> str:
    parts = []
    if total.estimated:
        parts.append(f"{total.estimated} estimated (cut short, usage not reported)")
    if total.unpriced:
        parts.append(f"{total.unpriced} with no price for the model (Settings → Prices…)")
    return "; ".join(parts)


class UsageModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.group_by = "day"
        self.currency = "USD"
        self.rows: list[SpendTotal] = []

    def set_summary(self, summary: Summary, currency: str = "USD") -> None:
        self.beginResetModel()
        self.group_by = summary.group_by
        self.rows = list(summary.groups)
        self.currency = currency
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return GROUPS[self.group_by] if section == 0 else COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == COST:
            return f"In {self.currency}, from the price table (Settings → Prices…)"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == COST:
                return cost_text(row, self.currency)
            value = getattr(row, _FIELDS[column])
            return value if column == 0 else f"{value:,}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return caveats(row) or None
        if role == Qt.ItemDataRole.UserRole:  # the number itself, for sorting or tests
            return row.cost if column == COST else getattr(row, _FIELDS[column])
        return None
