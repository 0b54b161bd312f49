"""Message actions in the Chat tab, driven as a user would: hover and click, keys, menus.

Edit and resend makes a new version (the old one is kept), the switcher flips between them and
each keeps its rating; any reply can be regenerated; delete has Undo; the conversation list
switches dialogues while a reply is being written, and nothing of the reply is lost.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_app.core.dialogue import Status
from tests.openai_server import expected_reply
from tests.support.chat import replies_done, send_and_wait, type_and_send
from tests.support.loop import run_until
from tests.support.transcript import click_action


def texts(tab) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.content for m in tab.transcript.messages]


def test_edit_and_resend_makes_a_version_the_switcher_flips_and_ratings_stay(
    qloop, qtbot, parley
) -> None:
    tab = parley.chat_tab
    view = tab.transcript
    send_and_wait(qloop, qtbot, tab, "Name a colour")
    click_action(qtbot, view, 1, "rate_down")  # 👎 the first answer
    first_reply = view.messages[1]
    click_action(qtbot, view, 0, "edit")
    assert tab.edit_bar.isVisible() and tab.input.toPlainText() == "Name a colour"
    tab.input.selectAll()
    qtbot.keyClicks(tab.input, "Name a fruit")
    qtbot.keyClick(tab.input, Qt.Key.Key_Return)
    run_until(qloop, lambda: view.messages[0].version == 2 and replies_done(tab))
    assert not tab.edit_bar.isVisible()
    user, reply = view.messages
    assert user.content == "Name a fruit" and (user.version, user.versions) == (2, 2)
    sent = [r.body for r in parley.test_server.requests if r.body and r.body.get("stream")][-1]
    assert [m["content"] for m in sent["messages"]] == ["Name a fruit"]  # not the old text
    assert reply.content == expected_reply(sent["messages"], "gpt-4o-mini")
    click_action(qtbot, view, 1, "rate_up")
    # Back to the first version: its question, its answer, its 👎.
    click_action(qtbot, view, 0, "version_prev")
    assert texts(tab) == ["Name a colour", first_reply.content]
    assert view.messages[1].rating == -1 and view.messages[0].version == 1
    click_action(qtbot, view, 0, "version_next")
    assert texts(tab)[0] == "Name a fruit" and view.messages[1].rating == 1
    assert parley.store.get_message(first_reply.id).rating == -1  # kept in the store too


def test_an_older_reply_is_regenerated_from_the_branch_before_it(qloop, qtbot, parley) -> None:
    tab = parley.chat_tab
    view = tab.transcript
    send_and_wait(qloop, qtbot, tab, "First question")
    send_and_wait(qloop, qtbot, tab, "Second question")
    old = view.messages[1]
    click_action(qtbot, view, 1, "regenerate")
    run_until(qloop, lambda: view.messages[1].versions == 2 and replies_done(tab))
    sent = [r.body for r in parley.test_server.requests if r.body and r.body.get("stream")][-1]
    assert [m["content"] for m in sent["messages"]] == ["First question"]
    assert len(view.messages) == 2  # the new version ends its branch
    new = view.messages[1]
    assert new.id != old.id and (new.version, new.versions) == (2, 2)
    click_action(qtbot, view, 1, "version_prev")
    assert [m.content for m in view.messages][2] == "Second question"  # the old branch is back


def test_delete_hides_a_message_and_what_follows_and_undo_brings_them_back(
    qloop, qtbot, parley
) -> None:
    tab = parley.chat_tab
    view = tab.transcript
    send_and_wait(qloop, qtbot, tab, "Keep me")
    send_and_wait(qloop, qtbot, tab, "Delete me")
    click_action(qtbot, view, 2, "delete")
    assert texts(tab)[0] == "Keep me" and len(view.messages) == 2
    assert "deleted" in tab.banner.text and tab.banner.isVisible()
    assert [m.content for m in parley.store.messages(tab.dialogue_id)][-1] != "Delete me"
    qtbot.mouseClick(tab.banner.action_button, Qt.MouseButton.LeftButton)  # the banner's button
    assert [m.content for m in view.messages][2] == "Delete me" and len(view.messages) == 4


def test_keys_move_between_messages_and_act_on_the_one_with_focus(qloop, qtbot, parley) -> None:
    tab = parley.chat_tab
    view = tab.transcript
    send_and_wait(qloop, qtbot, tab, "Tell me one thing")
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert view.focused == 1
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert view.focused == 0 and "Tell me one thing" in view.accessibleDescription()
    qtbot.keyClick(view, Qt.Key.Key_E)  # edit the focused message
    assert tab.edit_bar.isVisible() and tab.input.toPlainText() == "Tell me one thing"
    qtbot.keyClick(tab.input, Qt.Key.Key_Escape)  # cancel the edit
    assert not tab.edit_bar.isVisible() and tab.input.toPlainText() == ""
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Down)
    qtbot.keyClick(view, Qt.Key.Key_R)  # regenerate the focused reply
    run_until(qloop, lambda: view.messages[1].versions == 2 and replies_done(tab))
    assert view.messages[1].version == 2


def test_an_edit_that_empties_the_message_or_comes_mid_reply_changes_nothing(
    qloop, qtbot, parley
) -> None:
    tab = parley.chat_tab
    view = tab.transcript
    send_and_wait(qloop, qtbot, tab, "Original words")
    click_action(qtbot, view, 0, "edit")
    tab.input.clear()
    qtbot.keyClicks(tab.input, "   ")
    qtbot.keyClick(tab.input, Qt.Key.Key_Return)
    assert texts(tab)[0] == "Original words" and len(parley.store.messages(tab.dialogue_id)) == 2
    tab.cancel_edit()
    parley.test_server.chunk_delay = 0.05
    type_and_send(qtbot, tab, "A slow one")
    run_until(qloop, lambda: tab.busy)
    tab.commands.run("edit", view.messages[0].id)
    assert "reply is being written" in tab.banner.text and not tab.edit_bar.isVisible()
    tab.commands.run("version_next", view.messages[0].id)
    assert "nothing was changed" in tab.banner.text
    tab.stop()
    run_until(qloop, lambda: not tab.jobs)


def test_switching_conversations_mid_reply_loses_nothing(qloop, qtbot, parley) -> None:
    tab = parley.chat_tab
    run_until(qloop, lambda: tab.sidebar is not None)
    send_and_wait(qloop, qtbot, tab, "An earlier chat")
    earlier = tab.dialogue_id
    tab.new_dialogue()
    parley.test_server.chunk_delay = 0.03
    type_and_send(qtbot, tab, "Tell me something long")
    run_until(qloop, lambda: tab.busy and "heard" in tab.transcript.toPlainText())
    streaming = tab.dialogue_id
    tab.sidebar.dialogue_chosen.emit(earlier)  # a click in the list
    assert tab.dialogue_id == earlier and not tab.busy and streaming in tab.jobs
    assert "An earlier chat" in tab.transcript.toPlainText()
    assert tab.sidebar.is_streaming(streaming)
    tab.open_dialogue(streaming)  # back while it is still being written
    assert tab.busy and tab.transcript.streaming
    run_until(qloop, lambda: not tab.jobs, timeout=20)
    reply = parley.store.messages(streaming)[-1]
    assert reply.status is Status.COMPLETE
    full = expected_reply([{"role": "user", "content": "Tell me something long"}], "gpt-4o-mini")
    assert reply.content == full and tab.transcript.messages[-1].content == full
    assert not tab.sidebar.is_streaming(streaming)


def test_the_last_conversation_reopens_at_start(qloop, qtbot, start_parley, openai_server) -> None:
    from desktop_app.services.settings import Settings

    settings = Settings(provider="custom", base_url=openai_server.url, default_model="gpt-4o-mini")
    first = start_parley(settings)
    run_until(qloop, lambda: first.chat_tab.sidebar is not None)
    send_and_wait(qloop, qtbot, first.chat_tab, "Remember this one")
    kept = first.chat_tab.dialogue_id
    run_until(qloop, lambda: first.tasks.running == 0)
    first.window.close()  # saves the window's state
    second = start_parley()
    run_until(qloop, lambda: second.chat_tab.dialogue_id == kept)
    assert "Remember this one" in second.chat_tab.transcript.toPlainText()
