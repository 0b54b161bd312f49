"""The connection to the main provider: what follows a change of gateway, the model lists
and capability probes, the tools' availability, and the offer of a server found on this
computer when no key is set."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from desktop_app.app_base import AppBase

if TYPE_CHECKING:
    from desktop_app.services.discovery import FoundServer


class ConnectionMixin(AppBase):
    """Connecting to the provider in use, and probing what it can do."""

    def _update_tools_availability(self) -> None:
        """Server-run tools need the Responses API: say in the editor when they cannot work."""
        from desktop_app.core.wire_apis import CHAT_COMPLETIONS
        from desktop_app.services.wire_api import choose_wire_api

        if self.assistants_tab is None or self.store is None or self.chat is None:
            return
        config = self.chat.gateway.config
        if self.settings.wire_api == CHAT_COMPLETIONS:
            self.assistants_tab.set_tools_available(
                False, "Tools need the Responses API; Settings says to use chat completions."
            )
        elif choose_wire_api(self.store, self.settings.wire_api, config) == CHAT_COMPLETIONS:
            self.assistants_tab.set_tools_available(
                False,
                "This server has no Responses API, so tools are not available; assistants "
                "work without them.",
            )
        else:
            self.assistants_tab.set_tools_available(True)

    def _after_gateway_change(self) -> None:
        assert self.chat is not None
        config = self.chat.gateway.config
        self.window.set_provider(config.label)
        self._update_tools_availability()
        self.training_tab.refresh_provider()
        if config.has_key:
            self.chat_tab.banner.clear()
            self.window.set_connection("checking")
            self.training_tab.set_capabilities(None)
            self.tasks.spawn(self.connect())
        else:
            self.window.set_connection("no key")
            self.training_tab.set_capabilities(
                None,
                "No API key is set, so jobs cannot be started; datasets can still be built, "
                "validated and saved.",
            )
            self.chat_tab.show_setup_hint()
            if not self.settings.first_run_done:
                self.tasks.spawn(self.offer_local_server())

    async def connect(self, again: bool = False) -> None:
        """Fill the model picker from the server and learn what the provider can do (from
        the cache unless it has expired or `again` says to ask anew)."""
        from desktop_app.services import capabilities as probes

        assert self.chat is not None and self.store is not None
        await self.chat_tab.refresh_models()
        await self.images_tab.refresh_models()
        gateway = self.chat.gateway
        config = gateway.config
        if again:
            probes.forget(self.store, config)
        cached = probes.cached(self.store, config, time.time())
        if cached is None:
            found = await probes.probe(gateway)
            if gateway is not self.chat.gateway:  # the server changed meanwhile
                return
            probes.remember(self.store, config, found)
            if not found.answered:
                self.training_tab.set_capabilities(
                    None, "Could not reach the server to ask whether it offers fine-tuning."
                )
                return
            cached = found.to_dict()
            self._update_tools_availability()
        self.window.set_capabilities(cached)
        self.training_tab.set_capabilities(cached)
        self.training_tab.set_models(self.catalog.cached())

    async def offer_local_server(self) -> None:
        from desktop_app.services.discovery import discover_local

        found = await discover_local(self._discovery_candidates)
        if not found or self.chat_tab is None:
            return
        server = found[0]
        count = len(server.models)
        listed = f"{count} model{'s' if count != 1 else ''}" if count else "no model list"
        self.chat_tab.show_notice(
            f"No API key is set, but {server.label} is running on this computer "
            f"({server.base_url}, {listed}). Use it?",
            "info",
            f"Use {server.label}",
            lambda: self.use_local_server(server),
        )

    def use_local_server(self, server: FoundServer) -> None:
        # No list (a server without /v1/models): no model either, rather than the last
        # provider's, which this one would refuse or, ignoring names, be priced as.
        model = server.models[0] if server.models else ""
        settings = replace(
            self.settings,
            provider=server.provider,
            base_url=server.base_url,
            default_model=model,
            first_run_done=True,
        )
        problem = self.apply_settings(settings, None)
        if problem:
            self.chat_tab.show_notice(problem)
