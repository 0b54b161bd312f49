"""The other providers as the Chat tab sees them: their models, grouped under their names, and
a chat session for each (made on first use, through the pool's gateway).

The main provider is the app's own session and catalog; this holds the rest. Each provider's
model list is the cache in the store (filled by Settings' Refresh models, or by `refresh`
in the background at start-up), so the picker fills at once, offline too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop_app.services.chat_session import ChatSession
from desktop_app.services.gateway import Gateway
from desktop_app.services.gateway_errors import GatewayError
from desktop_app.services.model_catalog import ModelCatalog, is_chat_model
from desktop_app.services.provider_pool import ProviderPool, config_for

if TYPE_CHECKING:
    from desktop_app.services.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelGroup:
    """One provider's models, as the picker lists them under its name."""

    provider_id: str
    label: str
    models: tuple[str, ...]


class ProviderSessions:
    def __init__(
        self,
        store: Store,
        pool: ProviderPool,
        make_session: Callable[[Gateway, str], ChatSession],
    ) -> None:
        """`make_session(gateway, provider_id)` builds a session like the main one."""
        self.store = store
        self.pool = pool
        self._make_session = make_session
        self._sessions: dict[str, ChatSession] = {}

    def _cache_key(self, provider_id: str) -> str:
        entry = self.pool.entry(provider_id)
        assert entry is not None
        return config_for(entry, "", 0.0).cache_key  # the key is not part of it

    def groups(self) -> list[ModelGroup]:
        """Every other provider with the models last listed for it (none yet: an empty
        group, which the picker leaves out)."""
        found = []
        for entry in self.pool.entries:
            models = self.store.cached_models(self._cache_key(entry.id))
            found.append(
                ModelGroup(entry.id, entry.label, tuple(m for m in models if is_chat_model(m)))
            )
        return found

    async def session(self, provider_id: str) -> ChatSession:
        """The session that sends through this provider (UnknownProvider if not listed)."""
        gateway = await self.pool.gateway(provider_id)
        session = self._sessions.get(provider_id)
        if session is None or session.gateway is not gateway:  # new, or its settings changed
            session = self._sessions[provider_id] = self._make_session(gateway, provider_id)
        return session

    @property
    def sessions(self) -> list[ChatSession]:
        return list(self._sessions.values())

    async def refresh(self) -> None:
        """Read every other provider's model list into the cache; one that fails keeps the
        list it had (its reason is in the log; Settings' Test connection shows it)."""

        async def one(provider_id: str) -> None:
            try:
                gateway = await self.pool.gateway(provider_id)
                if gateway.config.has_key:
                    await ModelCatalog(self.store, gateway).refresh()
            except GatewayError as error:
                log.info("models of %s not refreshed: %s", provider_id, error.message)

        await asyncio.gather(*(one(entry.id) for entry in self.pool.entries))
