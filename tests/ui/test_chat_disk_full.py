"""A full disk in the Chat tab: what the user is told is what happened, nothing is kept twice,
and everything works again once there is space.

The disk is filled two ways: for real, by SQLite's own limit (`PRAGMA max_page_count` on the
app's connection gives the very error a full disk gives, SQLITE_FULL "database or disk is
full"), and at one store method (the disk filling up between two writes, which a page limit
cannot aim at)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from desktop_app.core.dialogue import Status
from desktop_app.services.store import Store
from tests.openai_server import expected_reply
from tests.support.chat import replies_done, send_and_wait
from tests.support.loop import run_until

UNLIMITED = 1_073_741_823


def streamed_requests(parley) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for r in parley.test_server.requests if r.body and r.body.get("stream"))


def stored(parley) -> list[Any]:  # type: ignore[no-untyped-def]
    return parley.store.messages(parley.chat_tab.dialogue_id)


def fill_the_disk(store: Store) -> None:
    """No page more than the database has now: the next write that needs one fails."""
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages}")


def free_space(store: Store) -> None:
    store._conn.execute(f"PRAGMA max_page_count = {UNLIMITED}")


def disk_full() -> sqlite3.OperationalError:
    """SQLite's error for a full disk, as SQLite raises it."""
    error = sqlite3.OperationalError("database or disk is full")
    error.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
    return error


@pytest.fixture
def full_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., dict[str, bool]]]:
    """`full_at("checkpoint", ...)`: those store methods find the disk full (inside their
    transaction, as SQLite would) while `state["full"]` is True."""
    state = {"full": True}

    def plant(*names: str, when: Callable[..., bool] = lambda *a, **k: True) -> dict[str, bool]:
        for name in names:
            real = getattr(Store, name)

            def failing(self, *args, _real=real, **kwargs):  # type: ignore[no-untyped-def]
                if state["full"] and when(*args, **kwargs):
                    with self._transaction():
                        raise disk_full()
                return _real(self, *args, **kwargs)

            monkeypatch.setattr(Store, name, failing)
        return state

    yield plant


def paste_and_send(qtbot, tab, text: str) -> None:  # type: ignore[no-untyped-def]
    QGuiApplication.clipboard().setText(text)
    tab.input.setFocus()
    qtbot.keyClick(tab.input, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(tab.input, Qt.Key.Key_Return)


def test_a_full_disk_at_send_keeps_nothing_says_so_and_the_resend_is_one_message(
    qloop, qtbot, parley
) -> None:
    tab = parley.chat_tab
    send_and_wait(qloop, qtbot, tab, "Hello")
    long_text = " ".join(f"{n}" * 2_000 for n in range(10))  # 20,000 characters, 10 words
    fill_the_disk(parley.store)
    before = streamed_requests(parley)
    paste_and_send(qtbot, tab, long_text)
    run_until(qloop, lambda: tab.banner.isVisible())

    assert "disk is full" in tab.banner.text and "not sent" in tab.banner.text
    assert "database or disk is full" not in tab.banner.text  # SQLite's words stay in the log
    assert "not saved" in tab.banner.text  # and it was not: nothing is in the history
    assert tab.input.toPlainText() == long_text  # still there to send again
    assert [m.role for m in stored(parley)] == ["user", "assistant"]  # "Hello" and its reply
    assert streamed_requests(parley) == before

    free_space(parley.store)
    tab.input.setFocus()
    qtbot.keyClick(tab.input, Qt.Key.Key_Return)
    run_until(qloop, lambda: len(stored(parley)) == 4 and replies_done(tab))
    messages = stored(parley)
    assert [m.content for m in messages if m.role == "user"] == ["Hello", long_text]
    assert messages[-1].status is Status.COMPLETE and messages[-1].content
    assert tab.input.toPlainText() == "" and not tab.banner.isVisible()


def test_the_disk_filling_between_the_message_and_its_reply_keeps_neither(
    qloop, qtbot, parley, full_at
) -> None:
    """The user's message was written and the reply's placeholder was not: the message used to
    stay (sent as context next time, and twice after a resend) under a banner saying it was
    not saved."""
    tab = parley.chat_tab
    send_and_wait(qloop, qtbot, tab, "Hello")
    state = full_at(
        "add_message", when=lambda _dialogue, message, *_a, **_k: message.role == "assistant"
    )
    tab.input.setFocus()
    qtbot.keyClicks(tab.input, "Are you there")
    qtbot.keyClick(tab.input, Qt.Key.Key_Return)
    run_until(qloop, lambda: tab.banner.isVisible())
    assert "disk is full" in tab.banner.text and "not saved" in tab.banner.text
    assert len(stored(parley)) == 2  # neither the message nor a reply

    state["full"] = False
    qtbot.keyClick(tab.input, Qt.Key.Key_Return)
    run_until(qloop, lambda: len(stored(parley)) == 4 and replies_done(tab))
    users = [m.content for m in stored(parley) if m.role == "user"]
    assert users == ["Hello", "Are you there"]
    sent = [r.body for r in parley.test_server.requests if r.body and r.body.get("stream")]
    assert [m["content"] for m in sent[-1]["messages"]].count("Are you there") == 1
    assert stored(parley)[-1].status is Status.COMPLETE


def test_a_full_disk_while_a_reply_streams_is_said_and_the_reply_saved_once_freed(
    qloop, qtbot, parley, full_at
) -> None:
    parley.chat.save_retry_delay = 0.05
    parley.test_server.chunk_delay = 0.05
    tab = parley.chat_tab
    state = full_at("checkpoint", "finish_message")
    tab.input.setFocus()
    qtbot.keyClicks(tab.input, "Tell me a long story")
    qtbot.keyClick(tab.input, Qt.Key.Key_Return)
    run_until(qloop, lambda: "not being saved as it arrives" in tab.banner.text)
    assert tab.busy and tab.banner.level == "warning"
    run_until(qloop, lambda: "cannot be saved yet" in tab.banner.text)  # the stream has ended
    assert tab.busy  # still trying
    reply = stored(parley)[-1]
    assert reply.status is Status.STREAMING and reply.content == ""  # nothing got through

    state["full"] = False
    run_until(qloop, lambda: not tab.busy)
    assert "space again" in tab.banner.text
    reply = stored(parley)[-1]
    full = expected_reply([{"role": "user", "content": "Tell me a long story"}], "gpt-4o-mini")
    assert reply.status is Status.COMPLETE and reply.content == full


def test_a_reply_that_can_never_be_saved_is_shown_and_the_user_told(
    qloop, qtbot, parley, full_at
) -> None:
    parley.chat.save_attempts, parley.chat.save_retry_delay = 3, 0.05
    tab = parley.chat_tab
    full_at("finish_message")
    tab.input.setFocus()
    qtbot.keyClicks(tab.input, "Say something")
    qtbot.keyClick(tab.input, Qt.Key.Key_Return)
    run_until(qloop, lambda: not tab.busy and "history" in tab.banner.text)
    assert "could not be saved" in tab.banner.text and "disk is full" in tab.banner.text
    assert "heard 2 word(s): “Say something”" in tab.transcript.toPlainText()
    assert [m.content for m in stored(parley) if m.role == "user"] == ["Say something"]
