"""Settings saved atomically and validated; keys in the keyring, or a visible fallback."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import keyring.backends.fail
import pytest

from desktop_app.app import display_problem
from desktop_app.services.paths import AppPaths
from desktop_app.services.secrets import SecretError, SecretStore
from desktop_app.services.settings import (
    SCHEMA_VERSION,
    Settings,
    SettingsError,
    load_settings,
    save_settings,
)
from tests.support.fake_keyring import FakeKeyring


def test_settings_round_trip_and_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config" / "settings.json"
    assert load_settings(path) == (Settings(), "")
    chosen = replace(Settings(), provider="ollama", theme="dark", request_timeout=12.5)
    save_settings(chosen, path)
    assert load_settings(path) == (chosen, "")
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]  # no temp file left


def test_unusable_settings_fall_back_to_defaults_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    settings, problem = load_settings(path)
    assert settings == Settings() and "not usable" in problem
    path.write_text(json.dumps({"provider": "nope"}))
    assert "unknown provider" in load_settings(path)[1]
    path.write_text(json.dumps({"theme": "dark", "future_option": 1, "request_timeout": "x"}))
    assert load_settings(path) == (replace(Settings(), theme="dark"), "")


def test_a_version_1_file_loads_and_shows_sentiment_marks(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    version_1 = {
        "schema_version": 1,
        "provider": "ollama",
        "base_url": "",
        "azure_api_version": "2024-10-21",
        "default_model": "llama3.2",
        "request_timeout": 60.0,
        "theme": "dark",
        "wire_api": "auto",
        "monthly_budget": 5,
        "plaintext_key_consent": False,
        "first_run_done": True,
    }
    path.write_text(json.dumps(version_1))
    settings, problem = load_settings(path)
    assert problem == "" and settings.show_sentiment is True and settings.backups_kept == 7
    assert settings.schema_version == SCHEMA_VERSION == 5
    assert (settings.provider, settings.theme, settings.monthly_budget) == ("ollama", "dark", 5.0)


def test_the_number_of_backups_kept_is_checked(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="backups kept"):
        replace(Settings(), backups_kept=0).validated()
    path = tmp_path / "settings.json"
    save_settings(replace(Settings(), backups_kept=30), path)
    assert load_settings(path)[0].backups_kept == 30


def test_hiding_sentiment_marks_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    save_settings(replace(Settings(), show_sentiment=False), path)
    assert json.loads(path.read_text())["show_sentiment"] is False
    assert load_settings(path)[0].show_sentiment is False
    path.write_text(json.dumps({"show_sentiment": "no"}))  # not a bool: the default
    assert load_settings(path)[0].show_sentiment is True


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"request_timeout": 1.0}, "request_timeout"),
        ({"provider": "custom"}, "base_url"),
        ({"provider": "custom", "base_url": "file:///x"}, "base_url"),
        ({"theme": "pink"}, "theme"),
    ],
)
def test_validation_names_the_field(changes, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SettingsError) as caught:
        replace(Settings(), **changes).validated()
    assert caught.value.field == field


def test_parley_home_overrides_every_folder(tmp_path: Path) -> None:
    paths = AppPaths.from_environment({"PARLEY_HOME": str(tmp_path)})
    for folder in (paths.data_dir, paths.config_dir, paths.cache_dir, paths.log_dir):
        assert folder.is_relative_to(tmp_path)
    assert not paths.data_dir.exists()  # nothing is created until asked
    paths.ensure()
    assert paths.database.parent.is_dir()


def test_keys_go_to_the_keyring_first(tmp_path: Path) -> None:
    backend = FakeKeyring()
    secrets = SecretStore(tmp_path, backend, environ={"OPENAI_API_KEY": "sk-env"})
    assert secrets.backend_status().available
    assert (secrets.get_key("openai").key, secrets.get_key("openai").source) == (
        "sk-env",
        "environment",
    )
    assert secrets.set_key("openai", " sk-ring ") == "keyring"
    assert secrets.get_key("openai").source == "keyring"
    assert backend.passwords[("Parley", "openai")] == "sk-ring"
    secrets.set_key("openai", "")  # clearing a key deletes it
    secrets.set_key("openai", "")  # twice is fine
    assert secrets.get_key("openai").source == "environment"
    assert not any(tmp_path.iterdir())


def test_without_a_keyring_a_file_needs_consent(tmp_path: Path) -> None:
    secrets = SecretStore(tmp_path, keyring.backends.fail.Keyring(), environ={})
    assert not secrets.backend_status().available
    with pytest.raises(SecretError, match="OPENAI_API_KEY"):
        secrets.set_key("openai", "sk-x")
    assert secrets.get_key("openai", allow_file=True).found is False
    assert secrets.set_key("openai", "sk-x", allow_file=True) == "file"
    assert secrets.get_key("openai").found is False  # not read without consent
    assert secrets.get_key("openai", allow_file=True).key == "sk-x"
    assert secrets.plain_file.stat().st_mode & 0o077 == 0


def test_no_display_message_points_to_xvfb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    assert "xvfb-run" in display_problem({})
    assert display_problem({"DISPLAY": ":0"}) == ""
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}) == ""
