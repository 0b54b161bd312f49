"""Several providers in the settings file: the list, its ids, and files from before it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.core.providers import PRESETS, ProviderEntry, new_provider_id
from desktop_app.services.settings import (
    SCHEMA_VERSION,
    Settings,
    SettingsError,
    load_settings,
    save_settings,
)

VERSION_3 = {
    "schema_version": 3,
    "provider": "custom",
    "base_url": "http://127.0.0.1:4000/v1",
    "azure_api_version": "2024-10-21",
    "default_model": "mock-gpt",
    "request_timeout": 60.0,
    "theme": "system",
    "wire_api": "auto",
    "monthly_budget": 0.0,
    "plaintext_key_consent": False,
    "first_run_done": True,
    "show_sentiment": True,
    "backups_kept": 7,
}


def test_a_single_provider_file_from_before_loads_as_one_provider_and_saves_as_the_list(
    tmp_path: Path,
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(VERSION_3))
    settings, problem = load_settings(path)
    assert problem == ""
    assert settings.providers == (
        ProviderEntry("custom", "custom", "http://127.0.0.1:4000/v1", "2024-10-21"),
    )
    assert settings.entry("custom") is not None and settings.entry("openai") is None
    save_settings(settings, path)
    saved = json.loads(path.read_text())
    assert saved["schema_version"] == SCHEMA_VERSION == 5
    assert saved["other_providers"] == [] and saved["base_url"] == VERSION_3["base_url"]


def test_several_providers_round_trip_each_under_its_own_id(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    others = (
        ProviderEntry("vllm", "vllm"),
        ProviderEntry("openrouter", "openrouter", name="OpenRouter (work)"),
        ProviderEntry("custom-2", "custom", "http://10.0.0.5:8080/v1"),
        ProviderEntry("azure", "azure", "https://example.openai.azure.com", "2025-01-01"),
    )
    chosen = Settings(
        provider="custom", base_url="http://127.0.0.1:4000/v1", other_providers=others
    )
    save_settings(chosen, path)
    loaded, problem = load_settings(path)
    assert problem == "" and loaded == chosen
    assert [p.id for p in loaded.providers] == ["custom", "vllm", "openrouter", "custom-2", "azure"]
    assert [p.label for p in loaded.providers][1:3] == ["vLLM", "OpenRouter (work)"]
    assert loaded.entry("vllm").effective_base_url == "http://127.0.0.1:8000/v1"  # type: ignore[union-attr]


def test_a_hand_edited_entry_that_cannot_be_used_is_left_out_not_the_whole_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "settings.json"
    data = dict(VERSION_3, schema_version=4, theme="dark")
    data["other_providers"] = [
        {"id": "ollama", "kind": "ollama"},
        {"id": "custom", "kind": "ollama"},  # the main provider's id
        {"id": "ollama", "kind": "lmstudio"},  # a second "ollama"
        {"id": "x", "kind": "no-such-kind"},
        {"id": "custom-2", "kind": "custom"},  # a custom server without its address
        {"id": "lm", "kind": "lmstudio", "base_url": "127.0.0.1:1234"},  # no scheme
        {"id": "Bad Id", "kind": "vllm"},
        {"id": "vllm", "kind": "vllm", "base_url": 8000},  # not text
        "not an object",
        {"id": "openrouter", "kind": "openrouter", "future_field": True},
    ]
    path.write_text(json.dumps(data))
    settings, problem = load_settings(path)
    assert problem == "" and settings.theme == "dark"
    assert [p.id for p in settings.other_providers] == ["ollama", "openrouter"]


@pytest.mark.parametrize(
    ("others", "words"),
    [
        ((ProviderEntry("openai", "ollama"),), "configured twice"),
        ((ProviderEntry("a", "vllm"), ProviderEntry("a", "vllm")), "configured twice"),
        ((ProviderEntry("c", "custom"),), "needs the address"),
        ((ProviderEntry("v", "vllm", "ftp://x"),), "must start with http"),
        ((ProviderEntry("v", "nope"),), "unknown kind"),
        ((ProviderEntry("", "vllm"),), "unusable id"),
    ],
)
def test_a_provider_list_that_cannot_be_used_is_refused(
    others: tuple[ProviderEntry, ...], words: str
) -> None:
    with pytest.raises(SettingsError, match=words) as caught:
        Settings(other_providers=others).validated()
    assert caught.value.field == "other_providers"


def test_a_new_provider_gets_an_id_of_its_own() -> None:
    assert new_provider_id("custom", {"openai"}) == "custom"
    assert new_provider_id("custom", {"custom", "custom-2"}) == "custom-3"
    assert {"vllm", "openrouter"} <= PRESETS.keys()
    assert PRESETS["vllm"].local and not PRESETS["openrouter"].local
    assert PRESETS["openrouter"].needs_key
