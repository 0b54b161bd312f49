"""Settings → Tools: the MCP servers with their state, and what each one offers.

Changes here take effect at once (a server has to run to show its tools): adding, changing,
importing, removing or switching a server off saves the settings through `McpControls.save`.
A local server runs only after the user has seen its full command line and accepted it
(McpLaunchDialog); the acceptance is stored with it. Starting and restarting run as tasks the
page keeps; the page shows a server's state as the service reports it (McpSignals.changed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TypeVar

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.mcp_config import STDIO, ImportedServers, McpServerConfig
from desktop_app.core.tool_policy import ToolPolicy
from desktop_app.services.mcp_types import (
    FAILED,
    NEEDS_APPROVAL,
    READY,
    STARTING,
    ServerStatus,
)
from desktop_app.ui.icons import icon
from desktop_app.ui.mcp.allowed_tools import AllowedTools
from desktop_app.ui.mcp.mcp_controls import McpControls, McpSignals
from desktop_app.ui.mcp.mcp_server_dialog import McpServerDialog
from desktop_app.ui.mcp.mcp_small_dialogs import McpImportDialog, McpLaunchDialog, McpStderrDialog
from desktop_app.ui.task_keeper import TaskKeeper
from desktop_app.ui.theme import set_tone, theme_colors
from desktop_app.ui.widgets.icon_buttons import labelled_button
from desktop_app.ui.widgets.wrap_label import WrapLabel

_Dialog = TypeVar("_Dialog", bound=QDialog)

STATE_ICONS = {READY: "check", FAILED: "error", STARTING: "refresh", NEEDS_APPROVAL: "warning"}
STATE_TONES = {READY: "success", FAILED: "error", STARTING: "accent", NEEDS_APPROVAL: "warning"}
STATE_WORDS = {
    READY: "ready",
    FAILED: "failed",
    STARTING: "starting…",
    NEEDS_APPROVAL: "not started: its command is waiting for your OK",
}


def state_text(status: ServerStatus) -> str:
    if status.state == READY:
        parts = [f"{len(status.tools)} tool" + ("" if len(status.tools) == 1 else "s")]
        if status.prompts:
            parts.append(f"{len(status.prompts)} prompt" + ("s" * (len(status.prompts) > 1)))
        if status.resources:
            count = len(status.resources)
            parts.append(f"{count} resource" + ("s" * (count > 1)))
        where = f" ({status.server_info})" if status.server_info else ""
        return f"Ready{where}: {', '.join(parts)}."
    if status.state == FAILED:
        return f"Failed: {status.reason}"
    if status.state == STARTING:
        return "Starting…"
    if status.state == NEEDS_APPROVAL:
        return "Not started yet: press Start… to see its command line and accept it."
    return "Not running; it starts when a tool of it is needed, or with Start."


class McpPage(QWidget):
    def __init__(
        self,
        controls: McpControls,
        signals: McpSignals,
        parent: QWidget | None = None,
        *,
        policy: ToolPolicy | None = None,
    ) -> None:
        """`policy`: the user's "always allow" choices, listed to be revoked (none: no list)."""
        super().__init__(parent)
        self._controls = controls
        self.tasks = TaskKeeper()
        self.dialog: object = None  # the dialog open now, for tests
        intro = WrapLabel(
            "MCP servers give assistants tools. A local server is a program Parley starts "
            "when its tools are first needed; a remote one is reached by its address. "
            "Changes here apply at once."
        )
        set_tone(intro, "muted")
        self.list = QListWidget()
        self.list.setAccessibleName("MCP servers")
        self.list.currentRowChanged.connect(lambda _row: self._show_current())
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.itemDoubleClicked.connect(lambda _item: self.edit())
        self.add_button = labelled_button("plus", "Add…", "Add an MCP server")
        self.add_button.clicked.connect(lambda: self.add())
        self.import_button = labelled_button(
            "upload", "Import JSON…", "Add the servers of an mcpServers JSON (paste or file)"
        )
        self.import_button.clicked.connect(lambda: self.import_json())
        self.edit_button = labelled_button("edit", "Change…", "Change the chosen server")
        self.edit_button.clicked.connect(lambda: self.edit())
        self.remove_button = labelled_button("delete", "Remove", "Remove the chosen server")
        self.remove_button.clicked.connect(self.remove)
        self.start_button = labelled_button("play", "Start", "Start the chosen server")
        self.start_button.clicked.connect(self.start_or_restart)
        self.stderr_button = labelled_button(
            "file", "Show stderr", "What the server wrote on its error output"
        )
        self.stderr_button.clicked.connect(lambda: self.show_stderr())
        buttons = QVBoxLayout()
        server_buttons = (
            self.add_button,
            self.import_button,
            self.edit_button,
            self.remove_button,
            self.start_button,
            self.stderr_button,
        )
        for button in server_buttons:
            buttons.addWidget(button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addLayout(buttons)
        self.state = WrapLabel()
        self.state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tools = QListWidget()
        self.tools.setAccessibleName("Tools of the chosen server")
        self.tools.setWordWrap(True)
        self.message = WrapLabel()
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row, 2)
        layout.addWidget(self.message)
        layout.addWidget(self.state)
        layout.addWidget(QLabel("Tools:"))
        layout.addWidget(self.tools, 3)
        self.allowed = AllowedTools(policy, self._say) if policy is not None else None
        if self.allowed is not None:
            # its buttons as wide as the servers': the two lists end at the same edge
            width = max(button.sizeHint().width() for button in server_buttons)
            for button in (self.allowed.revoke_button, self.allowed.revoke_all_button):
                button.setMinimumWidth(width)
            layout.addWidget(self.allowed, 2)
        signals.changed.connect(self._on_server_changed)
        self._refill()

    # ---- the list -----------------------------------------------------------------------

    @property
    def servers(self) -> tuple[McpServerConfig, ...]:
        return tuple(self._controls.servers())

    @property
    def current(self) -> McpServerConfig | None:
        row = self.list.currentRow()
        servers = self._controls.servers()
        return servers[row] if 0 <= row < len(servers) else None

    def _refill(self, select: str = "") -> None:
        self.list.blockSignals(True)
        self.list.clear()
        servers = self._controls.servers()
        for server in servers:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, server.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if server.enabled else Qt.CheckState.Unchecked)
            self.list.addItem(item)
            self._paint_item(item, server)
        names = [s.name for s in servers]
        self.list.blockSignals(False)
        if names:
            self.list.setCurrentRow(names.index(select) if select in names else 0)
        self._show_current()

    def _paint_item(self, item: QListWidgetItem, server: McpServerConfig) -> None:
        status = self._controls.status(server.name)
        item.setText(f"{server.name} — {STATE_WORDS.get(status.state, 'not running')}")
        item.setToolTip(f"{server.where}\nTick to offer its tools to assistants.")
        tone = STATE_TONES.get(status.state, "muted_text")
        item.setIcon(icon(STATE_ICONS.get(status.state, "pause"), getattr(theme_colors(), tone)))

    def changeEvent(self, event: QEvent) -> None:
        """A theme change: the state icons take the new theme's colours."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._on_theme_changed()

    def _on_theme_changed(self) -> None:
        servers = {s.name: s for s in self._controls.servers()}
        self.list.blockSignals(True)
        for row in range(self.list.count()):
            item = self.list.item(row)
            server = servers.get(item.data(Qt.ItemDataRole.UserRole))
            if server is not None:
                self._paint_item(item, server)
        self.list.blockSignals(False)

    def _show_current(self) -> None:
        server = self.current
        for button in (self.edit_button, self.remove_button, self.start_button, self.stderr_button):
            button.setEnabled(server is not None)
        self.tools.clear()
        if server is None:
            self.state.setText("No MCP server yet: Add… one, or Import JSON… from another app.")
            set_tone(self.state, "muted")
            return
        status = self._controls.status(server.name)
        hosted = " Hosted by OpenAI when possible." if server.hosted else ""
        self.state.setText(state_text(status) + hosted)
        set_tone(self.state, "error" if status.state == FAILED else "")
        running = status.state in (READY, STARTING)
        self.start_button.setText(
            "Restart" if running else "Start…" if status.state == NEEDS_APPROVAL else "Start"
        )
        self.stderr_button.setEnabled(server.transport == STDIO)
        for tool in status.tools:
            item = QListWidgetItem(f"{tool.name} — {tool.description or 'no description'}")
            item.setToolTip(tool.description)
            self.tools.addItem(item)
        if status.prompts or status.resources:
            names = [p.name for p in status.prompts] + [r.uri for r in status.resources]
            item = QListWidgetItem("Also offers: " + ", ".join(names))
            self.tools.addItem(item)

    def _on_server_changed(self, name: str) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                servers = {s.name: s for s in self._controls.servers()}
                if name in servers:
                    self.list.blockSignals(True)
                    self._paint_item(item, servers[name])
                    self.list.blockSignals(False)
        server = self.current
        if server is not None and server.name == name:
            self._show_current()

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        name = item.data(Qt.ItemDataRole.UserRole)
        on = item.checkState() == Qt.CheckState.Checked
        servers = [
            replace(s, enabled=on) if s.name == name else s for s in self._controls.servers()
        ]
        self._save(servers, {}, select=name)

    # ---- actions ----------------------------------------------------------------------

    def _save(
        self,
        servers: Sequence[McpServerConfig],
        secrets: Mapping[str, str],
        select: str = "",
        message: str = "",
    ) -> bool:
        problem = self._controls.save(servers, secrets)
        self._refill(select)
        self._say(problem or message, "error" if problem else "")
        return problem is None

    def _say(self, text: str, tone: str = "") -> None:
        self.message.setText(text)
        set_tone(self.message, tone)
        self.message.setVisible(bool(text))

    def _names(self) -> list[str]:
        return [s.name for s in self._controls.servers()]

    def add(self) -> McpServerDialog:
        dialog = McpServerDialog(self._names(), parent=self)
        dialog.server_chosen.connect(self._on_server_added)
        return self._open(dialog)

    def _on_server_added(self, server: McpServerConfig, secrets: dict[str, str]) -> None:
        if self._save([*self._controls.servers(), server], secrets, server.name):
            if server.transport == STDIO:
                self.confirm_launch(server)
            else:
                self.tasks.spawn(self._start(server.name))

    def edit(self) -> McpServerDialog | None:
        server = self.current
        if server is None:
            return None
        dialog = McpServerDialog(self._names(), server, self._controls.has_secret, self)
        dialog.server_chosen.connect(self._on_server_edited)
        return self._open(dialog)

    def _on_server_edited(self, server: McpServerConfig, secrets: dict[str, str]) -> None:
        servers = [server if s.name == server.name else s for s in self._controls.servers()]
        self._save(servers, secrets, server.name)

    def import_json(self) -> McpImportDialog:
        dialog = McpImportDialog(self._names(), self)
        dialog.imported.connect(self._on_imported)
        return self._open(dialog)

    def _on_imported(self, found: ImportedServers) -> None:
        count = len(found.servers)
        text = (
            f"Added {count} server{'s' * (count != 1)}: "
            + ", ".join(s.name for s in found.servers)
            + "."
        )
        if found.problems:
            text += " Left out: " + "; ".join(found.problems) + "."
        if any(s.transport == STDIO for s in found.servers):
            text += " Each local one asks for your OK before it first starts."
        self._save(
            [*self._controls.servers(), *found.servers], found.secrets, found.servers[0].name, text
        )

    def remove(self) -> None:
        server = self.current
        if server is not None:
            servers = [s for s in self._controls.servers() if s.name != server.name]
            self._save(servers, {}, message=f"Removed {server.name}.")

    def start_or_restart(self) -> None:
        server = self.current
        if server is None:
            return
        if server.needs_approval:
            self.confirm_launch(server)
        elif self._controls.status(server.name).state in (READY, STARTING):
            self.tasks.spawn(self._restart(server.name))
        else:
            self.tasks.spawn(self._start(server.name))

    def confirm_launch(self, server: McpServerConfig) -> McpLaunchDialog:
        dialog = McpLaunchDialog(server, self)
        dialog.accepted.connect(lambda: self._on_launch_accepted(server.name))
        return self._open(dialog)

    def _on_launch_accepted(self, name: str) -> None:
        servers = [s.approved() if s.name == name else s for s in self._controls.servers()]
        if self._save(servers, {}, name):
            self.tasks.spawn(self._start(name))

    async def _start(self, name: str) -> None:
        await self._controls.start(name)

    async def _restart(self, name: str) -> None:
        await self._controls.restart(name)

    def show_stderr(self) -> McpStderrDialog | None:
        server = self.current
        if server is None:
            return None
        name = server.name
        return self._open(McpStderrDialog(name, lambda: self._controls.stderr(name), self))

    def _open(self, dialog: _Dialog) -> _Dialog:
        self.dialog = dialog
        dialog.open()
        return dialog

    async def shutdown(self) -> None:
        await self.tasks.shutdown()
