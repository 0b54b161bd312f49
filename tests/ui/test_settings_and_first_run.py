"""Start-up without a key or a network, the Settings dialog, and first-run discovery."""

from __future__ import annotations

import json
from dataclasses import replace

import keyring.backends.fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from desktop_app.core.transcript_cards import make_card
from desktop_app.services.settings import Settings
from tests.openai_server import Fault
from tests.openai_server.models import make_model
from tests.support.chat import send_and_wait, type_and_send
from tests.support.loop import run, run_until


def ok_button(dialog):  # type: ignore[no-untyped-def]
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def test_starts_with_no_key_and_no_network_and_says_what_is_missing(
    qloop, qtbot, start_parley
) -> None:
    parley = start_parley()  # defaults: OpenAI, no key anywhere, nothing reachable
    tab = parley.chat_tab
    assert parley.window.isVisible()
    assert parley.window.connection_state == "no key"
    assert "No API key is set for OpenAI" in tab.banner.text
    assert parley.window.provider_label.text() == "OpenAI"
    qtbot.keyClicks(tab.input, "Hello?")
    qtbot.keyClick(tab.input, Qt.Key.Key_Return)
    run_until(qloop, lambda: tab.banner.isVisible())
    assert tab.input.toPlainText() == "Hello?"  # kept, not sent, not lost
    assert tab.dialogue_id is None


def test_an_unreachable_server_leaves_the_app_usable_and_offline(qloop, start_parley) -> None:
    parley = start_parley(Settings(provider="custom", base_url="http://127.0.0.1:9/v1"))
    run_until(qloop, lambda: parley.window.connection_state == "offline")
    assert parley.chat_tab.isEnabled()
    assert parley.window.tab("History") is not None


def test_settings_put_the_key_in_the_keyring_and_never_in_the_settings_file(
    qloop, qtbot, start_parley, openai_server, fake_keyring, paths
) -> None:
    openai_server.api_key = "sk-test-secret"
    parley = start_parley()
    parley.window.settings_requested.emit()  # what File → Settings… (Ctrl+,) does
    dialog = parley.settings_dialog
    assert dialog.isVisible() and "fake keyring" in dialog.key_status.text()
    dialog.provider.setCurrentIndex(dialog.provider.findData("custom"))
    dialog.base_url.setText(openai_server.url)
    qtbot.keyClicks(dialog.api_key, "sk-test-secret")
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)

    assert not dialog.isVisible()
    assert fake_keyring.passwords == {("Parley", "custom"): "sk-test-secret"}
    saved = paths.settings_file.read_text()
    assert "sk-test-secret" not in saved
    assert json.loads(saved)["base_url"] == openai_server.url
    # The new provider is used at once: models come from the server with the new key.
    run_until(qloop, lambda: parley.window.connection_state == "online")
    assert openai_server.requests[-1].headers["authorization"] == "Bearer sk-test-secret"


def test_without_a_keyring_the_dialog_says_so_and_needs_consent_for_a_file(
    qloop, qtbot, start_parley, paths
) -> None:
    parley = start_parley(secret_backend=keyring.backends.fail.Keyring())
    parley.window.settings_requested.emit()
    dialog = parley.settings_dialog
    assert "No system keyring is available" in dialog.key_status.text()
    assert "OPENAI_API_KEY" in dialog.key_status.text()
    assert dialog.plaintext_consent.isVisibleTo(dialog)
    qtbot.keyClicks(dialog.api_key, "sk-no-keyring")
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "no system keyring" in dialog.error.text()
    assert not (paths.config_dir / "credentials.json").exists()

    dialog.plaintext_consent.setChecked(True)
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    stored = paths.config_dir / "credentials.json"
    assert json.loads(stored.read_text()) == {"openai": "sk-no-keyring"}
    assert stored.stat().st_mode & 0o077 == 0  # readable by the user only
    assert parley.window.connection_state != "no key"


def test_invalid_settings_are_refused_at_the_field(qloop, qtbot, start_parley) -> None:
    parley = start_parley()
    parley.window.settings_requested.emit()
    dialog = parley.settings_dialog
    dialog.provider.setCurrentIndex(dialog.provider.findData("custom"))
    dialog.base_url.setText("ftp://nowhere")
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "Base URL" in dialog.error.text()


def test_first_run_offers_a_local_server_and_uses_it(
    qloop, qtbot, start_parley, openai_server
) -> None:
    openai_server.personality = "ollama"
    parley = start_parley(discovery_candidates=[openai_server.url])
    tab = parley.chat_tab
    run_until(qloop, lambda: "Ollama is running on this computer" in tab.banner.text)
    qtbot.mouseClick(tab.banner.action_button, Qt.MouseButton.LeftButton)
    assert parley.settings.provider == "ollama"
    assert parley.settings.base_url == openai_server.url
    run_until(qloop, lambda: parley.window.connection_state == "online")
    assert parley.window.provider_label.text() == "Ollama"


def test_the_first_message_after_the_local_server_offer_goes_to_that_servers_model(
    qloop, qtbot, start_parley, openai_server
) -> None:
    """The picker used to keep the OpenAI preset's model: a server that checks names refused
    the first message, one that ignores them had its free reply priced at OpenAI's rate."""
    openai_server.personality = "ollama"  # llama3.2:1b and qwen2.5:0.5b
    parley = start_parley(discovery_candidates=[openai_server.url])
    tab = parley.chat_tab
    run_until(qloop, lambda: "Ollama is running on this computer" in tab.banner.text)
    qtbot.mouseClick(tab.banner.action_button, Qt.MouseButton.LeftButton)
    run_until(qloop, lambda: parley.window.connection_state == "online")
    run_until(qloop, lambda: tab.model_picker.count() == 2)
    shown = [tab.model_picker.itemText(i) for i in range(tab.model_picker.count())]
    assert shown == ["llama3.2:1b", "qwen2.5:0.5b"] and tab.model == "llama3.2:1b"

    send_and_wait(qloop, qtbot, tab, "Hello, local model")
    reply = parley.store.messages(tab.dialogue_id)[-1]
    assert reply.status == "complete" and reply.model == "llama3.2:1b"
    sent = [r.body for r in openai_server.requests if r.path.endswith("/chat/completions")]
    (turn,) = [body for body in sent if body.get("messages")]  # not the capability probe
    assert turn["model"] == "llama3.2:1b"
    (entry,) = parley.store.usage_entries(0, 2**40)
    assert entry.model == "llama3.2:1b" and entry.cost == 0  # a local model costs nothing


def test_changing_the_provider_in_settings_leaves_the_old_servers_models_behind(
    qloop, qtbot, start_parley, openai_server
) -> None:
    parley = start_parley()
    tab = parley.chat_tab
    assert tab.model == "gpt-4o-mini"  # the OpenAI preset's default
    openai_server.models = [make_model("tiny.gguf")]
    settings = replace(parley.settings, provider="llamacpp", base_url=openai_server.url)
    assert parley.apply_settings(settings, None) is None
    run_until(qloop, lambda: parley.window.connection_state == "online")
    run_until(qloop, lambda: tab.model == "tiny.gguf")
    assert tab.model_picker.findText("gpt-4o-mini") < 0


def test_a_refused_key_is_reported_at_start_up(qloop, start_parley, openai_server, fake_keyring):  # type: ignore[no-untyped-def]
    openai_server.api_key = "the-right-key"
    fake_keyring.set_password("Parley", "custom", "a-wrong-key")
    parley = start_parley(Settings(provider="custom", base_url=openai_server.url))
    run_until(qloop, lambda: parley.window.connection_state == "key refused")
    assert "refused the API key" in parley.chat_tab.banner.text


def test_the_status_bar_lists_what_the_server_offers(qloop, parley) -> None:  # type: ignore[no-untyped-def]
    run_until(qloop, lambda: "offers" in parley.window.connection_label.toolTip())
    tip = parley.window.connection_label.toolTip()
    assert "✓ chat completions" in tip and "✓ fine-tuning" in tip


def test_a_database_from_a_newer_parley_is_explained_in_the_window(
    qloop, start_parley, paths
) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from desktop_app.services.migrations import LATEST

    paths.data_dir.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(paths.database) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    parley = start_parley()
    page = parley.window.tab("Chat")
    assert parley.chat_tab is None
    assert "newer Parley" in page.message.text()
    assert page.title.text() == "Parley's data is from a newer version"
    # An older backup would be upgraded and fail the same way: neither way forward is offered.
    assert page.restore_button.isHidden() and page.fresh_button.isHidden()


def test_a_gateway_refusing_everything_without_its_key_is_not_shown_as_connected(
    qloop, start_parley, openai_server
) -> None:
    """A LiteLLM proxy with a master key answers every route 400 "No connected db." when no
    key is sent: not "Connected" with every ✓, but what it said and where the key goes."""
    no_db = {"error": {"message": "No connected db.", "type": "no_db_connection", "code": "400"}}
    openai_server.add_fault(Fault(path="*", status=400, body=no_db, times=None))
    parley = start_parley(Settings(provider="custom", base_url=openai_server.url))
    run_until(
        qloop, lambda: parley.tasks.running == 0 and parley.window.connection_state != "checking"
    )
    assert parley.window.connection_state == "server error"
    banner = parley.chat_tab.banner.text
    assert "No connected db." in banner and "API key" in banner
    assert banner.startswith("Parley could not get the list of models")  # what it was doing
    assert parley.chat_tab.banner.action_button.text() == "Open Settings…"
    assert "✓" not in parley.window.connection_label.toolTip()
    assert "No connected db." in parley.training_tab.start.unavailable_label.text()


def test_a_model_named_by_its_file_path_is_shown_by_its_file_name(
    qloop, qtbot, start_parley, openai_server
) -> None:
    """llama.cpp calls its model by the file it loaded; the path filled the picker, every
    reply header and the ledger. The id still goes out whole: it is the server's name."""
    path = "/home/me/models/tiny-llama.Q4_K_M.gguf"
    openai_server.models = [make_model(path)]
    parley = start_parley(Settings(provider="llamacpp", base_url=openai_server.url))
    tab = parley.chat_tab
    run_until(qloop, lambda: tab.model == path)
    assert tab.model_picker.currentText() == "tiny-llama.Q4_K_M.gguf"
    assert parley.window.model_label.text() == "Model: tiny-llama.Q4_K_M.gguf"
    send_and_wait(qloop, qtbot, tab, "Hi")
    assert parley.store.messages(tab.dialogue_id)[-1].model == path
    sent = [r.body for r in openai_server.requests if r.path.endswith("/chat/completions")]
    assert [b["model"] for b in sent if b.get("messages")] == [path]
    card = make_card(tab.transcript.messages[-1])  # what the reply's header says
    assert "tiny-llama.Q4_K_M.gguf" in card.details and "/home/me" not in str(card.details)


def test_first_run_finds_llama_cpp_without_a_model_list_and_uses_the_model_it_loaded(
    qloop, qtbot, start_parley, openai_server
) -> None:
    """Discovery by what answers: a llama.cpp server whose `/v1/models` is gone is found by
    its own `/props`, named for what it is, and its first message goes to its model, free."""
    openai_server.personality = "llamacpp"
    openai_server.add_fault(Fault(path="/v1/models", status=404, times=None))
    parley = start_parley(discovery_candidates=[openai_server.url])
    tab = parley.chat_tab
    run_until(qloop, lambda: "llama.cpp server is running on this computer" in tab.banner.text)
    assert ", 1 model)" in tab.banner.text
    qtbot.mouseClick(tab.banner.action_button, Qt.MouseButton.LeftButton)
    assert parley.settings.provider == "llamacpp"
    run_until(qloop, lambda: parley.tasks.running == 0)
    assert tab.model == "/models/tiny.gguf" and tab.model_picker.currentText() == "tiny.gguf"
    send_and_wait(qloop, qtbot, tab, "Hello, llama")
    reply = parley.store.messages(tab.dialogue_id)[-1]
    assert reply.status == "complete" and reply.model == "/models/tiny.gguf"
    (entry,) = parley.store.usage_entries(0, 2**40)
    assert entry.cost == 0


def test_a_server_found_by_its_health_check_keeps_the_model_the_user_types(
    qloop, qtbot, start_parley, openai_server
) -> None:
    """No list of models anywhere: the picker starts empty (not the OpenAI preset's model),
    and a refresh that finds no list leaves what the user typed."""
    openai_server.personality = "llamacpp"
    for path in ("/v1/models", "/props"):
        openai_server.add_fault(Fault(path=path, status=404, times=None))
    parley = start_parley(discovery_candidates=[openai_server.url])
    tab = parley.chat_tab
    run_until(qloop, lambda: "an OpenAI-compatible server is running" in tab.banner.text)
    assert ", no model list). Use it?" in tab.banner.text
    qtbot.mouseClick(tab.banner.action_button, Qt.MouseButton.LeftButton)
    assert (parley.settings.provider, parley.settings.default_model) == ("custom", "")
    run_until(qloop, lambda: parley.tasks.running == 0)
    assert tab.model == ""
    tab.model_picker.lineEdit().setFocus()
    qtbot.keyClicks(tab.model_picker.lineEdit(), "my-model")
    run(qloop, tab.refresh_models())  # the list is still not there
    assert tab.model == "my-model"
    send_and_wait(qloop, qtbot, tab, "Hello")
    sent = [r.body for r in openai_server.requests if r.path.endswith("/chat/completions")]
    assert [b["model"] for b in sent if b.get("messages")] == ["my-model"]


def test_the_servers_reason_is_quoted_by_its_first_sentence_with_the_rest_behind_details(
    qloop, qtbot, parley, openai_server
) -> None:
    said = (
        "Model not loaded. The weights are still being read from disk, which takes about a "
        "minute on this machine; requests before then are refused."
    )
    openai_server.add_fault(Fault(status=500, body={"detail": said}, times=None))
    tab = parley.chat_tab
    type_and_send(qtbot, tab, "Hello?")
    run_until(qloop, lambda: tab.banner.isVisible() and "Model not loaded." in tab.banner.text)
    assert "weights" not in tab.banner.text
    assert tab.banner.details_button.isVisible()
    qtbot.mouseClick(tab.banner.details_button, Qt.MouseButton.LeftButton)
    assert said in tab.banner.text and not tab.banner.details_button.isVisible()
