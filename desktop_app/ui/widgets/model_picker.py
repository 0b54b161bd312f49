"""A model picker that lists every configured provider's models, grouped under their names.

Chat, the assistant editor and the Images tab pick a model the same way: the main provider's
models first, then each other provider's under a section header (a row that cannot be chosen),
its models shown as "Name › model" so that the chosen one still says whose it is once the
popup has closed. Each item keeps the model id to send (its text may be shorter: a file name
for a llama.cpp path) and, for another provider's model, that provider's id. With one provider
there are no headers: the list is just its models. The field stays editable, and filters as
the user types (`filter_as_you_type`); a name typed that is not listed goes to the main
provider.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont, QPainter, QPalette, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QComboBox, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from desktop_app.core.providers import model_label
from desktop_app.ui.widgets.model_filter import filter_as_you_type

PROVIDER_ROLE = Qt.ItemDataRole.UserRole + 1
HEADER_ROLE = Qt.ItemDataRole.UserRole + 2
GROUP_ROLE = Qt.ItemDataRole.UserRole + 3  # the provider's name an item's text starts with
GROUP_MARK = " › "

if TYPE_CHECKING:  # the sessions (and the SDK under them) load after the first frame
    from desktop_app.services.provider_sessions import ModelGroup


def _sorted(models: Iterable[str]) -> list[str]:
    return sorted(dict.fromkeys(models), key=lambda n: (model_label(n).casefold(), n))


class _ModelsOnly(QSortFilterProxyModel):
    """The picker's rows without its section headers: what typing can find."""

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        index = self.sourceModel().index(source_row, 0, source_parent)
        return not index.data(HEADER_ROLE)


Index = QModelIndex | QPersistentModelIndex
ROW_PADDING = 6  # pixels added to a row's height: a list of hundreds stays easy to hit
HEADER_GAP = 8  # pixels above a header, between one provider's models and the next


class _PickerDelegate(QStyledItemDelegate):
    """Rows of the open list: headers set apart (a gap above, the muted text colour), the
    models under one indented and shown without the "Name › " their field text carries,
    and every row the same height whether or not it has a retirement mark."""

    def __init__(self, picker: ModelPicker) -> None:
        super().__init__(picker)
        self.picker = picker

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        height = max(size.height(), option.fontMetrics.height()) + ROW_PADDING
        if index.data(HEADER_ROLE) and index.row() > 0:
            height += HEADER_GAP
        return QSize(size.width(), height)

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:
        super().initStyleOption(option, index)
        if index.data(HEADER_ROLE):
            return
        group = index.data(GROUP_ROLE)
        if group and option.text.startswith(f"{group}{GROUP_MARK}"):
            option.text = option.text[len(group) + len(GROUP_MARK) :]

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        if index.data(HEADER_ROLE):
            item.rect = (
                item.rect.adjusted(
                    0, item.rect.height() - item.fontMetrics.height() - ROW_PADDING, 0, 0
                )
                if index.row() > 0
                else item.rect
            )
            item.palette.setColor(
                QPalette.ColorRole.Text, option.palette.color(QPalette.ColorRole.PlaceholderText)
            )
            item.state &= ~QStyle.StateFlag.State_Enabled  # never drawn as chosen
        elif self.picker.grouped:
            item.rect = item.rect.adjusted(self.picker.indent, 0, 0, 0)
        if item.icon.isNull() and self.picker.marked:  # line up with the marked rows' text
            item.rect = item.rect.adjusted(item.decorationSize.width() + 4, 0, 0, 0)
        style = option.widget.style() if option.widget is not None else self.picker.style()
        # The row's highlight spans the whole row; only its text and mark are indented.
        style.drawPrimitive(
            QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget
        )
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, option.widget)


class ModelPicker(QComboBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)  # Enter never adds a typed name
        self._models_only = _ModelsOnly(self)
        self._models_only.setSourceModel(self.model())
        filter_as_you_type(self, self._models_only)
        self.grouped = False  # the list has provider headers (its models are indented)
        self.marked = 0  # how many rows carry a retirement mark (`mark_models` says)
        self.indent = 12
        self.setIconSize(QSize(16, 16))  # a retirement mark the size of the text, not a dialog's
        self.setItemDelegate(_PickerDelegate(self))

    # --- what is chosen ----------------------------------------------------------------------

    @property
    def model_id(self) -> str:
        """The model id to send: the chosen item's, or what the user typed."""
        text = self.currentText().strip()
        index = self._item_for(text)
        data = self.itemData(index) if index >= 0 else None
        return data if isinstance(data, str) and data else text

    @property
    def provider_id(self) -> str:
        """Whose model is chosen: another provider's id, or '' for the main provider (also
        for a name typed that is not listed)."""
        index = self._item_for(self.currentText().strip())
        data = self.itemData(index, PROVIDER_ROLE) if index >= 0 else None
        return data if isinstance(data, str) else ""

    def is_header(self, index: int) -> bool:
        return bool(self.itemData(index, HEADER_ROLE))

    def _item_for(self, text: str) -> int:
        """The item shown as `text` (never a header: a provider's name typed is a model name)."""
        for index in range(self.count()):
            if self.itemText(index) == text and not self.is_header(index):
                return index
        return -1

    def show_model(self, model_id: str, provider_id: str = "") -> None:
        """Choose `model_id` of `provider_id`: its item if listed, else the id as typed text."""
        for index in range(self.count()):
            owner = self.itemData(index, PROVIDER_ROLE) or ""
            if self.itemData(index) == model_id and owner == provider_id:
                self.setCurrentIndex(index)
                return
        self.setCurrentText(model_id)

    def models(self) -> list[tuple[str, str]]:
        """(provider id, model id) of every item that can be chosen, in list order."""
        return [
            (self.itemData(i, PROVIDER_ROLE) or "", self.itemData(i))
            for i in range(self.count())
            if not self.is_header(i)
        ]

    # --- filling -----------------------------------------------------------------------------

    def fill(
        self,
        main_label: str,
        main_models: Sequence[str],
        others: Sequence[ModelGroup] = (),
        current: str = "",
        owner: str = "",
    ) -> None:
        """List the main provider's models and each other provider's (empty groups left out),
        then choose `current` of `owner` ('' the main provider; a current model of the main
        provider that is not listed is added to its list, as the user's own)."""
        groups = [g for g in others if g.models]
        self.grouped = bool(groups)
        blocked = self.blockSignals(True)
        self.clear()
        model = self.model()
        main = [*main_models, current] if current and not owner else list(main_models)
        if groups:
            self._add_header(model, main_label)
        for name in _sorted(main):
            self.addItem(model_label(name), name)
        for group in groups:
            self._add_header(model, group.label)
            for name in _sorted(group.models):
                self.addItem(f"{group.label}{GROUP_MARK}{model_label(name)}", name)
                self.setItemData(self.count() - 1, group.provider_id, PROVIDER_ROLE)
                self.setItemData(self.count() - 1, group.label, GROUP_ROLE)
        if current:
            self.show_model(current, owner)
        if self.is_header(self.currentIndex()):  # the first row added became the current one
            chosen = self.models()
            self.setCurrentIndex(self.findData(chosen[0][1]) if chosen else -1)
        self.blockSignals(blocked)

    def _add_header(self, model: QAbstractItemModel, label: str) -> None:
        """A section header: the provider's name in bold, greyed, that cannot be chosen."""
        if not isinstance(model, QStandardItemModel):  # QComboBox's own model always is
            return
        item = QStandardItem(label)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        font = QFont(self.font())
        font.setBold(True)
        item.setFont(font)
        item.setData(True, HEADER_ROLE)
        item.setData(f"Models of {label}", Qt.ItemDataRole.ToolTipRole)
        model.appendRow(item)
