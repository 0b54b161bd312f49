"""Settings: provider, key, wire API, default model, timeout, theme, marks, monthly budget.

The dialog does no I/O itself: it is given the current settings, where the key comes from and
whether a keyring works, and an `apply` callback that saves and answers with an error sentence
(or None); "Prices…" calls `edit_prices` (the app opens the price editor); *Test connection*
and *Refresh models* call `test_connection` and `refresh_models` with the form's values (see
connection_row.py). Opened with
`open()`, never `exec()`, so the asyncio loop keeps running.

Signals:
    applied(): the settings were saved and the dialog closed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QToolButton,
    QWidget,
)

from desktop_app.core.providers import PRESETS, ProviderEntry
from desktop_app.core.tool_policy import ToolPolicy
from desktop_app.core.wire_apis import WIRE_API_LABELS
from desktop_app.services.secrets import BackendStatus, KeyLookup
from desktop_app.services.settings import (
    MAX_BACKUPS,
    MAX_BUDGET,
    MAX_TIMEOUT,
    MIN_BACKUPS,
    MIN_TIMEOUT,
    THEMES,
    Settings,
    SettingsError,
)
from desktop_app.ui.connection_row import AskServer, ConnectionRow
from desktop_app.ui.icons import icon, set_icon
from desktop_app.ui.mcp.mcp_controls import McpControls, McpSignals
from desktop_app.ui.mcp.mcp_page import McpPage
from desktop_app.ui.provider_form import key_field, lay_out_form_dialog, preset_picker
from desktop_app.ui.provider_list import ProviderList
from desktop_app.ui.theme import theme_colors

THEME_LABELS = {"system": "Follow the system", "light": "Light", "dark": "Dark"}

SOURCE_TEXT = {
    "keyring": "The current key is in the system keyring.",
    "environment": "The current key comes from OPENAI_API_KEY in the environment.",
    "file": "The current key is in a plain file readable only by you.",
    "none": "No key is set.",
}

# apply(settings, new_key_or_None, other_keys) → an error sentence, or None when saved.
# other_keys: the keys typed for other providers, by id ("" for a removed one: delete it).
ApplySettings = Callable[[Settings, str | None, Mapping[str, str]], str | None]


class SettingsDialog(QDialog):
    applied = Signal()

    def __init__(
        self,
        settings: Settings,
        key: KeyLookup,
        backend: BackendStatus,
        apply: ApplySettings,
        parent: QWidget | None = None,
        edit_prices: Callable[[], None] | None = None,
        test_connection: AskServer | None = None,
        refresh_models: AskServer | None = None,
        other_keys: set[str] | None = None,
        mcp: tuple[McpControls, McpSignals] | None = None,
        tool_policy: ToolPolicy | None = None,
    ) -> None:
        """`other_keys`: the ids of the other providers that have a key kept; `mcp`: the
        MCP servers' controls, for the Tools page (none without them); `tool_policy`: the
        "always allow" choices it lists to be revoked."""
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(520)
        self._settings = settings
        self._apply = apply

        self.provider = preset_picker(settings.provider)
        self.provider.currentIndexChanged.connect(self._on_provider_changed)
        self.base_url = QLineEdit(settings.base_url)
        self.azure_version = QLineEdit(settings.azure_api_version)
        self.api_key = key_field("unchanged" if key.found else "paste your API key")
        reveal = QToolButton()
        set_icon(reveal, "eye")
        reveal.setToolTip("Show the key as you type it")
        reveal.setAccessibleName("Show the key")
        reveal.setCheckable(True)
        reveal.setAutoRaise(True)
        reveal.toggled.connect(
            lambda on: self.api_key.setEchoMode(
                QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
            )
        )
        key_row = QHBoxLayout()
        key_row.addWidget(self.api_key, 1)
        key_row.addWidget(reveal)
        self.key_status = QLabel(f"{backend.description} {SOURCE_TEXT[key.source]}")
        self.key_status.setWordWrap(True)
        self.plaintext_consent = QCheckBox(
            "Keep the key in a plain file in Parley's config folder (readable only by you)"
        )
        self.plaintext_consent.setChecked(settings.plaintext_key_consent)
        self.plaintext_consent.setVisible(not backend.available)
        if not backend.available:
            self.key_status.setText(
                f"{backend.description} Parley uses OPENAI_API_KEY from the environment, or "
                f"— only if you tick the box below — a plain file. {SOURCE_TEXT[key.source]}"
            )
        self.wire_api = QComboBox()
        for wire_api, label in WIRE_API_LABELS.items():
            self.wire_api.addItem(label, wire_api)
        self.wire_api.setCurrentIndex(max(0, self.wire_api.findData(settings.wire_api)))
        self.wire_api.setToolTip(
            "Automatic: assistants use the Responses API where the server has it (a server "
            "without it is remembered) and chat completions elsewhere; plain chats use chat "
            "completions. Responses API: every chat goes through it."
        )
        self.default_model = QLineEdit(settings.default_model)
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(MIN_TIMEOUT, MAX_TIMEOUT)
        self.timeout.setSuffix(" s")
        self.timeout.setValue(settings.request_timeout)
        self.theme = QComboBox()
        for theme in THEMES:
            self.theme.addItem(THEME_LABELS[theme], theme)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        self.show_sentiment = QCheckBox("Show sentiment marks")
        self.show_sentiment.setToolTip(
            "A mark beside each message in the chat saying whether its tone is positive, "
            "negative or neutral"
        )
        self.show_sentiment.setChecked(settings.show_sentiment)
        self.budget = QDoubleSpinBox()
        self.budget.setRange(0.0, MAX_BUDGET)
        self.budget.setDecimals(2)
        self.budget.setPrefix("$")
        self.budget.setSpecialValueText("none")
        self.budget.setValue(settings.monthly_budget)
        self.budget.setToolTip(
            "A notice when this month's spend passes 80% and 100% of it; replies are never "
            "blocked. Costs come from the price table (Prices…)."
        )
        self.prices_button = QPushButton("Prices…")
        set_icon(self.prices_button, "edit")
        self.prices_button.setToolTip("Edit the price per million tokens of each model")
        self.prices_button.setVisible(edit_prices is not None)
        if edit_prices is not None:
            self.prices_button.clicked.connect(edit_prices)
        self.backups_kept = QSpinBox()
        self.backups_kept.setRange(MIN_BACKUPS, MAX_BACKUPS)
        self.backups_kept.setValue(settings.backups_kept)
        self.backups_kept.setToolTip(
            "Parley backs its data up once a day and before every upgrade, in the backups "
            "folder of its data folder; File → Restore from backup… brings one back. The "
            "oldest beyond this number are removed."
        )
        budget_row = QHBoxLayout()
        budget_row.addWidget(self.budget, 1)
        budget_row.addWidget(self.prices_button)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.hide()

        form = QFormLayout()
        form.addRow("Provider:", self.provider)
        form.addRow("Base URL:", self.base_url)
        form.addRow("Azure API version:", self.azure_version)
        form.addRow("API key:", key_row)
        form.addRow("", self.key_status)
        form.addRow("", self.plaintext_consent)
        self.connection: ConnectionRow | None = None
        self.providers: ProviderList | None = None
        if test_connection is not None and refresh_models is not None:
            self.connection = ConnectionRow(
                self._main_provider, test_connection, refresh_models, self._mark_invalid
            )
            form.addRow("", self.connection)
            self.providers = ProviderList(
                settings.other_providers,
                lambda: str(self.provider.currentData()),
                other_keys or set(),
                test_connection,
                refresh_models,
            )
            self.providers.setToolTip(
                "Providers beside the one above; their models are offered in the Chat tab's "
                "picker under their names, and each keeps its own key."
            )
            form.addRow("Other providers:", self.providers)
        form.addRow("Wire API:", self.wire_api)
        form.addRow("Default model:", self.default_model)
        form.addRow("Request timeout:", self.timeout)
        form.addRow("Theme:", self.theme)
        form.addRow("", self.show_sentiment)
        form.addRow("Monthly budget:", budget_row)
        form.addRow("Backups kept:", self.backups_kept)
        self._form = form
        self._fields: dict[str, QWidget] = {
            "provider": self.provider,
            "base_url": self.base_url,
            "request_timeout": self.timeout,
            "theme": self.theme,
            "wire_api": self.wire_api,
            "monthly_budget": self.budget,
            "backups_kept": self.backups_kept,
        }
        if self.providers is not None:
            self._fields["other_providers"] = self.providers.list
        self.tools_page: McpPage | None = None
        self.pages: QTabWidget | None = None
        if mcp is None:
            lay_out_form_dialog(self, form, self.error, self._on_ok)
        else:
            general = QWidget()
            general.setLayout(form)
            self.tools_page = McpPage(*mcp, policy=tool_policy)
            self.pages = QTabWidget()
            self.pages.addTab(general, "General")
            self.pages.addTab(self.tools_page, "Tools")
            self.pages.setTabIcon(1, icon("tool"))
            lay_out_form_dialog(self, self.pages, self.error, self._on_ok)
        self._on_provider_changed()

    def _on_provider_changed(self) -> None:
        preset = PRESETS[self.provider.currentData()]
        self.base_url.setPlaceholderText(preset.base_url or "https://api.openai.com/v1")
        is_azure = preset.key == "azure"
        self._form.setRowVisible(self.azure_version, is_azure)
        if is_azure:
            self.base_url.setPlaceholderText("https://YOUR-RESOURCE.openai.azure.com")
        if preset.default_model and not self.default_model.text():
            self.default_model.setText(preset.default_model)

    def chosen(self) -> Settings:
        return replace(
            self._settings,
            provider=self.provider.currentData(),
            base_url=self.base_url.text().strip(),
            azure_api_version=self.azure_version.text().strip(),
            default_model=self.default_model.text().strip(),
            request_timeout=float(self.timeout.value()),
            theme=self.theme.currentData(),
            show_sentiment=self.show_sentiment.isChecked(),
            wire_api=self.wire_api.currentData(),
            monthly_budget=float(self.budget.value()),
            backups_kept=int(self.backups_kept.value()),
            plaintext_key_consent=self.plaintext_consent.isChecked(),
            other_providers=(
                self.providers.entries
                if self.providers is not None
                else self._settings.other_providers
            ),
            # The Tools page saves as it goes: what it has is what is saved.
            mcp_servers=(
                self.tools_page.servers
                if self.tools_page is not None
                else self._settings.mcp_servers
            ),
        )

    def _form_values(self) -> tuple[Settings, str | None]:
        """The settings as the form has them (SettingsError for one that cannot be used), and
        the key typed in it, if any."""
        self._clear_marks()
        return self.chosen().validated(), self.api_key.text().strip() or None

    def _main_provider(self) -> tuple[ProviderEntry, str | None]:
        settings, key = self._form_values()
        return settings.main_provider, key

    def _clear_marks(self) -> None:
        for widget in self._fields.values():
            widget.setStyleSheet("")
        self.error.hide()

    def _mark_invalid(self, exc: SettingsError) -> None:
        field = self._fields.get(exc.field)
        if field is not None:
            field.setStyleSheet(f"border: 1px solid {theme_colors().error.name()}")
            field.setFocus()
        text = str(exc).replace("base url", "Base URL")
        self._show_error(text[:1].upper() + text[1:])

    def done(self, result: int) -> None:
        """Closed (OK, Cancel, Esc): a connection test still out is dropped."""
        if self.connection is not None:
            self.connection.cancel()
        if self.tools_page is not None:
            self.tools_page.tasks.cancel_all()
        super().done(result)

    def _on_ok(self) -> None:
        try:
            settings, new_key = self._form_values()
        except SettingsError as exc:
            self._mark_invalid(exc)
            return
        other_keys = self.providers.new_keys if self.providers is not None else {}
        problem = self._apply(settings, new_key, other_keys)
        if problem:
            self._show_error(problem)
            return
        self.applied.emit()
        self.accept()

    def _show_error(self, text: str) -> None:
        palette = self.error.palette()
        palette.setColor(QPalette.ColorRole.WindowText, theme_colors().error)
        self.error.setPalette(palette)
        self.error.setText(text)
        self.error.show()
