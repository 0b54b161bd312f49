"""Add or change one of the other providers: its kind, a name, its address, its key, and
*Test connection* / *Refresh models* with what is typed, before anything is saved.

Opened with `open()`, never `exec()`. Gives back the entry and the key typed (None: keep the
one kept) through `provider_chosen`; the Settings dialog saves them with the rest.

Signals:
    provider_chosen(object, object): the ProviderEntry and the new key (str) or None.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from desktop_app.core.providers import PRESETS, ProviderEntry, new_provider_id
from desktop_app.services.settings import SettingsError, check_provider
from desktop_app.ui.connection_row import AskServer, ConnectionRow
from desktop_app.ui.provider_form import key_field, lay_out_form_dialog, preset_picker
from desktop_app.ui.theme import set_tone


class ProviderDialog(QDialog):
    provider_chosen = Signal(object, object)

    def __init__(
        self,
        taken: set[str],
        test_connection: AskServer,
        refresh_models: AskServer,
        entry: ProviderEntry | None = None,
        has_key: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """`taken`: the ids of the other configured providers; `entry`: the one to change
        (None: a new one)."""
        super().__init__(parent)
        self.setWindowTitle("Change provider" if entry else "Add a provider")
        self.setMinimumWidth(460)
        self._taken = set(taken)
        self._entry = entry
        self.kind = preset_picker(entry.kind if entry is not None else None)
        if entry is not None:
            self.kind.setEnabled(False)  # another kind is another provider: add that instead
        self.name = QLineEdit(entry.name if entry else "")
        self.base_url = QLineEdit(entry.base_url if entry else "")
        self.azure_version = QLineEdit(entry.azure_api_version if entry else "2024-10-21")
        self.api_key = key_field("unchanged" if has_key else "paste its API key, if any")
        self.connection = ConnectionRow(
            self._values, test_connection, refresh_models, self._show_problem
        )
        self.error = QLabel()
        self.error.setWordWrap(True)
        set_tone(self.error, "error")
        self.error.hide()
        form = QFormLayout()
        form.addRow("Kind:", self.kind)
        form.addRow("Name:", self.name)
        form.addRow("Base URL:", self.base_url)
        form.addRow("Azure API version:", self.azure_version)
        form.addRow("API key:", self.api_key)
        form.addRow("", self.connection)
        self._form = form
        lay_out_form_dialog(self, form, self.error, self._on_ok)
        self.kind.currentIndexChanged.connect(self._on_kind_changed)
        self._on_kind_changed()

    def _on_kind_changed(self) -> None:
        preset = PRESETS[self.kind.currentData()]
        is_azure = preset.key == "azure"
        self._form.setRowVisible(self.azure_version, is_azure)
        self.name.setPlaceholderText(preset.label)
        if is_azure:
            where = "https://YOUR-RESOURCE.openai.azure.com"
        elif preset.key == "openai":
            where = "https://api.openai.com/v1"
        else:
            where = preset.base_url or "https://your-server.example/v1"
        self.base_url.setPlaceholderText(where)

    def chosen(self) -> ProviderEntry:
        kind = self.kind.currentData()
        pid = self._entry.id if self._entry else new_provider_id(kind, self._taken)
        return ProviderEntry(
            pid,
            kind,
            self.base_url.text().strip(),
            self.azure_version.text().strip(),
            self.name.text().strip(),
        )

    def _values(self) -> tuple[ProviderEntry, str | None]:
        """The provider as typed (SettingsError if it cannot be used) and the key typed."""
        self.error.hide()
        entry = self.chosen()
        check_provider(entry, self._taken)
        return entry, self.api_key.text().strip() or None

    def _show_problem(self, exc: SettingsError) -> None:
        text = str(exc).removeprefix("other providers: ")
        self.error.setText(text[:1].upper() + text[1:] + ".")
        self.error.show()

    def done(self, result: int) -> None:
        self.connection.cancel()
        super().done(result)

    def _on_ok(self) -> None:
        try:
            entry, key = self._values()
        except SettingsError as exc:
            self._show_problem(exc)
            return
        self.provider_chosen.emit(entry, key)
        self.accept()
