"""Settings: the dialog opened with the keys kept, its Test connection and Refresh models,
and the application of saved settings (keys to the keyring, the theme, the gateways whose
configuration changed rebuilt)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from desktop_app.app_base import AppBase, provider_config
from desktop_app.services.gateway import ProviderConfig
from desktop_app.services.provider_pool import config_for
from desktop_app.services.secrets import SecretError
from desktop_app.services.settings import Settings, SettingsError, save_settings

if TYPE_CHECKING:
    from desktop_app.core.mcp_config import McpServerConfig
    from desktop_app.core.providers import ProviderEntry
    from desktop_app.services.connection_check import ConnectionReport


class SettingsMixin(AppBase):
    """Opening Settings and applying what it saves."""

    def open_settings(self) -> None:
        from desktop_app.ui.settings_dialog import SettingsDialog

        consent = self.settings.plaintext_key_consent
        lookup = self.secrets.get_key(self.settings.provider, consent)
        with_keys = {
            entry.id
            for entry in self.settings.other_providers
            if self.secrets.get_key(entry.id, consent).found
        }
        dialog = SettingsDialog(
            self.settings,
            lookup,
            self.secrets.backend_status(),
            self.apply_settings,
            self.window,
            edit_prices=self._open_prices if self.spend is not None else None,
            test_connection=self.check_connection,
            refresh_models=self.refresh_models,
            other_keys=with_keys,
            mcp=(self._mcp_controls(), self.mcp_signals),
            tool_policy=self.tool_policy,
        )
        self.settings_dialog = dialog
        dialog.open()  # not exec(): the asyncio loop must keep running

    def open_tools_settings(self) -> None:
        """Settings at its Tools page (the Chat tab's "Manage servers…")."""
        self.open_settings()
        dialog = self.settings_dialog
        if dialog is not None and dialog.pages is not None and dialog.tools_page is not None:
            dialog.pages.setCurrentWidget(dialog.tools_page)

    def _make_mcp(self) -> None:
        """The MCP service over the saved servers (none runs yet), and its Qt signal."""
        from desktop_app.services.mcp_sessions import McpSessions
        from desktop_app.ui.mcp.mcp_controls import McpSignals

        self.mcp_signals = McpSignals()
        self.mcp = McpSessions(
            self.settings.mcp_servers,
            lambda key: self.secrets.get_secret(key, self.settings.plaintext_key_consent),
            self.mcp_signals.emit_changed,
        )

    def _mcp_controls(self) -> Any:
        from desktop_app.ui.mcp.mcp_controls import ServiceControls

        return ServiceControls(
            self.mcp,
            self.secrets,
            lambda: self.settings.plaintext_key_consent,
            self.save_mcp_servers,
        )

    def save_mcp_servers(self, servers: tuple[McpServerConfig, ...]) -> str | None:
        """Settings → Tools saves as it goes: the servers into the settings file. An error
        sentence, or None."""
        settings = replace(self.settings, mcp_servers=servers)
        try:
            save_settings(settings, self.paths.settings_file)
        except SettingsError as exc:
            return str(exc)
        except OSError as exc:
            from desktop_app.services.failure_text import failure_message

            return failure_message("Saving the settings", exc)
        self.settings = settings
        if self.assistants_tab is not None:
            self.assistants_tab.set_mcp_servers([s.name for s in servers])
        return None

    def _form_config(self, entry: ProviderEntry, new_key: str | None) -> ProviderConfig:
        """The provider a Settings form describes, with the key typed in it or else the one
        kept for that provider."""
        if new_key is None:
            new_key = self.secrets.get_key(entry.id, self.settings.plaintext_key_consent).key
        return config_for(entry, new_key, self.settings.request_timeout)

    async def check_connection(self, entry: ProviderEntry, new_key: str | None) -> ConnectionReport:
        """Settings' Test connection: the form's server asked for its models, nothing saved."""
        from desktop_app.services.connection_check import check_connection

        config = await asyncio.to_thread(self._form_config, entry, new_key)
        return await check_connection(config)

    async def refresh_models(self, entry: ProviderEntry, new_key: str | None) -> ConnectionReport:
        """Settings' Refresh models: the form's server's list read into the cache and its
        capabilities forgotten; when it is the server in use, the pickers and the probes
        follow at once."""
        from desktop_app.services.connection_check import ConnectionReport, refresh_models

        if self.store is None:
            return ConnectionReport(
                False, "Parley's data is not open, so a model list cannot be kept right now."
            )
        config = await asyncio.to_thread(self._form_config, entry, new_key)
        report = await refresh_models(self.store, config)
        in_use = self.chat is not None and self.chat.gateway.config.cache_key == config.cache_key
        if report.ok and self.chat_tab is not None:
            self.chat_tab.show_cached_models()  # another provider's models are listed there too
            if in_use:
                self.tasks.spawn(self.connect())
        return report

    def _open_prices(self) -> None:
        assert self.spend is not None
        self.spend.open_prices(self.settings_dialog)

    def apply_settings(
        self,
        settings: Settings,
        new_key: str | None,
        other_keys: Mapping[str, str] | None = None,
    ) -> str | None:
        """Save settings (and the keys, to the keyring: `new_key` the main provider's,
        `other_keys` the others' by id, "" deleting one); rebuild the gateways whose
        configuration changed. An error sentence, or None."""
        consent = settings.plaintext_key_consent
        keys = dict(other_keys or {})
        if new_key is not None:
            keys[settings.provider] = new_key
        try:
            for provider_id, key in keys.items():
                kept = self.secrets.get_key(provider_id, consent).source in ("keyring", "file")
                if key or kept:  # deleting a key that was never kept is nothing to do
                    self.secrets.set_key(provider_id, key, consent)
        except SecretError as exc:
            return str(exc)
        settings = replace(settings, first_run_done=True)
        try:
            save_settings(settings, self.paths.settings_file)
        except OSError as exc:
            from desktop_app.services.failure_text import failure_message

            return failure_message("Saving the settings", exc)
        from desktop_app.ui.theme import apply_theme

        self.settings = settings
        apply_theme(self.qt_app, settings.theme)
        if self.chat_tab is not None:
            self.chat_tab.show_sentiment(settings.show_sentiment)
        if self.history_tab is not None:
            self.history_tab.show_sentiment(settings.show_sentiment)
        if self.spend is not None:  # a lower budget may already be reached
            self.tasks.spawn(self.spend.check_budget())
        if self.chat is not None:
            from desktop_app.services.gateway import Gateway
            from desktop_app.services.wire_api import forget_wire_api

            self.chat.wire_api = settings.wire_api
            for session in self.others.sessions if self.others is not None else []:
                session.wire_api = settings.wire_api
            rekeyed = set(keys) - {settings.provider}
            for released in self.pool.configure(
                settings.other_providers, settings.request_timeout, rekeyed
            ):
                self._close_later(released)
            if self.chat_tab is not None:
                self.chat_tab.show_cached_models()
            self.tasks.spawn(self.refresh_other_models())
            old = self.chat.gateway
            config = provider_config(settings, self._lookup_key())
            if config != old.config:  # else the connection (and any reply on it) goes on
                gateway = Gateway(config)
                self.chat.gateway = self.catalog.gateway = self.remote.gateway = gateway
                self.fine_tuning.gateway = gateway
                self._close_later(old)
            if config.cache_key != old.config.cache_key and self.chat_tab is not None:
                self.chat_tab.switch_provider(settings.default_model)
            if self.store is not None:  # the server may have changed: ask it again
                forget_wire_api(self.store, config.cache_key)
            self._after_gateway_change()
        return None
