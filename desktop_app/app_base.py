"""What every part of the running application shares: its attributes (made in
`Parley.__init__` and at start-up), the main provider's configuration, the key look-ups, the
window links and notices, and the closing of replaced clients once they are idle.

The parts (`app_tabs`, `app_connection`, `app_settings`) are mixins on this base; the methods
one part calls in another are declared here and defined there."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from desktop_app.services.gateway import ProviderConfig
from desktop_app.services.paths import AppPaths
from desktop_app.services.provider_pool import ProviderPool, config_for
from desktop_app.services.secrets import SecretStore
from desktop_app.services.settings import Settings

if TYPE_CHECKING:
    from desktop_app.core.tool_policy import ToolPolicy
    from desktop_app.services.assistant_remote import AssistantRemote
    from desktop_app.services.chat_session import ChatSession
    from desktop_app.services.fine_tuning import FineTuningService
    from desktop_app.services.mcp_sessions import McpSessions
    from desktop_app.services.model_catalog import ModelCatalog
    from desktop_app.services.price_book import PriceBook
    from desktop_app.services.provider_sessions import ProviderSessions
    from desktop_app.services.spend_ledger import SpendLedger
    from desktop_app.services.store import Store
    from desktop_app.ui.data_care import DataCare
    from desktop_app.ui.usage.spend_controls import SpendControls

log = logging.getLogger("desktop_app")


def provider_config(settings: Settings, api_key: str) -> ProviderConfig:
    """The main provider's configuration."""
    return config_for(settings.main_provider, api_key, settings.request_timeout)


class AppBase:
    """The application's state, and the small helpers every part of it uses."""

    qt_app: Any
    paths: AppPaths
    today: Callable[[], date]
    now: Callable[[], datetime]
    settings: Settings
    secrets: SecretStore
    pool: ProviderPool
    others: ProviderSessions | None
    _discovery_candidates: Any
    tasks: Any
    _closing: set[asyncio.Task[None]]
    window: Any
    closed: asyncio.Event
    first_frame: asyncio.Event
    first_frame_time: float
    _data_care: DataCare | None
    _window_links: list[tuple[Any, Any]]
    store: Store | None
    chat: ChatSession | None
    chat_tab: Any
    images_tab: Any
    assistants_tab: Any
    history_tab: Any
    history_store: Any
    sidebar_store: Any
    training_tab: Any
    usage_tab: Any
    prices: PriceBook | None
    ledger: SpendLedger | None
    spend: SpendControls | None
    ready: asyncio.Event
    catalog: ModelCatalog
    remote: AssistantRemote
    fine_tuning: FineTuningService
    settings_dialog: Any
    mcp: McpSessions
    mcp_signals: Any
    tool_policy: ToolPolicy  # the "always allow" choices: in the database once it is open

    # --- declared here, defined in the parts -----------------------------------------------

    async def start(self) -> None:
        raise NotImplementedError  # app_tabs

    async def _close_data(self) -> None:
        raise NotImplementedError  # app.Parley

    async def refresh_other_models(self) -> None:
        raise NotImplementedError  # app_tabs

    def _update_tools_availability(self) -> None:
        raise NotImplementedError  # app_connection

    def _after_gateway_change(self) -> None:
        raise NotImplementedError  # app_connection

    async def connect(self, again: bool = False) -> None:
        raise NotImplementedError  # app_connection

    def open_settings(self) -> None:
        raise NotImplementedError  # app_settings

    def open_tools_settings(self) -> None:
        raise NotImplementedError  # app_settings

    def apply_settings(
        self,
        settings: Settings,
        new_key: str | None,
        other_keys: Any = None,
    ) -> str | None:
        raise NotImplementedError  # app_settings

    # --- shared helpers ------------------------------------------------------------------

    def _link(self, signal: Any, slot: Callable[..., Any]) -> None:
        signal.connect(slot)
        self._window_links.append((signal, slot))

    def _notify(self, text: str, level: str) -> None:
        """A sentence for the user, in the Chat tab's banner (the status bar before it)."""
        if self.chat_tab is not None:
            self.chat_tab.show_notice(text, level)
        elif self.history_tab is not None:
            self.history_tab.show_notice(text, level)
        else:
            self.window.statusBar().showMessage(text, 30_000)

    def secrets_in_use(self) -> list[str]:
        """The API keys (and MCP servers' secrets) the app holds right now (crash reports
        redact them)."""
        held = self.mcp.secrets_in_use()
        if self.chat is None:
            return held
        return [
            self.chat.gateway.config.api_key,
            *(g.config.api_key for g in self.pool.gateways),
            *held,
        ]

    def _key_for(self, provider_id: str) -> str:
        return self.secrets.get_key(provider_id, self.settings.plaintext_key_consent).key

    def _lookup_key(self) -> str:
        return self.secrets.get_key(self.settings.provider, self.settings.plaintext_key_consent).key

    def _busy(self) -> bool:
        return bool(
            (self.chat_tab is not None and self.chat_tab.busy)
            or getattr(self.images_tab, "busy", False)
        )

    def _close_later(self, old: Any) -> None:
        closing = asyncio.ensure_future(self._close_when_idle(old))
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)

    async def _close_when_idle(self, old: Any) -> None:
        """Close a replaced client once nothing streams through it: a reply or a batch that
        started before the change finishes on the server it started with."""
        while self._busy():
            await asyncio.sleep(0.5)
        await old.aclose()
