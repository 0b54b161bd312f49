"""Replies that end the wrong way, as the user sees them in the Chat tab: the banner says what
happened, the card's status line says it too, the text that arrived stays; a reply cut at the
token limit offers Continue; a file code interpreter made is listed and can be saved."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop_app.core.dialogue import Status
from desktop_app.core.reply_endings import (
    CONTINUE_TEXT,
    CUT_TEXT,
    EMPTY_TEXT,
    LENGTH_TEXT,
    PAGE_TEXT,
    REFUSED_TEXT,
    Ending,
)
from desktop_app.services.gateway_errors import QUOTA_TEXT
from desktop_app.services.settings import MIN_TIMEOUT, Settings
from desktop_app.ui.chat.made_files import GONE_TEXT
from tests.openai_server import Fault
from tests.openai_server.containers import MADE_FILE, made_bytes
from tests.openai_server.endings import REFUSAL
from tests.support.chat import send_and_wait, type_and_send
from tests.support.loop import run_until
from tests.support.transcript import click_link, link_point
from tests.ui.test_assistant_chat import activate, start


def last_reply(parley):  # type: ignore[no-untyped-def]
    return parley.store.messages(parley.chat_tab.dialogue_id)[-1]


def settle(qloop, view, href: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until the link stays where it is for a few frames (layout done)."""
    seen: list[object] = []

    def steady() -> bool:
        seen.append(link_point(view, 1, href))
        return len(seen) > 5 and len(set(map(str, seen[-6:]))) == 1

    run_until(qloop, steady)


def header(tab, index: int = -1) -> str:  # type: ignore[no-untyped-def]
    """The card's header line: who, model, figures, status."""
    return " · ".join(
        [tab.transcript.items[index].card.who, *tab.transcript.items[index].card.details]
    )


@pytest.mark.parametrize(
    ("ending", "told"), [("no_finish", CUT_TEXT), ("html", PAGE_TEXT)], ids=["no-finish", "html"]
)
def test_a_cut_stream_is_kept_marked_and_told(qloop, qtbot, parley, ending, told) -> None:  # type: ignore[no-untyped-def]
    parley.test_server.add_fault(Fault(ending=ending))
    tab = parley.chat_tab
    type_and_send(qtbot, tab, "Is this the whole answer?")
    run_until(qloop, lambda: tab.banner.isVisible() and not tab.busy)
    assert tab.banner.text == told and tab.banner.level in ("warning", "error")
    reply = last_reply(parley)
    assert (reply.status, reply.ending) == (Status.INTERRUPTED, Ending.CUT)
    assert header(tab).endswith("cut off")
    # The card's note has the banner's tone: a warning while text arrived, else an error.
    assert tab.transcript.items[-1].card.error_tone == tab.banner.level
    if ending == "no_finish":
        assert "heard 5 word(s)" in tab.transcript.toPlainText()  # the text that arrived


def test_the_token_limit_offers_continue_which_asks_for_the_rest(qloop, qtbot, parley) -> None:  # type: ignore[no-untyped-def]
    parley.test_server.add_fault(Fault(ending="length"))
    tab = parley.chat_tab
    send_and_wait(qloop, qtbot, tab, "Tell me everything")
    run_until(qloop, lambda: tab.banner.isVisible())
    cut = last_reply(parley)
    assert (cut.status, cut.ending) == (Status.INTERRUPTED, Ending.LENGTH)
    assert tab.banner.text.startswith(LENGTH_TEXT) and "Continue" in tab.banner.text
    assert header(tab).endswith("cut at the token limit")
    assert tab.transcript.items[-1].card.error_tone == "warning"
    button = tab.banner.action_button
    assert button.isVisible() and button.text() == "Continue"
    qtbot.keyClicks(tab.input, "a draft I am writing")  # the composer is left alone
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    run_until(
        qloop,
        lambda: len(parley.store.messages(tab.dialogue_id)) == 4 and not tab.busy,
    )
    sent = parley.test_server.requests[-1].body["messages"]
    assert sent[-2] == {"role": "assistant", "content": cut.content}  # the partial reply
    assert sent[-1] == {"role": "user", "content": CONTINUE_TEXT}
    assert last_reply(parley).status is Status.COMPLETE and not tab.banner.isVisible()
    assert tab.input.toPlainText() == "a draft I am writing"


def test_a_refusal_shows_its_words_and_the_card_says_refused(qloop, qtbot, parley) -> None:  # type: ignore[no-untyped-def]
    parley.test_server.add_fault(Fault(ending="refusal"))
    tab = parley.chat_tab
    send_and_wait(qloop, qtbot, tab, "Something I should not ask")
    reply = last_reply(parley)
    assert (reply.content, reply.ending) == (REFUSAL, Ending.REFUSED)
    assert REFUSAL in tab.transcript.toPlainText()
    assert header(tab).endswith("refused")
    assert tab.banner.text == REFUSED_TEXT


def test_a_reply_with_no_text_is_told(qloop, qtbot, parley) -> None:  # type: ignore[no-untyped-def]
    parley.test_server.add_fault(Fault(ending="empty"))
    tab = parley.chat_tab
    send_and_wait(qloop, qtbot, tab, "Say nothing")
    run_until(qloop, lambda: tab.banner.isVisible())
    assert tab.banner.text == EMPTY_TEXT
    assert header(tab).endswith("no text")
    assert tab.transcript.items[-1].card.error_tone == "error"
    assert last_reply(parley).status is Status.ERROR
    button = tab.banner.action_button  # the banner's own way to try again
    assert button.isVisible() and button.text() == "Regenerate"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    run_until(qloop, lambda: last_reply(parley).status is Status.COMPLETE and not tab.busy)
    again = last_reply(parley)
    assert again.content and again.versions == 2 and not tab.banner.isVisible()


def test_a_quota_error_mid_stream_shows_the_quota_message(qloop, qtbot, parley) -> None:  # type: ignore[no-untyped-def]
    parley.test_server.add_fault(Fault(ending="quota"))
    tab = parley.chat_tab
    type_and_send(qtbot, tab, "Spend my last cent")
    run_until(qloop, lambda: tab.banner.isVisible() and not tab.busy)
    assert tab.banner.text.startswith(QUOTA_TEXT)
    assert last_reply(parley).status is Status.INTERRUPTED


def test_a_file_code_interpreter_made_is_listed_and_saved(
    qloop, qtbot, start_parley, openai_server, tmp_path: Path
) -> None:
    parley = start(start_parley, openai_server, qloop, "responses")
    activate(qloop, qtbot, parley, "General helper", tools=("code_interpreter",))
    tab = parley.chat_tab
    send_and_wait(qloop, qtbot, tab, "square these words")
    reply = last_reply(parley)
    assert reply.status is Status.COMPLETE
    assert f"Files: {MADE_FILE}" in tab.transcript.toPlainText()
    assert "used code interpreter" in tab.transcript.toPlainText()
    assert "(1 file)" in tab.transcript.toPlainText()  # a file it made is not a "source"
    # The header gains the reply's cost once it is priced, which moves the row: click after.
    run_until(qloop, lambda: tab.transcript.items[1].card.message.usage is not None)
    settle(qloop, tab.transcript, "parley-file:0")
    click_link(qtbot, tab.transcript, 1, "parley-file:0")
    dialog = tab.made_files.dialog
    assert dialog is not None and dialog.isVisible()
    target = tmp_path / "saved.csv"
    dialog.selectFile(str(target))
    dialog.accept()
    run_until(qloop, lambda: target.exists() and not tab.tasks.running)
    assert target.read_bytes() == made_bytes("square these words")
    assert tab.banner.text == f"Saved {MADE_FILE} to {target}."
    fetched = [r for r in openai_server.requests if "/containers/" in r.path]
    assert len(fetched) == 1 and fetched[0].path.endswith("/content")
    with openai_server.lock:  # the container expired meanwhile
        openai_server.container_files.clear()
    click_link(qtbot, tab.transcript, 1, "sandbox:")  # the reply's own link saves it too
    again = tab.made_files.dialog
    assert again is not None and again is not dialog and again.isVisible()
    again.selectFile(str(tmp_path / "again.csv"))
    again.accept()
    run_until(qloop, lambda: "no longer on the server" in tab.banner.text)
    assert tab.banner.text == GONE_TEXT.format(name=MADE_FILE)
    assert not (tmp_path / "again.csv").exists()


def test_a_server_that_stops_answering_is_not_called_offline(
    qloop, qtbot, start_parley, openai_server
) -> None:
    """It answered the model list, then kept a reply waiting past the timeout: the status bar
    says it is not answering (the network may be fine), the banner that Parley waited."""
    settings = Settings(
        provider="custom",
        base_url=openai_server.url,
        default_model="gpt-4o-mini",
        request_timeout=MIN_TIMEOUT,
    )
    parley = start_parley(settings)
    run_until(qloop, lambda: parley.window.connection_state == "online")
    openai_server.add_fault(Fault(chunk_delay=MIN_TIMEOUT + 2))  # the stream opens, then waits
    tab = parley.chat_tab
    type_and_send(qtbot, tab, "Are you there?")
    run_until(qloop, lambda: tab.banner.isVisible() and not tab.busy, timeout=MIN_TIMEOUT + 10)
    assert "stopped sending" in tab.banner.text
    assert parley.window.connection_state == "no answer"
    assert parley.window.connection_label.text() == "Not answering"


def test_a_timeout_that_names_settings_offers_them(
    qloop, qtbot, start_parley, openai_server
) -> None:  # type: ignore[no-untyped-def]
    """No answer at all within the timeout, three times (the SDK's two retries): the banner
    says so and to raise the timeout in Settings, and its button opens them. (About 16 s.)"""
    settings = Settings(
        provider="custom",
        base_url=openai_server.url,
        default_model="gpt-4o-mini",
        request_timeout=MIN_TIMEOUT,
    )
    parley = start_parley(settings)
    run_until(qloop, lambda: parley.window.connection_state == "online")
    openai_server.add_fault(Fault(delay=MIN_TIMEOUT + 1, times=None))
    tab = parley.chat_tab
    type_and_send(qtbot, tab, "Are you there?")
    run_until(qloop, lambda: tab.banner.isVisible() and not tab.busy, timeout=4 * MIN_TIMEOUT + 10)
    assert "raise the request timeout in Settings" in tab.banner.text
    button = tab.banner.action_button
    assert button.isVisible() and button.text() == "Open Settings…"
    openai_server.clear_faults()
    opened: list[bool] = []
    tab.settings_requested.connect(lambda: opened.append(True))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert opened == [True]
