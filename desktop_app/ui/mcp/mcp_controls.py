"""What the Tools page needs from the app: the servers as saved, their live state, and saving.

`McpControls` is the page's interface (tests can pass a fake); `ServiceControls` is the app's
one, over the MCP service, the keyring and the settings file. `McpSignals` turns the service's
plain `on_change(name)` callback into a Qt signal.

Signals (McpSignals):
    changed(str): the state of the server with this name changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from PySide6.QtCore import QObject, Signal

from desktop_app.core.mcp_config import McpServerConfig, secret_ids
from desktop_app.services.mcp_sessions import McpSessions
from desktop_app.services.mcp_types import ServerStatus
from desktop_app.services.secrets import SecretError, SecretStore

# save(servers) → an error sentence, or None when the settings were saved
SaveServers = Callable[[tuple[McpServerConfig, ...]], str | None]


class McpSignals(QObject):
    changed = Signal(str)

    def emit_changed(self, name: str) -> None:
        self.changed.emit(name)


class McpControls(Protocol):
    def servers(self) -> list[McpServerConfig]: ...
    def status(self, name: str) -> ServerStatus: ...
    def stderr(self, name: str) -> str: ...
    def has_secret(self, key: str) -> bool: ...

    def save(
        self, servers: Sequence[McpServerConfig], secrets: Mapping[str, str]
    ) -> str | None: ...

    async def start(self, name: str) -> ServerStatus: ...
    async def restart(self, name: str) -> ServerStatus: ...


class ServiceControls:
    """The app's McpControls. `secrets` values: keyring id → value ("" deletes it)."""

    def __init__(
        self,
        sessions: McpSessions,
        store: SecretStore,
        allow_file: Callable[[], bool],
        save_settings: SaveServers,
    ) -> None:
        self._sessions = sessions
        self._store = store
        self._allow_file = allow_file
        self._save_settings = save_settings

    def servers(self) -> list[McpServerConfig]:
        return self._sessions.servers

    def status(self, name: str) -> ServerStatus:
        return self._sessions.status(name)

    def stderr(self, name: str) -> str:
        return self._sessions.stderr(name)

    def has_secret(self, key: str) -> bool:
        return bool(self._store.get_secret(key, self._allow_file()))

    def save(self, servers: Sequence[McpServerConfig], secrets: Mapping[str, str]) -> str | None:
        kept = {s.name for s in servers}
        gone = [key for s in self._sessions.servers if s.name not in kept for key in secret_ids(s)]
        changes = {**dict.fromkeys(gone, ""), **secrets}
        try:
            for key, value in changes.items():
                if value or self._store.get_secret(key, self._allow_file()):
                    self._store.set_secret(key, value, self._allow_file())
        except SecretError as exc:
            return str(exc)
        problem = self._save_settings(tuple(servers))
        if problem:
            return problem
        self._sessions.configure(servers)
        rekeyed = {key.split(":")[1] for key in secrets}
        for name in rekeyed & kept:
            self._sessions.forget(name)
        return None

    async def start(self, name: str) -> ServerStatus:
        return await self._sessions.start(name)

    async def restart(self, name: str) -> ServerStatus:
        return await self._sessions.restart(name)
