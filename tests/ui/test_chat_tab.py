"""The Chat tab driven as a user drives it: type, press Enter, watch, stop, regenerate."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from desktop_app.core.dialogue import Status
from tests.openai_server import Fault, expected_reply
from tests.support.chat import type_and_send
from tests.support.loop import run, run_until
from tests.support.transcript import click_link


def stored_messages(parley):  # type: ignore[no-untyped-def]
    return parley.store.messages(parley.chat_tab.dialogue_id)


def test_enter_sends_and_the_streamed_reply_is_shown_and_stored(qloop, qtbot, parley) -> None:
    tab = parley.chat_tab
    run_until(qloop, lambda: tab.model_picker.count() > 1)  # filled from models.list()
    type_and_send(qtbot, tab, "Hello there, friend")
    run_until(qloop, lambda: tab.dialogue_id is not None and not tab.busy)
    assert tab.input.toPlainText() == ""

    user, reply = stored_messages(parley)
    assert (user.role, user.content, user.sentiment_label) == (
        "user",
        "Hello there, friend",
        "positive",
    )
    sent = next(
        r.body for r in parley.test_server.requests if r.body and r.body.get("stream") is True
    )
    assert sent["model"] == "gpt-4o-mini"
    assert reply.content == expected_reply(sent["messages"], "gpt-4o-mini")
    assert reply.status is Status.COMPLETE and reply.sentiment_label
    assert reply.completion_tokens and reply.prompt_tokens
    shown = tab.transcript.toPlainText()
    assert "Hello there, friend" in shown and "heard 3 word(s)" in shown
    assert "**" not in shown  # rendered as Markdown, not shown raw


def test_shift_enter_starts_a_new_line_without_sending(qloop, qtbot, parley) -> None:
    tab = parley.chat_tab
    qtbot.keyClicks(tab.input, "line one")
    qtbot.keyClick(tab.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(tab.input, "line two")
    assert tab.input.toPlainText() == "line one\nline two"
    assert tab.dialogue_id is None and not tab.busy


def test_stop_during_a_slow_stream_keeps_the_partial_reply(qloop, qtbot, parley) -> None:
    parley.test_server.chunk_delay = 0.15
    tab = parley.chat_tab
    type_and_send(qtbot, tab, "Tell me something long")
    run_until(qloop, lambda: tab.busy and "heard" in tab.transcript.toPlainText())
    assert tab.stop_button.isVisible()
    qtbot.mouseClick(tab.stop_button, Qt.MouseButton.LeftButton)
    run_until(qloop, lambda: not tab.busy)

    assert parley.test_server.wait_for_disconnect(3), "the server kept streaming after Stop"
    reply = stored_messages(parley)[-1]
    assert reply.status is Status.INTERRUPTED
    assert reply.content and len(reply.content) < 200
    full = expected_reply([{"role": "user", "content": "Tell me something long"}], "gpt-4o-mini")
    assert full.startswith(reply.content)
    assert "Stopped" in tab.banner.text and tab.banner.isVisible()
    assert "interrupted" in tab.transcript.toPlainText()


def test_stop_before_the_first_word_still_closes_the_reply(qloop, qtbot, parley) -> None:
    tab = parley.chat_tab
    type_and_send(qtbot, tab, "Never mind")
    run_until(qloop, lambda: tab.busy)
    tab.stop()
    run_until(qloop, lambda: not tab.busy)
    reply = stored_messages(parley)[-1]
    assert (reply.role, reply.status) == ("assistant", Status.INTERRUPTED)


def test_escape_stops_the_reply(qloop, qtbot, parley) -> None:
    parley.test_server.chunk_delay = 0.15
    tab = parley.chat_tab
    type_and_send(qtbot, tab, "Another long one")
    run_until(qloop, lambda: tab.busy and "heard" in tab.transcript.toPlainText())
    qtbot.keyClick(tab.input, Qt.Key.Key_Escape)
    run_until(qloop, lambda: not tab.busy)
    assert stored_messages(parley)[-1].status is Status.INTERRUPTED


def test_a_401_shows_a_readable_message_in_the_tab(qloop, qtbot, parley) -> None:
    parley.test_server.add_fault(Fault(status=401))
    tab = parley.chat_tab
    type_and_send(qtbot, tab, "Are you there?")
    run_until(qloop, lambda: tab.banner.isVisible() and not tab.busy)
    assert "refused the API key" in tab.banner.text
    assert "Traceback" not in tab.banner.text
    user, reply = stored_messages(parley)
    assert user.content == "Are you there?"  # nothing the user wrote is lost
    assert reply.status is Status.ERROR and "refused the API key" in reply.error


def test_a_stream_cut_mid_reply_keeps_the_text_and_says_so(qloop, qtbot, parley) -> None:
    parley.test_server.add_fault(Fault(cut_after=4))
    tab = parley.chat_tab
    type_and_send(qtbot, tab, "Will this survive?")
    run_until(qloop, lambda: tab.banner.isVisible() and not tab.busy)
    reply = stored_messages(parley)[-1]
    assert reply.status is Status.INTERRUPTED and reply.content
    assert "lost before the reply finished" in tab.banner.text


def test_regenerate_replaces_the_last_reply_and_keeps_the_old_one(qloop, qtbot, parley) -> None:
    tab = parley.chat_tab
    type_and_send(qtbot, tab, "First question")
    run_until(qloop, lambda: tab.dialogue_id is not None and not tab.busy)
    first_reply = stored_messages(parley)[-1]
    tab.system_edit.setPlainText("Answer like a pirate")
    qtbot.mouseClick(tab.regenerate_button, Qt.MouseButton.LeftButton)
    run_until(qloop, lambda: not tab.busy and stored_messages(parley)[-1].id != first_reply.id)

    visible = stored_messages(parley)
    assert [m.role for m in visible] == ["user", "assistant"]
    assert "Answer like a pirate" in visible[-1].content  # the new system instruction was sent
    hidden = parley.store.get_message(first_reply.id)
    assert hidden is not None and hidden.content == first_reply.content  # kept, not deleted
    # The question once, and the new reply's echo of it (the old reply is gone from view).
    assert tab.transcript.toPlainText().count("heard 2 word(s)") == 1


def test_code_blocks_are_highlighted_and_copyable(qloop, qtbot, parley) -> None:
    tab = parley.chat_tab
    type_and_send(qtbot, tab, "show code")
    run_until(qloop, lambda: tab.dialogue_id is not None and not tab.busy)
    assert tab.transcript.code_blocks() == ["print('show code')"]
    reply = tab.transcript.items[-1]
    [code] = [p for p in reply.parts if p.piece is not None and p.piece.kind == "code"]
    assert "color:" in code.document.toHtml()  # Pygments' inline colours survived
    with qtbot.waitSignal(tab.transcript.code_copied, timeout=1000):
        click_link(qtbot, tab.transcript, len(tab.transcript.items) - 1, "parley-copy:")
    assert QGuiApplication.clipboard().text() == "print('show code')"


def test_the_model_list_is_cached_for_offline_use(
    qloop, qtbot, start_parley, openai_server
) -> None:
    from desktop_app.services.settings import Settings

    settings = Settings(provider="custom", base_url=openai_server.url)
    first = start_parley(settings)
    run_until(qloop, lambda: first.chat_tab.model_picker.findText("o4-mini") >= 0)
    assert first.chat_tab.model_picker.findText("text-embedding-3-small") < 0  # not a chat model
    assert first.window.connection_state == "online"
    run(qloop, first.shutdown())
    openai_server.stop()  # the network is gone

    second = start_parley(settings)
    picker = second.chat_tab.model_picker
    assert picker.findText("o4-mini") >= 0 and picker.findText("gpt-4o") >= 0
    run_until(qloop, lambda: second.window.connection_state == "offline")


def test_a_theme_change_during_a_reply_does_not_cut_it(qloop, qtbot, parley) -> None:
    from dataclasses import replace

    parley.test_server.chunk_delay = 0.05
    tab = parley.chat_tab
    type_and_send(qtbot, tab, "Keep going while I change the theme")
    run_until(qloop, lambda: tab.busy and "heard" in tab.transcript.toPlainText())
    assert parley.apply_settings(replace(parley.settings, theme="dark"), None) is None
    run_until(qloop, lambda: not tab.busy, timeout=20)
    assert stored_messages(parley)[-1].status is Status.COMPLETE
    assert parley.test_server.disconnects == 0


def test_a_dialogue_trashed_in_history_is_not_written_into(qloop, qtbot, parley) -> None:
    tab = parley.chat_tab
    type_and_send(qtbot, tab, "First dialogue")
    run_until(qloop, lambda: tab.dialogue_id is not None and not tab.busy)
    old = tab.dialogue_id
    parley.history_store.move_to_trash([old])
    type_and_send(qtbot, tab, "Second message")
    run_until(qloop, lambda: tab.dialogue_id != old and not tab.busy)
    assert parley.store.messages(old)[0].content == "First dialogue"
    assert len(parley.store.messages(old)) == 2  # nothing added to the trashed one
    assert stored_messages(parley)[0].content == "Second message"
    assert "deleted in History" in tab.banner.text


def test_a_database_locked_by_another_writer_delays_saving_but_loses_nothing(
    qloop, qtbot, parley
) -> None:
    """A History import can hold the write lock for seconds. A reply streaming meanwhile is
    checkpointed and finished in worker threads, retried until the lock is free: nothing is
    lost and the window keeps painting."""
    import sqlite3
    import threading
    import time

    from PySide6.QtCore import QTimer

    parley.store._conn.execute("PRAGMA busy_timeout = 100")  # give up quickly, then retry
    parley.test_server.chunk_delay = 0.02
    tab = parley.chat_tab
    type_and_send(qtbot, tab, "Save me through the lock")
    run_until(qloop, lambda: tab.busy and "heard" in tab.transcript.toPlainText())

    blocker = sqlite3.connect(parley.paths.database, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")  # another writer takes the database mid-reply
    locked_at = time.monotonic()
    release = threading.Timer(2.5, lambda: blocker.execute("COMMIT"))
    release.start()
    gaps: list[float] = []
    last = [time.monotonic()]

    def tick() -> None:
        now = time.monotonic()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(20)
    try:
        run_until(qloop, lambda: not tab.busy, timeout=20)
        run_until(qloop, lambda: stored_messages(parley)[-1].status is Status.COMPLETE, 20)
    finally:
        timer.stop()
        release.join()
        blocker.close()
    assert time.monotonic() - locked_at >= 2.5  # it really was saved after the lock went
    reply = stored_messages(parley)[-1]
    assert "heard 5 word(s)" in reply.content and reply.content.rstrip().endswith("```")
    assert max(gaps) < 1.0  # the window never froze waiting for the database
