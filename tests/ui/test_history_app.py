"""History inside the running app: no key, no network, a reply from Chat, Continue in Chat."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_app.core.dialogue import Message
from desktop_app.services.settings import Settings
from desktop_app.ui.history.history_tab import HistoryTab
from tests.support.chat import type_and_send
from tests.support.loop import run_until


def open_history(qloop, parley) -> HistoryTab:  # type: ignore[no-untyped-def]
    tab = parley.window.tab("History")
    assert isinstance(tab, HistoryTab)
    parley.window.tabs.setCurrentWidget(tab)
    return tab


def test_history_works_without_a_key_or_a_network(qloop, start_parley) -> None:  # type: ignore[no-untyped-def]
    parley = start_parley(Settings(provider="custom", base_url="http://127.0.0.1:9/v1"))
    run_until(qloop, lambda: parley.window.connection_state == "offline", timeout=30)
    dialogue = parley.store.create_dialogue("Kept from yesterday", model="gpt-4o")
    parley.store.add_message(dialogue, Message("user", "remember the narwhal"))
    tab = open_history(qloop, parley)
    assert tab.offline_banner.isVisible()
    run_until(
        qloop, lambda: [r.title for r in tab.model.dialogue_rows()] == ["Kept from yesterday"]
    )
    tab.filter_bar.search_edit.setText("narwhal")
    run_until(qloop, lambda: tab.results.rowCount() == 1)


def test_no_key_no_banner_but_history_is_there(qloop, start_parley) -> None:  # type: ignore[no-untyped-def]
    parley = start_parley()
    assert parley.window.connection_state == "no key"
    tab = open_history(qloop, parley)
    assert not tab.offline_banner.isVisible()
    run_until(qloop, lambda: tab.count_label.text() == "0 dialogues")


def test_a_chat_reply_appears_in_history_and_can_be_continued(qloop, qtbot, parley) -> None:  # type: ignore[no-untyped-def]
    chat = parley.chat_tab
    type_and_send(qtbot, chat, "Hello there, history")
    run_until(qloop, lambda: chat.dialogue_id is not None and not chat.busy)
    dialogue_id = chat.dialogue_id
    chat.new_dialogue()

    tab = open_history(qloop, parley)
    run_until(qloop, lambda: [r.id for r in tab.model.dialogue_rows()] == [dialogue_id])
    row = tab.model.dialogue_rows()[0]
    assert (row.title, row.message_count, row.model) == ("Hello there, history", 2, "gpt-4o-mini")
    rect = tab.list_view.visualRect(tab.model.index_of(dialogue_id))
    qtbot.mouseClick(tab.list_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    run_until(qloop, lambda: tab.reader.continue_button.isEnabled())
    qtbot.mouseClick(tab.reader.continue_button, Qt.MouseButton.LeftButton)
    assert parley.window.tabs.currentWidget() is chat
    assert chat.dialogue_id == dialogue_id
    assert "Hello there, history" in chat.transcript.toPlainText()
