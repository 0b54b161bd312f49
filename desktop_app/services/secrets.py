"""API keys: the OS keyring first, then visible fallbacks.

Order of lookup: keyring → `OPENAI_API_KEY` from the environment → a plain file in the config
folder, but only if the user explicitly agreed to it in Settings. The key never goes into the
settings file, logs, exports or dialogue files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from desktop_app.services.private_files import atomic_private, private_dir

SERVICE = "Parley"
ENV_VARIABLE = "OPENAI_API_KEY"
PLAIN_FILE = "credentials.json"


class KeyringLike(Protocol):
    def get_password(self, service: str, username: str) -> str | None: ...
    def set_password(self, service: str, username: str, password: str) -> None: ...
    def delete_password(self, service: str, username: str) -> None: ...


class SecretError(RuntimeError):
    """Saving a key failed; the message says why and what to do."""


@dataclass(frozen=True)
class KeyLookup:
    key: str
    source: str  # "keyring" | "environment" | "file" | "none"

    @property
    def found(self) -> bool:
        return bool(self.key)


@dataclass(frozen=True)
class BackendStatus:
    available: bool
    description: str


class SecretStore:
    """Reads and writes API keys. `backend` is injected in tests; by default the `keyring`
    package's configured backend, loaded on first use (it scans entry points, ~0.1 s)."""

    def __init__(
        self,
        config_dir: Path,
        backend: KeyringLike | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._config_dir = config_dir
        self._backend = backend
        self._environ = os.environ if environ is None else environ
        self._status: BackendStatus | None = None

    def _keyring(self) -> Any:
        if self._backend is None:
            import keyring

            self._backend = keyring.get_keyring()
        return self._backend

    def backend_status(self) -> BackendStatus:
        if self._status is None:
            backend = self._keyring()
            kind = f"{type(backend).__module__}.{type(backend).__name__}"
            if kind.startswith("keyring.backends.fail") or kind.startswith("keyring.backends.null"):
                self._status = BackendStatus(
                    False,
                    "No system keyring is available (no Secret Service, KWallet, macOS "
                    "Keychain or Windows Credential Locker was found).",
                )
            else:
                name = getattr(backend, "name", type(backend).__name__)
                self._status = BackendStatus(True, f"Keys are kept in the system keyring ({name}).")
        return self._status

    def get_key(self, provider: str, allow_file: bool = False) -> KeyLookup:
        if self.backend_status().available:
            try:
                key = self._keyring().get_password(SERVICE, provider)
            except Exception:  # a locked or broken keyring must not stop the app
                key = None
            if key:
                return KeyLookup(key, "keyring")
        env_key = self._environ.get(ENV_VARIABLE, "").strip()
        if env_key:
            return KeyLookup(env_key, "environment")
        if allow_file:
            key = self._read_file().get(provider, "")
            if key:
                return KeyLookup(key, "file")
        return KeyLookup("", "none")

    def get_secret(self, name: str, allow_file: bool = False) -> str:
        """A secret other than an API key (an MCP server's token, by its keyring id): the
        keyring, else the plain file if allowed; never the environment's OPENAI_API_KEY."""
        if self.backend_status().available:
            try:
                value = self._keyring().get_password(SERVICE, name)
            except Exception:  # a locked or broken keyring must not stop the app
                value = None
            if value:
                return value
        return self._read_file().get(name, "") if allow_file else ""

    def set_secret(self, name: str, value: str, allow_file: bool = False) -> str:
        """Keep (or, empty, delete) a secret other than an API key; where it went."""
        return self.set_key(name, value, allow_file)

    def set_key(self, provider: str, key: str, allow_file: bool = False) -> str:
        """Store `key` (empty deletes it); returns where it went."""
        key = key.strip()
        if self.backend_status().available:
            try:
                if key:
                    self._keyring().set_password(SERVICE, provider, key)
                else:
                    self._delete_from_keyring(provider)
            except Exception as exc:
                raise SecretError(f"The system keyring refused the key: {exc}") from exc
            return "keyring"
        if allow_file:
            data = self._read_file()
            if key:
                data[provider] = key
            else:
                data.pop(provider, None)
            self._write_file(data)
            return "file"
        raise SecretError(
            "There is no system keyring to keep the key in. Set OPENAI_API_KEY in the "
            "environment, or allow Parley to keep the key in a plain file."
        )

    def _delete_from_keyring(self, provider: str) -> None:
        try:
            self._keyring().delete_password(SERVICE, provider)
        except Exception as exc:  # deleting a key that is not there is not an error
            if "not found" not in str(exc).lower() and "PasswordDeleteError" not in repr(exc):
                raise

    @property
    def plain_file(self) -> Path:
        return self._config_dir / PLAIN_FILE

    def _read_file(self) -> dict[str, str]:
        try:
            data = json.loads(self.plain_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return (
            {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}
        )

    def _write_file(self, data: dict[str, str]) -> None:
        private_dir(self._config_dir)
        # Created readable by the owner only, before any secret is written into it.
        with atomic_private(self.plain_file, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
