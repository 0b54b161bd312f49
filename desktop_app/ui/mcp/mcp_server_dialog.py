"""Add or change one MCP server: a local program (command, arguments one per line, folder,
environment as NAME=value lines) or a remote one (address, headers as `Name: value` lines).

A value whose name looks secret (key, token, secret, password, Authorization) goes to the
keyring, not the settings; when changing a server, such a value shows as KEPT and stays as it
is unless replaced. A remote server can also be one OpenAI connects to itself (the Responses
API's hosted MCP tool), when the user ticks it. Opened with `open()`, never `exec()`.

Signals:
    server_chosen(McpServerConfig, dict): accepted — the server, and the secret values typed
        (keyring id → value; "" for one removed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from desktop_app.core.mcp_config import (
    HTTP,
    STDIO,
    TRANSPORT_LABELS,
    McpConfigError,
    McpServerConfig,
    looks_secret,
    secret_id,
)
from desktop_app.ui.provider_form import lay_out_form_dialog
from desktop_app.ui.theme import set_tone

KEPT = "••••••••"  # stands for a secret value already in the keyring


def _lines_box(placeholder: str, text: str = "") -> QPlainTextEdit:
    box = QPlainTextEdit(text)
    box.setPlaceholderText(placeholder)
    box.setTabChangesFocus(True)
    box.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    box.setMaximumHeight(96)
    return box


class McpServerDialog(QDialog):
    server_chosen = Signal(object, object)

    def __init__(
        self,
        taken: Iterable[str],
        server: McpServerConfig | None = None,
        has_secret: Callable[[str], bool] = lambda _key: False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._taken = {n.casefold() for n in taken}
        self._old = server
        self.setWindowTitle("Change MCP server" if server else "Add MCP server")
        self.setMinimumWidth(520)
        start = server or McpServerConfig("")
        self.name = QLineEdit(start.name)
        self.name.setPlaceholderText("e.g. files")
        self.name.setReadOnly(server is not None)
        self.kind = QComboBox()
        for transport, label in TRANSPORT_LABELS.items():
            self.kind.addItem(label, transport)
        self.kind.setCurrentIndex(self.kind.findData(start.transport))
        self.kind.currentIndexChanged.connect(self._on_kind_changed)
        self.command = QLineEdit(start.command)
        self.command.setPlaceholderText("the program, e.g. npx or /usr/local/bin/my-server")
        self.args = _lines_box("one argument per line", "\n".join(start.args))
        self.cwd = QLineEdit(start.cwd)
        self.cwd.setPlaceholderText("optional: the folder to start it in")

        def kept(kind: str, names: Iterable[str]) -> list[str]:
            return [n for n in names if has_secret(secret_id(start.name, kind, n))]

        env = [f"{n}={v}" for n, v in start.env]
        env += [f"{n}={KEPT}" for n in kept("env", start.secret_env)]
        self.env = _lines_box("NAME=value, one per line", "\n".join(env))
        self.url = QLineEdit(start.url)
        self.url.setPlaceholderText("https://example.com/mcp")
        headers = [f"{n}: {v}" for n, v in start.headers]
        headers += [f"{n}: {KEPT}" for n in kept("header", start.secret_headers)]
        self.headers = _lines_box("Name: value, one per line", "\n".join(headers))
        self.secret_note = QLabel(
            "Values whose names say key, token, secret or password (and Authorization "
            f"headers) are kept in the keyring, not in the settings; {KEPT} keeps the one kept."
        )
        self.secret_note.setWordWrap(True)
        set_tone(self.secret_note, "muted")
        self.hosted = QCheckBox("Let OpenAI connect to it directly")
        self.hosted.setChecked(start.hosted and start.transport == HTTP)
        self.hosted_note = QLabel(
            "On OpenAI's Responses API, OpenAI's servers call this server themselves (it must "
            "be reachable from the internet; they see its address and headers). Elsewhere "
            "Parley calls it, as for any server."
        )
        self.hosted_note.setWordWrap(True)
        set_tone(self.hosted_note, "muted")
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.hide()
        form = QFormLayout()
        form.addRow("Name:", self.name)
        form.addRow("Kind:", self.kind)
        form.addRow("Command:", self.command)
        form.addRow("Arguments:", self.args)
        form.addRow("Folder:", self.cwd)
        form.addRow("Environment:", self.env)
        form.addRow("Address:", self.url)
        form.addRow("Headers:", self.headers)
        form.addRow("", self.secret_note)
        form.addRow("", self.hosted)
        form.addRow("", self.hosted_note)
        self._form = form
        lay_out_form_dialog(self, form, self.error, self._on_ok)
        self._on_kind_changed()

    def _on_kind_changed(self) -> None:
        stdio = self.kind.currentData() == STDIO
        for widget in (self.command, self.args, self.cwd, self.env):
            self._form.setRowVisible(widget, stdio)
        remote: tuple[QWidget, ...] = (self.url, self.headers, self.hosted, self.hosted_note)
        for row in remote:
            self._form.setRowVisible(row, not stdio)

    def chosen(self) -> tuple[McpServerConfig, dict[str, str]]:
        """The server the form describes and the secret values typed (McpConfigError for one
        that cannot be used)."""
        name = self.name.text().strip()
        if self._old is None and name.casefold() in self._taken:
            raise McpConfigError(f"A server named {name!r} is already configured.")
        base = self._old or McpServerConfig(name)
        secrets: dict[str, str] = {}
        if self.kind.currentData() == STDIO:
            plain, hidden = self._pairs(name, "env", self.env.toPlainText(), "=", secrets)
            args = tuple(a for a in self.args.toPlainText().split("\n") if a.strip())
            config = replace(
                base,
                transport=STDIO,
                command=self.command.text().strip(),
                args=args,
                cwd=self.cwd.text().strip(),
                env=plain,
                secret_env=hidden,
                url="",
                headers=(),
                secret_headers=(),
                hosted=False,
            )
        else:
            plain, hidden = self._pairs(name, "header", self.headers.toPlainText(), ":", secrets)
            config = replace(
                base,
                transport=HTTP,
                url=self.url.text().strip(),
                headers=plain,
                secret_headers=hidden,
                hosted=self.hosted.isChecked(),
                command="",
                args=(),
                cwd="",
                env=(),
                secret_env=(),
            )
        for kind, names in (("env", base.secret_env), ("header", base.secret_headers)):
            gone = set(names) - set(config.secret_env if kind == "env" else config.secret_headers)
            secrets.update({secret_id(name, kind, n): "" for n in gone})
        return config.validated(), secrets

    def _pairs(
        self, server: str, kind: str, text: str, sign: str, secrets: dict[str, str]
    ) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
        what = "environment" if kind == "env" else "headers"
        plain: list[tuple[str, str]] = []
        hidden: list[str] = []
        for number, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            if sign not in line:
                raise McpConfigError(f"Line {number} of the {what} has no {sign!r}.")
            key, value = (part.strip() for part in line.split(sign, 1))
            if not key:
                raise McpConfigError(f"Line {number} of the {what} has no name.")
            if value == KEPT:
                hidden.append(key)
            elif looks_secret(key, value):
                hidden.append(key)
                secrets[secret_id(server, kind, key)] = value
            else:
                plain.append((key, value))
        return tuple(plain), tuple(hidden)

    def _on_ok(self) -> None:
        try:
            config, secrets = self.chosen()
        except McpConfigError as exc:
            self.error.setText(str(exc))
            set_tone(self.error, "error")
            self.error.show()
            return
        self.server_chosen.emit(config, secrets)
        self.accept()
