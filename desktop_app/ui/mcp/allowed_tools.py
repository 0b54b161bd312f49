"""Settings → Tools, "Always allowed": the tools the user let run without asking, each of which
can be revoked (then Parley asks again before it runs). A revoke is kept at once, through the
`ToolPolicy` (in the app, the database's flag), and said in the page's status line."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.tool_policy import ToolPolicy
from desktop_app.ui.theme import set_tone
from desktop_app.ui.widgets.icon_buttons import labelled_button
from desktop_app.ui.widgets.wrap_label import WrapLabel

EMPTY_TEXT = "No tool runs without asking."


def allowed_text(key: str) -> str:
    """A standing choice as the user reads it: "tool — on server" for "server/tool"."""
    server, slash, tool = key.rpartition("/")  # a tool's name has no "/"; a server's might
    if not slash:
        return key
    return f"{tool} — on {server}" if server else tool


class AllowedTools(QWidget):
    """The list of standing choices with Revoke and Revoke all. `say(text)`: the page's status
    line."""

    def __init__(
        self, policy: ToolPolicy, say: Callable[[str], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._policy = policy
        self._say = say
        self.list = QListWidget()
        self.list.setAccessibleName("Tools that run without asking")
        self.list.currentRowChanged.connect(lambda _row: self._enable())
        self.empty = WrapLabel(EMPTY_TEXT)
        set_tone(self.empty, "muted")
        self.revoke_button = labelled_button(
            "undo", "Revoke", "Ask again before the chosen tool runs"
        )
        self.revoke_button.clicked.connect(self.revoke)
        self.revoke_all_button = labelled_button(
            "delete", "Revoke all", "Ask again before any tool runs"
        )
        self.revoke_all_button.clicked.connect(self.revoke_all)
        buttons = QVBoxLayout()
        buttons.addWidget(self.revoke_button)
        buttons.addWidget(self.revoke_all_button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Always allowed (these run without asking):"))
        layout.addWidget(self.empty)
        layout.addLayout(row, 1)
        self.refill()

    def keys(self) -> list[str]:
        """The keys listed, in order."""
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def refill(self) -> None:
        """List the standing choices as the policy holds them now."""
        self.list.clear()
        for key in self._policy.always_allowed():
            item = QListWidgetItem(allowed_text(key))
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setToolTip(f"{key}\nRuns without asking you first; revoke it to be asked again.")
            self.list.addItem(item)
        self.list.setCurrentRow(-1)
        empty = self.list.count() == 0
        self.empty.setVisible(empty)
        self.list.setVisible(not empty)
        self.revoke_all_button.setVisible(not empty)
        self.revoke_button.setVisible(not empty)
        # empty, it is two lines: the room above (the server's tools) keeps the rest
        grows = QSizePolicy.Policy.Maximum if empty else QSizePolicy.Policy.Preferred
        self.setSizePolicy(QSizePolicy.Policy.Preferred, grows)
        self._enable()

    def _enable(self) -> None:
        self.revoke_button.setEnabled(self.list.currentItem() is not None)
        self.revoke_all_button.setEnabled(self.list.count() > 0)

    def showEvent(self, event: QShowEvent) -> None:
        """A choice made in a chat while Settings was closed shows when it is opened."""
        super().showEvent(event)
        if set(self.keys()) != set(self._policy.always_allowed()):
            self.refill()

    def revoke(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        key = item.data(Qt.ItemDataRole.UserRole)
        self._policy.revoke(key)
        self.refill()
        self._say(f"Revoked “{allowed_text(key)}”: Parley asks before it runs again.")

    def revoke_all(self) -> None:
        keys = self._policy.always_allowed()
        if not keys:
            return
        for key in keys:
            self._policy.revoke(key)
        self.refill()
        count = len(keys)
        self._say(
            f"Revoked {count} always-allowed tool{'s' * (count != 1)}: "
            "Parley asks again before any tool runs."
        )
