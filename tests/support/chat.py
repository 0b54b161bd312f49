"""Driving the Chat tab as a user does: type a message and press Enter, wait for the reply."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.support.loop import run_until


def type_and_send(qtbot, tab, text: str) -> None:  # type: ignore[no-untyped-def]
    tab.input.setFocus()
    qtbot.keyClicks(tab.input, text)
    qtbot.keyClick(tab.input, Qt.Key.Key_Return)


def replies_done(tab) -> bool:  # type: ignore[no-untyped-def]
    """Nothing is being written and the last message shown is a finished reply."""
    messages = tab.transcript.messages
    return (
        not tab.jobs
        and not tab.tasks.running
        and bool(messages)
        and messages[-1].role == "assistant"
        and not tab.transcript.streaming
    )


def send_and_wait(qloop, qtbot, tab, text: str) -> None:  # type: ignore[no-untyped-def]
    """Send a message and wait until its reply is finished (the reply to *this* message)."""
    before = len(tab.chat.store.messages(tab.dialogue_id)) if tab.dialogue_id else 0
    type_and_send(qtbot, tab, text)
    run_until(
        qloop,
        lambda: (
            tab.dialogue_id is not None
            and len(tab.chat.store.messages(tab.dialogue_id)) >= before + 2
            and replies_done(tab)
        ),
    )
