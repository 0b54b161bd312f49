"""Which wire API a turn goes out on: the Responses API or chat completions.

The provider setting says "responses", "chat_completions" or "auto". Auto uses what the
capability probe found (cached per provider); when that is not known yet it tries Responses,
and a server that answers "no such endpoint" is remembered (a flag in the store, per provider),
so it is asked once, not on every message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop_app.core.wire_apis import CHAT_COMPLETIONS, RESPONSES
from desktop_app.services.capabilities import NO, cache_key
from desktop_app.services.store import Store

if TYPE_CHECKING:
    from desktop_app.services.gateway import ProviderConfig


def _flag(cache_key: str) -> str:
    return f"responses_missing:{cache_key}"


def choose_wire_api(store: Store, setting: str, config: ProviderConfig) -> str:
    if setting in (RESPONSES, CHAT_COMPLETIONS):
        return setting
    if store.get_flag(_flag(config.cache_key)):
        return CHAT_COMPLETIONS
    capabilities = store.load_capabilities(cache_key(config)) or {}
    return CHAT_COMPLETIONS if capabilities.get("responses") == NO else RESPONSES


def remember_responses_missing(store: Store, cache_key: str) -> None:
    store.set_flag(_flag(cache_key), "1")


def forget_wire_api(store: Store, cache_key: str) -> None:
    """Try Responses again (the user changed the server or its settings)."""
    store.set_flag(_flag(cache_key), None)
