"""User settings: one typed, versioned dataclass saved atomically as JSON.

UI state (window geometry, splitters, last folder) is not here; it lives in QSettings. The API
key is never here: it lives in the keyring (see secrets.py).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from desktop_app.core.mcp_config import McpConfigError, McpServerConfig, check_servers, from_saved
from desktop_app.core.providers import PRESETS, ProviderEntry, is_provider_id
from desktop_app.core.wire_apis import AUTO, WIRE_APIS
from desktop_app.services.private_files import private_dir
from desktop_app.services.temp_files import temp_path

# 2: show_sentiment; 3: backups_kept; 4: other_providers (providers configured beside the main
# one). Older files load: a setting they lack takes its default, so a file from before 4 is one
# provider, the main one, as it was. 5: mcp_servers (a file from before has none).
SCHEMA_VERSION = 5
THEMES = ("system", "light", "dark")
MIN_TIMEOUT, MAX_TIMEOUT = 5.0, 600.0
MAX_BUDGET = 1_000_000.0
MIN_BACKUPS, MAX_BACKUPS = 1, 100


class SettingsError(ValueError):
    """A setting with a value the app cannot use; `field` names it, for the dialog to mark."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field.replace('_', ' ')}: {problem}")
        self.field = field


@dataclass(frozen=True)
class Settings:
    schema_version: int = SCHEMA_VERSION
    provider: str = "openai"
    base_url: str = ""
    azure_api_version: str = "2024-10-21"
    default_model: str = "gpt-4o-mini"
    request_timeout: float = 60.0
    theme: str = "system"
    # Which API assistants talk through: "auto" (Responses where the server has it, else chat
    # completions), "responses" (every chat) or "chat_completions".
    wire_api: str = AUTO
    # Month-to-date spend that earns a warning at 80% and 100% (0: no budget), in the price
    # table's currency.
    monthly_budget: float = 0.0
    # Set when the user explicitly agreed to keep the key in a plain file (no keyring).
    plaintext_key_consent: bool = False
    first_run_done: bool = False
    # The tone mark (positive, negative, neutral) beside each message in the transcript.
    show_sentiment: bool = True
    # How many backups of the database (daily, and before each upgrade) are kept.
    backups_kept: int = 7
    # Providers beside the main one above (whose id is its preset's key, as before there were
    # several); each keeps its key in the keyring under its own id.
    other_providers: tuple[ProviderEntry, ...] = ()
    # MCP servers (Settings → Tools); their secret header and environment values are in the
    # keyring (core/mcp_config.py), never here.
    mcp_servers: tuple[McpServerConfig, ...] = ()

    def validated(self) -> Settings:
        if self.provider not in PRESETS:
            raise SettingsError("provider", f"unknown provider {self.provider!r}")
        if self.theme not in THEMES:
            raise SettingsError("theme", f"must be one of {', '.join(THEMES)}")
        if self.wire_api not in WIRE_APIS:
            raise SettingsError("wire_api", f"must be one of {', '.join(WIRE_APIS)}")
        if not MIN_TIMEOUT <= self.request_timeout <= MAX_TIMEOUT:
            raise SettingsError(
                "request_timeout", f"must be between {MIN_TIMEOUT:g} and {MAX_TIMEOUT:g} seconds"
            )
        if not 0 <= self.monthly_budget <= MAX_BUDGET:
            raise SettingsError("monthly_budget", f"must be between 0 and {MAX_BUDGET:,.0f}")
        if not MIN_BACKUPS <= self.backups_kept <= MAX_BACKUPS:
            raise SettingsError("backups_kept", f"must be between {MIN_BACKUPS} and {MAX_BACKUPS}")
        url = self.effective_base_url
        if url and not url.startswith(("http://", "https://")):
            raise SettingsError("base_url", "must start with http:// or https://")
        if self.provider in ("azure", "custom") and not url:
            raise SettingsError("base_url", "this provider needs the address of its server")
        seen = {self.provider}
        for entry in self.other_providers:
            check_provider(entry, seen)
            seen.add(entry.id)
        try:
            check_servers(self.mcp_servers)
        except McpConfigError as exc:
            raise SettingsError("mcp_servers", str(exc)) from None
        return self

    @property
    def main_provider(self) -> ProviderEntry:
        return ProviderEntry(self.provider, self.provider, self.base_url, self.azure_api_version)

    @property
    def providers(self) -> tuple[ProviderEntry, ...]:
        """Every configured provider, the main one first."""
        return (self.main_provider, *self.other_providers)

    def entry(self, provider_id: str) -> ProviderEntry | None:
        """The configured provider with this id; None for one no longer configured."""
        return next((p for p in self.providers if p.id == provider_id), None)

    @property
    def effective_base_url(self) -> str:
        return self.base_url.strip() or PRESETS[self.provider].base_url

    @property
    def provider_label(self) -> str:
        return PRESETS[self.provider].label


def check_provider(entry: ProviderEntry, taken: set[str]) -> None:
    """Raise SettingsError (field "other_providers") for a provider that cannot be used, or
    whose id is in `taken`."""
    where = f"provider {entry.label!r}" if entry.kind in PRESETS else f"provider {entry.id!r}"
    if entry.kind not in PRESETS:
        raise SettingsError("other_providers", f"{where} is of an unknown kind {entry.kind!r}")
    if not is_provider_id(entry.id):
        raise SettingsError("other_providers", f"{where} has an unusable id {entry.id!r}")
    if entry.id in taken:
        raise SettingsError(
            "other_providers",
            f"{where} is configured twice (as the main provider or as another one); remove "
            "one of them",
        )
    url = entry.effective_base_url
    if url and not url.startswith(("http://", "https://")):
        raise SettingsError("other_providers", f"{where}: the address must start with http://")
    if entry.kind in ("azure", "custom") and not url:
        raise SettingsError("other_providers", f"{where} needs the address of its server")


_ENTRY_FIELDS = {f.name for f in fields(ProviderEntry)}


def _entries(value: Any) -> tuple[ProviderEntry, ...]:
    """The providers a file lists; an entry in a form this version cannot use is left out
    (it is a provider fewer, not a settings file lost)."""
    if not isinstance(value, list):
        return ()
    found = []
    for item in value:
        if not isinstance(item, dict):
            continue
        known = {k: v for k, v in item.items() if k in _ENTRY_FIELDS}
        if not all(isinstance(v, str) for v in known.values()):
            continue
        if "id" in known and "kind" in known and known["kind"] in PRESETS:
            found.append(ProviderEntry(**known))
    return tuple(found)


def _from_dict(data: dict[str, Any]) -> Settings:
    known = {f.name: f for f in fields(Settings)}
    values: dict[str, Any] = {}
    defaults = Settings()
    for name, value in data.items():
        if name not in known:
            continue  # a setting from a newer or older version: ignored, not fatal
        if name == "other_providers":
            values[name] = _entries(value)
            continue
        if name == "mcp_servers":
            values[name] = from_saved(value)
            continue
        expected = type(getattr(defaults, name))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(value, expected):
            values[name] = value
    values["schema_version"] = SCHEMA_VERSION
    settings = replace(defaults, **values)
    return replace(settings, other_providers=_usable(settings))


def _usable(settings: Settings) -> tuple[ProviderEntry, ...]:
    """The other providers that can be used: one hand-edited into a clash (a second id, an
    address without a scheme) is dropped, not the whole file."""
    kept: list[ProviderEntry] = []
    taken = {settings.provider}
    for entry in settings.other_providers:
        try:
            check_provider(entry, taken)
        except SettingsError:
            continue
        kept.append(entry)
        taken.add(entry.id)
    return tuple(kept)


def load_settings(path: Path) -> tuple[Settings, str]:
    """The saved settings, or defaults with a sentence saying why they were not usable."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings(), ""
    except OSError as exc:
        return Settings(), f"Could not read settings ({exc.strerror}); using defaults."
    try:
        data = json.loads(raw)
        if not isinstance(data, dict):
            return Settings(), "Settings file was not usable (not a JSON object); using defaults."
        return _from_dict(data).validated(), ""
    except json.JSONDecodeError as exc:
        reason = f"not valid JSON: line {exc.lineno}, column {exc.colno}"
    except SettingsError as exc:
        reason = str(exc)
    except (ValueError, RecursionError):  # a value of the wrong type; nesting too deep
        reason = "a value in it has the wrong form"
    return Settings(), f"Settings file was not usable ({reason}); using defaults."


def save_settings(settings: Settings, path: Path) -> None:
    """Write to a temporary file and rename, so a crash never leaves half a file."""
    settings.validated()
    private_dir(path.parent)
    tmp = temp_path(path)  # a kill's leftover goes at the next start
    try:  # private to the user
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(settings), handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
