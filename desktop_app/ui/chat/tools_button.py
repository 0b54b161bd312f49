"""The Chat header's chips: what the conversation shown may use — MCP servers' tools
("Tools: off", "Tools: maths, files", "Tools: maths +2") or knowledge bases ("Knowledge:
off", "Knowledge: Manuals").

The menu lists what there is (servers from Settings → Tools with their state, enabled ones to
tick; knowledge bases with their size), and "Manage…" opens the place where they are made.

Signals:
    changed(tuple): the keys now on (the user ticked or unticked one).
    manage_requested(): open the place where they are managed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

# (key, label, state shown beside it, whether it can be turned on)
ServerRow = tuple[str, str, bool]  # for tools the key is the label: (name, state, usable)
ChoiceRow = tuple[str, str, str, bool]
MAX_NAMES = 2  # names in the chip before "+N"


@dataclass(frozen=True)
class ChipWords:
    word: str  # "Tools"
    accessible: str  # "Tools for this conversation"
    icon: str
    empty: str  # the menu's line when there is nothing to choose
    gone: str  # beside a chosen key that no longer exists
    manage: str  # the menu's last entry
    off_tip: str
    on_tip: Callable[[Sequence[str]], str]


TOOL_WORDS = ChipWords(
    "Tools",
    "Tools for this conversation",
    "tool",
    "No MCP servers yet",
    "not in Settings",
    "Manage servers…",
    "Let the model call tools from your MCP servers in this chat",
    lambda names: (
        "The model may call the tools of: "
        + ", ".join(names)
        + ". Parley asks before each call unless you always allow that tool."
    ),
)


def chip_text(names: Sequence[str], word: str = "Tools") -> str:
    if not names:
        return f"{word}: off"
    shown = ", ".join(names[:MAX_NAMES])
    more = len(names) - MAX_NAMES
    return f"{word}: {shown}" + (f" +{more}" if more > 0 else "")


class ChoiceChip(QToolButton):
    changed = Signal(tuple)
    manage_requested = Signal()

    def __init__(
        self,
        rows: Callable[[], list[ChoiceRow]],
        words: ChipWords,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._rows = rows
        self.words = words
        self._selection: tuple[str, ...] = ()
        self._labels: dict[str, str] = {}
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setAccessibleName(words.accessible)
        from desktop_app.ui.icons import set_icon

        set_icon(self, words.icon)
        self.menu_ = QMenu(self)
        self.menu_.aboutToShow.connect(self.fill_menu)
        self.setMenu(self.menu_)
        self._show()

    @property
    def selection(self) -> tuple[str, ...]:
        return self._selection

    def set_selection(self, keys: Sequence[str]) -> None:
        """Show these as on (a conversation was opened); no `changed` signal."""
        self._selection = tuple(keys)
        self._labels = {key: label for key, label, _state, _usable in self._rows()}
        self._show()

    def _names(self) -> list[str]:
        if any(key not in self._labels for key in self._selection):  # turned on from code
            self._labels = {key: label for key, label, _state, _usable in self._rows()}
        return [self._labels.get(key, key) for key in self._selection]

    def _show(self) -> None:
        self.setText(chip_text(self._names(), self.words.word))
        if self._selection:
            self.setToolTip(self.words.on_tip(self._names()))
        else:
            self.setToolTip(self.words.off_tip)

    def fill_menu(self) -> None:
        menu = self.menu_
        menu.clear()
        rows = self._rows()
        self._labels = {key: label for key, label, _state, _usable in rows}
        if not rows:
            empty = menu.addAction(self.words.empty)
            empty.setEnabled(False)
        for key, label, state, usable in rows:
            action = menu.addAction(f"{label} — {state}" if state else label)
            action.setCheckable(True)
            action.setChecked(key in self._selection)
            action.setEnabled(usable or key in self._selection)
            action.toggled.connect(lambda on, k=key: self.switch(k, on))
        for key in self._selection:
            if key not in self._labels:  # gone meanwhile: it can only be turned off
                action = menu.addAction(f"{key} — {self.words.gone}")
                action.setCheckable(True)
                action.setChecked(True)
                action.toggled.connect(lambda on, k=key: self.switch(k, on))
        menu.addSeparator()
        if self._selection:
            menu.addAction("Turn all off").triggered.connect(self.turn_all_off)
        menu.addAction(self.words.manage).triggered.connect(self.manage_requested)

    def switch(self, key: str, on: bool) -> None:
        keys = [k for k in self._selection if k != key]
        if on:
            keys.append(key)
        self._selection = tuple(keys)
        self._show()
        self.changed.emit(self._selection)

    def turn_all_off(self) -> None:
        self._selection = ()
        self._show()
        self.changed.emit(self._selection)


class ToolsButton(ChoiceChip):
    """The chip of MCP servers (their names are their keys)."""

    def __init__(
        self, servers: Callable[[], list[ServerRow]] = list, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            lambda: [(name, name, state, usable) for name, state, usable in servers()],
            TOOL_WORDS,
            parent,
        )
