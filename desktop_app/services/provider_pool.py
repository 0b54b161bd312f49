"""One gateway per configured provider, each made the first time something needs it.

The main provider's gateway is the app's own (Chat, Images, Assistants and Training use it);
this pool holds the others from Settings. Nothing is built, and no key read from the keyring,
until a provider is used: a list of ten providers costs nothing at start-up. When the settings
change, a provider whose configuration is unchanged keeps its gateway (and any reply streaming
through it); one changed or removed is handed back to be closed once idle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from desktop_app.core.providers import ProviderEntry
from desktop_app.services.gateway import Gateway, ProviderConfig

KeyFor = Callable[[str], str]  # provider id → its key ("" for none); may block (keyring)


def config_for(entry: ProviderEntry, api_key: str, timeout: float) -> ProviderConfig:
    """How to talk to a configured provider: its preset's kind, its address and its key."""
    return ProviderConfig(
        provider=entry.kind,
        base_url=entry.effective_base_url,
        api_key=api_key,
        timeout=timeout,
        azure_api_version=entry.azure_api_version,
    )


class UnknownProvider(KeyError):
    """A provider id that Settings no longer lists (a dialogue held with a removed one)."""


class ProviderPool:
    def __init__(self, key_for: KeyFor, make: Callable[[ProviderConfig], Gateway] = Gateway):
        self._key_for = key_for
        self._make = make
        self._entries: dict[str, ProviderEntry] = {}
        self._timeout = 60.0
        self._gateways: dict[str, Gateway] = {}

    def configure(
        self, entries: Iterable[ProviderEntry], timeout: float, new_keys: Iterable[str] = ()
    ) -> list[Gateway]:
        """Use these providers from now on (`new_keys`: the ids whose key changed); returns
        the gateways let go of, to close."""
        new = {entry.id: entry for entry in entries}
        rekeyed = set(new_keys)
        released = []
        for pid in list(self._gateways):
            entry = new.get(pid)
            changed = entry is None or entry != self._entries.get(pid) or pid in rekeyed
            if changed or timeout != self._timeout:
                released.append(self._gateways.pop(pid))
        self._entries, self._timeout = new, timeout
        return released

    def entry(self, provider_id: str) -> ProviderEntry | None:
        return self._entries.get(provider_id)

    @property
    def entries(self) -> list[ProviderEntry]:
        return list(self._entries.values())

    @property
    def gateways(self) -> list[Gateway]:
        """The gateways made so far."""
        return list(self._gateways.values())

    def built(self, provider_id: str) -> Gateway | None:
        """The provider's gateway if it has been made (nothing is made here)."""
        return self._gateways.get(provider_id)

    async def gateway(self, provider_id: str) -> Gateway:
        """The provider's gateway, made now if this is its first use (its key is read off
        the UI thread). Raises UnknownProvider for an id Settings does not list."""
        found = self._gateways.get(provider_id)
        if found is not None:
            return found
        entry = self._entries.get(provider_id)
        if entry is None:
            raise UnknownProvider(provider_id)
        key = await asyncio.to_thread(self._key_for, entry.id)
        if self._entries.get(provider_id) != entry:  # the settings changed meanwhile
            return await self.gateway(provider_id)
        found = self._gateways.get(provider_id)
        if found is None:  # not made by a concurrent caller while the key was read
            found = self._gateways[provider_id] = self._make(config_for(entry, key, self._timeout))
        return found

    def release_all(self) -> list[Gateway]:
        gateways = list(self._gateways.values())
        self._gateways.clear()
        return gateways
