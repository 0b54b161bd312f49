"""Settings' other providers: added with their own key (tried first with Test connection),
changed, removed with their key — as a user does it."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from desktop_app.core.providers import ProviderEntry
from desktop_app.services.settings import Settings
from desktop_app.ui.connection_row import ASKING_TEXT
from tests.openai_server.models import make_model
from tests.support.loop import run_until


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def ok(dialog):  # type: ignore[no-untyped-def]
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def test_a_second_provider_is_added_tried_and_saved_with_its_own_key(
    qloop, qtbot, start_parley, openai_server, fake_keyring, paths
) -> None:
    openai_server.api_key = "sk-work"
    openai_server.models = [make_model("work-model-a"), make_model("work-model-b")]
    fake_keyring.set_password("Parley", "openai", "sk-openai")
    parley = start_parley()  # the main provider: OpenAI
    parley.window.settings_requested.emit()
    settings_dialog = parley.settings_dialog
    providers = settings_dialog.providers
    assert providers.list.count() == 0 and not providers.remove_button.isEnabled()

    click(qtbot, providers.add_button)
    adding = providers.dialog
    assert adding.isVisible() and adding.windowTitle() == "Add a provider"
    adding.kind.setCurrentIndex(adding.kind.findData("custom"))
    qtbot.keyClicks(adding.name, "Work")
    click(qtbot, ok(adding))  # a custom server needs its address
    assert adding.isVisible() and "needs the address" in adding.error.text()
    qtbot.keyClicks(adding.base_url, openai_server.url)
    qtbot.keyClicks(adding.api_key, "sk-work")
    click(qtbot, adding.connection.test_button)
    row = adding.connection
    run_until(qloop, lambda: not row.busy and row.result.text() != ASKING_TEXT)
    assert row.result.text() == "Connected: 2 models."
    assert openai_server.requests[-1].headers["authorization"] == "Bearer sk-work"
    click(qtbot, ok(adding))
    assert not adding.isVisible()
    assert (
        providers.list.item(0).text() == f"Work (Custom (OpenAI-compatible)) — {openai_server.url}"
    )

    click(qtbot, ok(settings_dialog))
    assert not settings_dialog.isVisible()
    assert parley.settings.other_providers == (
        ProviderEntry("custom", "custom", openai_server.url, "2024-10-21", "Work"),
    )
    assert fake_keyring.passwords == {
        ("Parley", "openai"): "sk-openai",  # the main provider's key stays as it was
        ("Parley", "custom"): "sk-work",
    }
    saved = paths.settings_file.read_text()
    assert "sk-work" not in saved
    assert json.loads(saved)["other_providers"][0]["name"] == "Work"


def test_a_removed_provider_takes_its_key_out_of_the_keyring(
    qloop, qtbot, start_parley, fake_keyring
) -> None:
    others = (
        ProviderEntry("vllm", "vllm"),
        ProviderEntry("openrouter", "openrouter", name="OpenRouter (home)"),
    )
    fake_keyring.set_password("Parley", "openrouter", "sk-or-home")
    parley = start_parley(Settings(provider="ollama", other_providers=others))
    parley.window.settings_requested.emit()
    dialog = parley.settings_dialog
    providers = dialog.providers
    assert [providers.list.item(i).text() for i in range(providers.list.count())] == [
        "vLLM — http://127.0.0.1:8000/v1",
        "OpenRouter (home) (OpenRouter) — https://openrouter.ai/api/v1",
    ]
    providers.list.setCurrentRow(1)
    click(qtbot, providers.change_button)  # its key is kept: the field says so
    assert providers.dialog.api_key.placeholderText() == "unchanged"
    assert not providers.dialog.kind.isEnabled()
    providers.dialog.reject()

    click(qtbot, providers.remove_button)
    assert providers.list.count() == 1
    providers.list.setCurrentRow(0)
    click(qtbot, providers.remove_button)  # vLLM had no key: nothing to take out
    assert providers.list.count() == 0
    assert fake_keyring.passwords  # nothing happens before OK
    click(qtbot, ok(dialog))
    assert not dialog.isVisible()
    assert parley.settings.other_providers == ()
    assert fake_keyring.passwords == {}


def test_cancel_leaves_the_providers_and_keys_as_they_were(
    qloop, qtbot, start_parley, fake_keyring
) -> None:
    others = (ProviderEntry("vllm", "vllm"),)
    parley = start_parley(Settings(provider="ollama", other_providers=others))
    parley.window.settings_requested.emit()
    dialog = parley.settings_dialog
    dialog.providers.list.setCurrentRow(0)
    click(qtbot, dialog.providers.change_button)
    changing = dialog.providers.dialog
    qtbot.keyClicks(changing.name, "GPU box")
    qtbot.keyClicks(changing.api_key, "sk-gpu")
    click(qtbot, ok(changing))
    assert dialog.providers.list.item(0).text().startswith("GPU box (vLLM)")
    dialog.reject()
    assert parley.settings.other_providers == others
    assert fake_keyring.passwords == {}


def test_a_main_provider_that_is_also_among_the_others_is_refused_at_the_list(
    qloop, qtbot, start_parley
) -> None:
    others = (ProviderEntry("vllm", "vllm"),)
    parley = start_parley(Settings(provider="ollama", other_providers=others))
    parley.window.settings_requested.emit()
    dialog = parley.settings_dialog
    dialog.provider.setCurrentIndex(dialog.provider.findData("vllm"))
    click(qtbot, ok(dialog))
    assert dialog.isVisible()
    assert "configured twice" in dialog.error.text() and dialog.error.isVisible()
    assert "border" in dialog.providers.list.styleSheet()
    assert parley.settings.provider == "ollama"
