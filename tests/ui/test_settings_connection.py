"""Settings' Test connection and Refresh models, pressed as a user would, against the test
server and against servers that refuse."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_app.ui.connection_row import ASKING_TEXT
from tests.openai_server import Fault
from tests.openai_server.models import make_model
from tests.support.loop import run_until


def open_settings(parley):  # type: ignore[no-untyped-def]
    parley.window.settings_requested.emit()
    return parley.settings_dialog


def point_at(dialog, qtbot, url: str, key: str = "") -> None:  # type: ignore[no-untyped-def]
    dialog.provider.setCurrentIndex(dialog.provider.findData("custom"))
    dialog.base_url.clear()
    qtbot.keyClicks(dialog.base_url, url)
    if key:
        qtbot.keyClicks(dialog.api_key, key)


def press(qtbot, button) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def answer(qloop, dialog) -> str:  # type: ignore[no-untyped-def]
    row = dialog.connection
    run_until(qloop, lambda: not row.busy and row.result.text() != ASKING_TEXT)
    return str(row.result.text())


def model_requests(server) -> list:  # type: ignore[no-untyped-def]
    return [r for r in server.requests if r.path == "/v1/models"]


def test_test_connection_counts_the_servers_models_and_saves_nothing(
    qloop, qtbot, start_parley, openai_server, paths
) -> None:
    openai_server.models = [make_model(f"model-{n:03}") for n in range(7)]
    parley = start_parley()  # OpenAI without a key: nothing asked of the test server yet
    dialog = open_settings(parley)
    point_at(dialog, qtbot, openai_server.url, "sk-typed-not-saved")

    press(qtbot, dialog.connection.test_button)
    assert dialog.connection.result.text() == ASKING_TEXT  # at once, before any answer
    assert answer(qloop, dialog) == "Connected: 7 models."
    sent = model_requests(openai_server)
    assert len(sent) == 1
    assert sent[0].headers["authorization"] == "Bearer sk-typed-not-saved"
    assert dialog.isVisible()
    assert parley.settings.provider == "openai"  # nothing saved, nothing switched
    assert not paths.settings_file.exists()


def test_test_connection_says_why_a_server_refused(
    qloop, qtbot, start_parley, openai_server
) -> None:
    openai_server.api_key = "sk-right"
    parley = start_parley()
    dialog = open_settings(parley)
    point_at(dialog, qtbot, openai_server.url, "sk-wrong")
    press(qtbot, dialog.connection.test_button)
    text = answer(qloop, dialog)
    assert text.startswith("The server refused the API key")
    assert "sk-wrong" not in text
    assert len(model_requests(openai_server)) == 1  # no retries while the user waits

    # A server that answers with its own reason in a FastAPI body: that reason is shown.
    openai_server.api_key = None
    openai_server.add_fault(
        Fault(path="/v1/models", status=500, body={"detail": "Only premium users can list."})
    )
    press(qtbot, dialog.connection.test_button)
    text = answer(qloop, dialog)
    assert "(500)" in text and "Only premium users can list." in text


def test_test_connection_to_nothing_listening_says_it_could_not_reach_it(
    qloop, qtbot, start_parley
) -> None:
    parley = start_parley()
    dialog = open_settings(parley)
    point_at(dialog, qtbot, "http://127.0.0.1:9/v1")
    press(qtbot, dialog.connection.test_button)
    assert answer(qloop, dialog).startswith("Could not reach http://127.0.0.1:9/v1")


def test_a_form_value_that_cannot_be_tried_is_marked_and_nothing_is_sent(
    qloop, qtbot, start_parley, openai_server
) -> None:
    parley = start_parley()
    dialog = open_settings(parley)
    point_at(dialog, qtbot, "ftp://nowhere")
    press(qtbot, dialog.connection.test_button)
    assert "Base URL" in dialog.error.text() and dialog.error.isVisible()
    assert dialog.connection.result.isHidden()
    assert openai_server.requests == []


def test_the_dialog_stays_usable_while_the_server_is_slow_and_closing_drops_the_question(
    qloop, qtbot, start_parley, openai_server
) -> None:
    parley = start_parley()
    dialog = open_settings(parley)
    point_at(dialog, qtbot, openai_server.url)
    openai_server.add_fault(Fault(path="/v1/models", delay=3.0))
    press(qtbot, dialog.connection.test_button)
    run_until(qloop, lambda: len(openai_server.requests) == 1)
    assert dialog.connection.busy
    assert not dialog.connection.refresh_button.isEnabled()  # one question at a time
    qtbot.keyClicks(dialog.default_model, "typed-meanwhile")  # the form still takes input
    assert dialog.default_model.text().endswith("typed-meanwhile")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    run_until(qloop, lambda: dialog.connection.tasks.running == 0, timeout=2)


def test_refresh_models_fills_the_picker_and_asks_the_probes_again(
    qloop, qtbot, parley, openai_server
) -> None:
    tab = parley.chat_tab
    assert tab.model_picker.findData("brand-new-model") < 0
    openai_server.models.append(make_model("brand-new-model"))
    probes_before = len([r for r in openai_server.requests if r.path == "/v1/files"])
    dialog = open_settings(parley)

    press(qtbot, dialog.connection.refresh_button)
    text = answer(qloop, dialog)
    assert text.startswith("Models refreshed:") and text.endswith("models.")
    assert tab.model_picker.findData("brand-new-model") >= 0  # the picker, without OK
    # The capabilities were forgotten, so the probes asked the server again.
    run_until(
        qloop,
        lambda: len([r for r in openai_server.requests if r.path == "/v1/files"]) > probes_before,
    )
    assert dialog.isVisible()  # nothing saved or closed by it


def test_refresh_models_says_why_it_failed(qloop, qtbot, parley, openai_server) -> None:
    openai_server.add_fault(
        Fault(path="/v1/models", status=400, body={"error": "No connected db."})
    )
    dialog = open_settings(parley)
    press(qtbot, dialog.connection.refresh_button)
    text = answer(qloop, dialog)
    assert text == "The server rejected the request (400). The server said: No connected db."
