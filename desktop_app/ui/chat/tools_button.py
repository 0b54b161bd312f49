"""The Chat header's tools chip: which MCP servers' tools the conversation shown may use.

"Tools: off" until the user turns servers on from its menu; then their names ("Tools: maths,
files" or "Tools: maths +2"). The menu lists the servers Settings → Tools has (enabled ones
to tick, with their state: ready, failed…), and "Manage servers…" opens that page.

Signals:
    changed(tuple): the servers now on, by name (the user ticked or unticked one).
    manage_requested(): open Settings → Tools.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

# (name, state shown beside it, whether it can be turned on)
ServerRow = tuple[str, str, bool]
MAX_NAMES = 2  # names in the chip before "+N"


def chip_text(names: Sequence[str]) -> str:
    if not names:
        return "Tools: off"
    shown = ", ".join(names[:MAX_NAMES])
    more = len(names) - MAX_NAMES
    return f"Tools: {shown}" + (f" +{more}" if more > 0 else "")


class ToolsButton(QToolButton):
    changed = Signal(tuple)
    manage_requested = Signal()

    def __init__(
        self, servers: Callable[[], list[ServerRow]] = list, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._servers = servers
        self._selection: tuple[str, ...] = ()
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setAccessibleName("Tools for this conversation")
        from desktop_app.ui.icons import set_icon

        set_icon(self, "tool")
        self.menu_ = QMenu(self)
        self.menu_.aboutToShow.connect(self.fill_menu)
        self.setMenu(self.menu_)
        self._show()

    @property
    def selection(self) -> tuple[str, ...]:
        return self._selection

    def set_selection(self, names: Sequence[str]) -> None:
        """Show these servers as on (a conversation was opened); no `changed` signal."""
        self._selection = tuple(names)
        self._show()

    def _show(self) -> None:
        self.setText(chip_text(self._selection))
        if self._selection:
            self.setToolTip(
                "The model may call the tools of: "
                + ", ".join(self._selection)
                + ". Parley asks before each call unless you always allow that tool."
            )
        else:
            self.setToolTip("Let the model call tools from your MCP servers in this chat")

    def fill_menu(self) -> None:
        menu = self.menu_
        menu.clear()
        rows = self._servers()
        known = {name for name, _state, _usable in rows}
        if not rows:
            empty = menu.addAction("No MCP servers yet")
            empty.setEnabled(False)
        for name, state, usable in rows:
            action = menu.addAction(f"{name} — {state}" if state else name)
            action.setCheckable(True)
            action.setChecked(name in self._selection)
            action.setEnabled(usable or name in self._selection)
            action.toggled.connect(lambda on, n=name: self.switch(n, on))
        for name in self._selection:
            if name not in known:  # removed in Settings meanwhile: it can only be turned off
                action = menu.addAction(f"{name} — not in Settings")
                action.setCheckable(True)
                action.setChecked(True)
                action.toggled.connect(lambda on, n=name: self.switch(n, on))
        menu.addSeparator()
        if self._selection:
            menu.addAction("Turn all off").triggered.connect(self.turn_all_off)
        menu.addAction("Manage servers…").triggered.connect(self.manage_requested)

    def switch(self, name: str, on: bool) -> None:
        names = [n for n in self._selection if n != name]
        if on:
            names.append(name)
        self._selection = tuple(names)
        self._show()
        self.changed.emit(self._selection)

    def turn_all_off(self) -> None:
        self._selection = ()
        self._show()
        self.changed.emit(self._selection)
