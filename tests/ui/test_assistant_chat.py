"""An active assistant in the Chat tab: what is sent on each wire API, what is recorded, the
auto fall-back, tool notes with citations, Stop, and a re-opened dialogue."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from desktop_app.core.dialogue import Status
from desktop_app.services.settings import Settings
from tests.openai_server.response_replies import search_page
from tests.support.chat import type_and_send
from tests.support.loop import run_until
from tests.support.transcript import click_link


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def start(start_parley, openai_server, qloop, wire_api: str = "auto"):  # type: ignore[no-untyped-def]
    settings = Settings(
        provider="custom",
        base_url=openai_server.url,
        default_model="gpt-4o-mini",
        wire_api=wire_api,
    )
    parley = start_parley(settings)
    # Models and probes are done. The first test in a run also imports the SDK here (seconds
    # on a busy machine), hence the generous limit.
    run_until(qloop, lambda: parley.tasks.running == 0, timeout=30)
    return parley


def activate(qloop, qtbot, parley, name: str, tools: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    """Select an assistant, tick its tools, save, and press Set active — as a user would."""
    tab = parley.assistants_tab
    tab.select_row([p.name for p in tab.model.profiles].index(name))
    for tool in tools:
        tab.editor.tool_boxes[tool].setChecked(True)
    if tools:
        click(qtbot, tab.editor.save_button)
        run_until(qloop, lambda: tab.tasks.running == 0)
    click(qtbot, tab.activate_button)
    run_until(qloop, lambda: parley.chat_tab.assistant is not None)
    return parley.chat_tab.assistant


def last_post(server):  # type: ignore[no-untyped-def]
    """The last request that asked for a reply (model lists and probes may come after it)."""
    return [
        r
        for r in server.requests
        if r.method == "POST" and (r.body or {}).get("model") != "parley-capability-probe"
    ][-1]


def send_and_wait(qloop, qtbot, parley, text: str):  # type: ignore[no-untyped-def]
    tab = parley.chat_tab
    before = len(parley.store.messages(tab.dialogue_id)) if tab.dialogue_id else 0
    type_and_send(qtbot, tab, text)
    run_until(
        qloop,
        lambda: (
            tab.dialogue_id is not None
            and len(parley.store.messages(tab.dialogue_id)) >= before + 2
            and not tab.busy
        ),
    )
    return parley.store.messages(tab.dialogue_id)[-1]


@pytest.mark.parametrize("wire_api", ["responses", "chat_completions"])
def test_set_active_changes_what_the_next_request_sends(
    qloop, qtbot, start_parley, openai_server, wire_api
) -> None:
    parley = start(start_parley, openai_server, qloop, wire_api)
    reviewer = activate(qloop, qtbot, parley, "Code reviewer", tools=("web_search",))
    chat = parley.chat_tab
    assert "Code reviewer" in chat.header.text and "web search" in chat.header.text
    assert parley.assistants_tab.model.active_id == reviewer.id
    assert chat.model == reviewer.model and chat._system() == reviewer.instructions

    reply = send_and_wait(qloop, qtbot, parley, "Look at this diff")
    sent = last_post(openai_server)
    assert sent.body["model"] == "gpt-4o-mini" and sent.body["temperature"] == 0.2
    if wire_api == "responses":
        assert sent.path == "/v1/responses"
        assert sent.body["instructions"] == reviewer.instructions
        assert sent.body["tools"] == [{"type": "web_search"}]
    else:
        assert sent.path == "/v1/chat/completions"
        assert sent.body["messages"][0] == {"role": "system", "content": reviewer.instructions}
        assert "tools" not in sent.body  # hosted tools exist only on the Responses API
    assert reply.status is Status.COMPLETE and reply.assistant_id == reviewer.id
    snapshot = json.loads(reply.assistant_snapshot)
    assert (snapshot["name"], snapshot["temperature"]) == ("Code reviewer", 0.2)

    click(qtbot, chat.header.clear_button)  # back to plain chat
    send_and_wait(qloop, qtbot, parley, "And now plainly")
    plain = last_post(openai_server)
    assert "temperature" not in plain.body
    assert plain.path == ("/v1/responses" if wire_api == "responses" else "/v1/chat/completions")
    assert parley.assistants_tab.model.active_id is None


def test_auto_falls_back_to_chat_completions_and_remembers(
    qloop, qtbot, start_parley, openai_server
) -> None:
    parley = start(start_parley, openai_server, qloop)  # the probe found Responses…
    openai_server.unsupported.add("responses")  # …and then the server lost it
    activate(qloop, qtbot, parley, "Translator")
    first = send_and_wait(qloop, qtbot, parley, "Bonjour")
    second = send_and_wait(qloop, qtbot, parley, "Merci")
    sent = [r.path for r in openai_server.requests if r.method == "POST"][-3:]
    assert sent == ["/v1/responses", "/v1/chat/completions", "/v1/chat/completions"]
    assert first.status is Status.COMPLETE and second.status is Status.COMPLETE
    assert not parley.chat_tab.banner.isVisible()  # no error: the fall-back is silent
    editor = parley.assistants_tab.editor
    assert not editor.tool_boxes["web_search"].isEnabled()  # tools now say why they are off


def test_a_failing_responses_api_is_said_once_in_the_chat_tab(
    qloop, qtbot, start_parley, openai_server
) -> None:
    """Issue 14, item 4: a Responses stream that answers 500 with a traceback. The reply comes
    through chat completions; the banner says so once, in a sentence, without the traceback."""
    from tests.openai_server import Fault
    from tests.openai_server.endings import TRACEBACK

    parley = start(start_parley, openai_server, qloop)
    openai_server.add_fault(Fault(path="/v1/responses", status=500, body=TRACEBACK, times=None))
    activate(qloop, qtbot, parley, "Translator")
    first = send_and_wait(qloop, qtbot, parley, "Bonjour")
    banner = parley.chat_tab.banner
    assert first.status is Status.COMPLETE and banner.isVisible()
    assert banner.text.startswith("This server's Responses API failed (500: NotImplementedError")
    assert "Traceback" not in banner.text and "Try again" not in banner.text
    assert "will for gpt-4o-mini." in banner.text
    second = send_and_wait(qloop, qtbot, parley, "Merci")
    assert second.status is Status.COMPLETE and not banner.isVisible()  # said once
    assert last_post(openai_server).path == "/v1/chat/completions"


def test_a_streamed_web_search_shows_a_note_that_opens_to_its_citation(
    qloop, qtbot, start_parley, openai_server
) -> None:
    parley = start(start_parley, openai_server, qloop)
    activate(qloop, qtbot, parley, "General helper", tools=("web_search",))
    reply = send_and_wait(qloop, qtbot, parley, "parley release notes")
    transcript = parley.chat_tab.transcript
    title, url = search_page("parley release notes")
    shown = transcript.toPlainText()
    assert "▸ used web search: parley release notes (1 source)" in shown
    assert title not in shown.split("(1 source)")[0]  # closed: the citation is not listed
    [note] = reply.tool_notes
    assert note.citations[0].url == url
    click_link(qtbot, transcript, 1, "parley-note:")  # the second message's first note
    assert transcript.is_expanded(reply.id, "note:0")
    assert "▾ used web search" in transcript.toPlainText()
    [part] = [p for p in transcript.items[1].parts if p.kind == "notes"]
    assert title in part.document.toPlainText() and url in part.document.toHtml()
    click_link(qtbot, transcript, 1, "parley-note:")
    assert "▸ used web search" in transcript.toPlainText()
    assert not transcript.is_expanded(reply.id, "note:0")


def test_stop_closes_a_responses_stream_and_keeps_the_text(
    qloop, qtbot, start_parley, openai_server
) -> None:
    parley = start(start_parley, openai_server, qloop, "responses")
    activate(qloop, qtbot, parley, "General helper")
    openai_server.chunk_delay = 0.15
    tab = parley.chat_tab
    type_and_send(qtbot, tab, "Tell me something long")
    run_until(qloop, lambda: tab.busy and "answered" in tab.transcript.toPlainText())
    click(qtbot, tab.stop_button)
    run_until(qloop, lambda: not tab.busy)
    assert openai_server.wait_for_disconnect(3), "the server kept streaming after Stop"
    reply = parley.store.messages(tab.dialogue_id)[-1]
    assert reply.status is Status.INTERRUPTED and "answered" in reply.content


def test_a_reopened_dialogue_continues_with_its_assistant(
    qloop, qtbot, start_parley, openai_server
) -> None:
    parley = start(start_parley, openai_server, qloop)
    translator = activate(qloop, qtbot, parley, "Translator")
    send_and_wait(qloop, qtbot, parley, "Hola")
    dialogue_id = parley.chat_tab.dialogue_id
    chat = parley.chat_tab
    click(qtbot, chat.header.clear_button)
    chat.new_dialogue()
    assert chat.assistant is None
    chat.open_dialogue(dialogue_id)
    assert chat.assistant == translator and "Translator" in chat.header.text
    assert parley.assistants_tab.model.active_id == translator.id
    send_and_wait(qloop, qtbot, parley, "Adios")
    assert parley.store.messages(dialogue_id)[-1].assistant_id == translator.id


def test_file_search_over_files_the_user_adds(
    qloop, qtbot, start_parley, openai_server, tmp_path
) -> None:
    notes = tmp_path / "llamas.txt"
    notes.write_text("Llamas hum when they are content.")
    parley = start(start_parley, openai_server, qloop)
    tab = parley.assistants_tab
    tab.select_row([p.name for p in tab.model.profiles].index("General helper"))
    click(qtbot, tab.editor.add_files_button)
    tab.file_dialog.selectFile(str(notes))
    tab.file_dialog.accept()
    run_until(qloop, lambda: "llamas.txt" in tab.editor.files_label.text())
    helper = activate(qloop, qtbot, parley, "General helper", tools=("file_search",))
    assert helper.vector_store_id in openai_server.vector_stores

    reply = send_and_wait(qloop, qtbot, parley, "Why do llamas hum")
    sent = last_post(openai_server).body
    assert sent["tools"] == [{"type": "file_search", "vector_store_ids": [helper.vector_store_id]}]
    [note] = reply.tool_notes
    assert note.label == "used file search: Why do llamas hum"
    assert [c.file for c in note.citations] == ["llamas.txt"]


def test_the_wire_api_setting_applies_at_once_and_saving_asks_the_server_again(
    qloop, qtbot, start_parley, openai_server, paths
) -> None:
    from tests.ui.test_settings_and_first_run import ok_button

    parley = start(start_parley, openai_server, qloop)
    openai_server.unsupported.add("responses")
    activate(qloop, qtbot, parley, "Translator")
    send_and_wait(qloop, qtbot, parley, "One")  # Responses is missing: remembered
    openai_server.unsupported.clear()  # the server was upgraded

    parley.window.settings_requested.emit()
    dialog = parley.settings_dialog
    assert dialog.wire_api.currentData() == "auto"
    click(qtbot, ok_button(dialog))
    send_and_wait(qloop, qtbot, parley, "Two")
    assert last_post(openai_server).path == "/v1/responses"  # asked again after Settings

    parley.window.settings_requested.emit()
    dialog = parley.settings_dialog
    dialog.wire_api.setCurrentIndex(dialog.wire_api.findData("chat_completions"))
    click(qtbot, ok_button(dialog))
    assert json.loads(paths.settings_file.read_text())["wire_api"] == "chat_completions"
    assert parley.chat.wire_api == "chat_completions"
    editor = parley.assistants_tab.editor
    assert not editor.tool_boxes["web_search"].isEnabled()
    assert "chat completions" in editor.tools_note.text()
    send_and_wait(qloop, qtbot, parley, "Three")
    assert last_post(openai_server).path == "/v1/chat/completions"
