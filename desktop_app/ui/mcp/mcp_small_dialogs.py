"""The Tools page's smaller dialogs: importing `mcpServers` JSON (pasted or from a file), the
confirmation of a local server's command line before it first runs, and a server's stderr.

Each is opened with `open()`, never `exec()`, and answers with a signal.

Signals:
    McpImportDialog.imported(ImportedServers): the JSON gave at least one server.
    McpLaunchDialog.accepted(): (QDialog's) the user agreed to start the program.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.mcp_config import (
    INHERITED_ENV_POSIX,
    INHERITED_ENV_WINDOWS,
    McpConfigError,
    McpServerConfig,
    parse_mcp_servers,
)
from desktop_app.ui.theme import set_tone
from desktop_app.ui.widgets.icon_buttons import labelled_button, use_parley_icons

MAX_IMPORT_BYTES = 2 * 1024 * 1024
EXAMPLE = """{
  "mcpServers": {
    "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "."]},
    "remote": {"type": "http", "url": "https://example.com/mcp"}
  }
}"""


def _mono(box: QPlainTextEdit) -> QPlainTextEdit:
    box.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    return box


def _buttons(dialog: QDialog, ok_text: str = "") -> QDialogButtonBox:
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    if ok_text:
        box.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    box.rejected.connect(dialog.reject)
    use_parley_icons(box)
    return box


class McpImportDialog(QDialog):
    imported = Signal(object)

    def __init__(self, taken: Iterable[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import MCP servers")
        self.setMinimumSize(560, 380)
        self._taken = list(taken)
        intro = QLabel(
            "Paste the <code>mcpServers</code> JSON of Claude Desktop, Cursor or another MCP "
            "client, or open its file. Secret values in it go to the keyring."
        )
        intro.setWordWrap(True)
        self.text = _mono(QPlainTextEdit())
        self.text.setPlaceholderText(EXAMPLE)
        self.open_button = labelled_button("folder", "Open file…", "Read the JSON from a file")
        self.open_button.clicked.connect(self._on_open_clicked)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = _buttons(self, "Import")
        self.buttons.accepted.connect(self.import_text)
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addStretch(1)
        row.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.error)
        layout.addLayout(row)
        self.file_dialog: QFileDialog | None = None

    def _on_open_clicked(self) -> None:
        dialog = QFileDialog(self, "Open an MCP configuration", "", "JSON (*.json);;All (*)")
        dialog.fileSelected.connect(self.read_file)
        self.file_dialog = dialog
        dialog.open()

    def read_file(self, path: str) -> None:
        """Put the file's text in the box (a file too large or unreadable is a sentence)."""
        try:
            file = Path(path)
            if file.stat().st_size > MAX_IMPORT_BYTES:
                raise McpConfigError("This file is too large to be an MCP configuration.")
            self.text.setPlainText(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            self._show_error("This file could not be read as text.")
        except McpConfigError as exc:
            self._show_error(str(exc))
        else:
            self.import_text()

    def import_text(self) -> None:
        try:
            found = parse_mcp_servers(self.text.toPlainText(), self._taken)
        except McpConfigError as exc:
            self._show_error(str(exc))
            return
        self.imported.emit(found)
        self.accept()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        set_tone(self.error, "error")
        self.error.show()


def launch_text(config: McpServerConfig, platform: str = sys.platform) -> str:
    """Everything the program is started with, as the user is shown it before it runs."""
    lines = [f"Program:   {config.command}"]
    lines += [f"Argument:  {arg}" for arg in config.args] or ["Arguments: none"]
    lines.append(f"Folder:    {config.cwd or '(Parley’s own)'}")
    lines += [f"Variable:  {name}={value}" for name, value in config.env]
    lines += [f"Variable:  {name}=(kept in the keyring)" for name in config.secret_env]
    inherited = INHERITED_ENV_WINDOWS if platform == "win32" else INHERITED_ENV_POSIX
    lines.append(f"From your session: {', '.join(inherited)}")
    return "\n".join(lines)


class McpLaunchDialog(QDialog):
    """Shows a local server's full command line and environment; OK starts it."""

    def __init__(self, config: McpServerConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Start {config.name}?")
        self.setMinimumWidth(560)
        self.config = config
        intro = QLabel(
            f"<b>{config.name}</b> is a program Parley would run on this computer, with your "
            "permissions. Start it only if you trust it. Parley runs it directly, with no "
            "shell; it asks again if the command changes."
        )
        intro.setWordWrap(True)
        self.details = _mono(QPlainTextEdit(launch_text(config)))
        self.details.setReadOnly(True)
        self.details.setMinimumHeight(120)
        buttons = _buttons(self, "Start it")
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)


class McpStderrDialog(QDialog):
    """What a server wrote on its stderr lately (secrets taken out), with Refresh and Copy."""

    def __init__(self, name: str, read: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{name}: stderr")
        self.resize(680, 420)
        self._read = read
        self.text = _mono(QPlainTextEdit())
        self.text.setReadOnly(True)
        self.text.setPlaceholderText("The server has written nothing on its stderr.")
        refresh = labelled_button("refresh", "Refresh", "Read the latest lines again")
        refresh.clicked.connect(self.refresh)
        copy = labelled_button("copy", "Copy", "Copy the text")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text.toPlainText()))
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        use_parley_icons(close)
        row = QHBoxLayout()
        row.addWidget(refresh)
        row.addWidget(copy)
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addLayout(row)
        self.refresh()

    def refresh(self) -> None:
        self.text.setPlainText(self._read())
        bar = self.text.verticalScrollBar()
        bar.setValue(bar.maximum())
