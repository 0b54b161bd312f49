"""The list of the user's assistants, for a QListView: name, colour swatch, and which is active."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from desktop_app.core.assistants import AssistantProfile
from desktop_app.ui.widgets.retirement_marks import RetirementLookup

ProfileRole = Qt.ItemDataRole.UserRole + 1
ActiveRole = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


class AssistantsModel(QAbstractListModel):
    def __init__(
        self,
        parent: Any = None,
        retirement: RetirementLookup | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__(parent)
        self.today = today
        self._profiles: list[AssistantProfile] = []
        self.active_id: int | None = None
        self.retirement = retirement  # marks an assistant whose model is going away

    # --- Qt --------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._profiles)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._profiles):
            return None
        profile = self._profiles[index.row()]
        active = profile.id is not None and profile.id == self.active_id
        if role == Qt.ItemDataRole.DisplayRole:
            name = f"{profile.name}  · active" if active else profile.name
            retiring = self.retirement(profile.model) if self.retirement else None
            return f"{name}  {retiring.label(self.today())}" if retiring else name
        if role == Qt.ItemDataRole.DecorationRole:
            return QColor(profile.avatar_color)
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [profile.description, f"Model: {profile.model}"]
            retiring = self.retirement(profile.model) if self.retirement else None
            if retiring is not None:
                lines.append(retiring.sentence(self.today()))
            if profile.mcp_servers:
                lines.append("MCP servers: " + ", ".join(profile.mcp_servers))
            if profile.tags:
                lines.append("Tags: " + ", ".join(profile.tags))
            return "\n".join(line for line in lines if line)
        if role == Qt.ItemDataRole.FontRole and active:
            font = QFont()
            font.setBold(True)
            return font
        if role == ProfileRole:
            return profile
        if role == ActiveRole:
            return active
        return None

    # --- changes ---------------------------------------------------------------------------

    def set_profiles(self, profiles: list[AssistantProfile]) -> None:
        self.beginResetModel()
        self._profiles = list(profiles)
        self.endResetModel()

    @property
    def profiles(self) -> list[AssistantProfile]:
        return list(self._profiles)

    def profile(self, row: int) -> AssistantProfile | None:
        return self._profiles[row] if 0 <= row < len(self._profiles) else None

    def row_of(self, assistant_id: int | None) -> int:
        for row, profile in enumerate(self._profiles):
            if profile.id == assistant_id:
                return row
        return -1

    def replace(self, profile: AssistantProfile) -> None:
        """Show a profile's new version in its row (same id)."""
        row = self.row_of(profile.id)
        if row >= 0:
            self._profiles[row] = profile
            index = self.index(row)
            self.dataChanged.emit(index, index)

    def refresh_marks(self) -> None:
        """Models' retirement dates may have arrived with a new model list: show them."""
        if self._profiles:
            self.dataChanged.emit(self.index(0), self.index(len(self._profiles) - 1))

    def set_active(self, assistant_id: int | None) -> None:
        rows = [self.row_of(self.active_id), self.row_of(assistant_id)]
        self.active_id = assistant_id
        for row in rows:
            if row >= 0:
                index = self.index(row)
                self.dataChanged.emit(index, index)
