"""Tools in the Chat tab, driven as a user does, against the real MCP test server (stdio) and
Parley's own OpenAI-compatible server: turn a server on for the chat, ask, see the question,
allow → the step and the answer that uses it; deny → the model is told; always → no second
question; Stop during a slow tool; a tool that fails; a conversation keeps its servers."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop_app.app import Parley
from desktop_app.core.dialogue import Status
from desktop_app.services.mcp_types import READY
from desktop_app.services.settings import Settings
from desktop_app.services.tool_decisions import StoredDecisions
from tests.mcp_servers.launch import stdio_config
from tests.openai_server import OpenAIServer
from tests.support.chat import replies_done, type_and_send
from tests.support.loop import run, run_until
from tests.support.transcript import click_link

pytestmark = pytest.mark.slow


@pytest.fixture
def app(qloop, start_parley, openai_server: OpenAIServer) -> Parley:  # type: ignore[no-untyped-def]
    settings = Settings(
        provider="custom",
        base_url=openai_server.url,
        default_model="gpt-4o-mini",
        mcp_servers=(stdio_config("tools"),),
    )
    parley = start_parley(settings)
    run_until(qloop, lambda: parley.tasks.running == 0, timeout=30)
    return parley


def turn_on(tab: Any, server: str) -> None:
    """Open the chip's menu and tick the server, as a click on its entry does."""
    tab.tools_button.fill_menu()
    entry = next(a for a in tab.tools_button.menu_.actions() if a.text().startswith(server))
    entry.trigger()


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def press(qloop, qtbot, tab, button) -> None:  # type: ignore[no-untyped-def]
    """Click one of the question's buttons once the card is laid out (a click on a button
    not yet given its size is not a click)."""
    run_until(qloop, lambda: tab.approval.asking and button.isVisible() and button.width() > 0)
    click(qtbot, button)


def roles(tab: Any) -> list[str]:
    return [m.role for m in tab.transcript.messages]


def test_allow_runs_the_tool_and_the_step_shows_with_the_answer(qloop, qtbot, app) -> None:  # type: ignore[no-untyped-def]
    tab = app.chat_tab
    assert tab.tools_button.isVisible() and tab.tools_button.text() == "Tools: off"
    turn_on(tab, "tools")
    assert tab.tools_button.text() == "Tools: tools"
    type_and_send(qtbot, tab, 'use add with {"a": 2, "b": 40}')
    run_until(qloop, lambda: tab.approval.asking, timeout=60)  # the server starts first
    assert tab.approval.isVisible()
    assert "add" in tab.approval.title.text() and "tools" in tab.approval.title.text()
    assert tab.approval.arguments.toPlainText() == '{\n  "a": 2,\n  "b": 40\n}'
    assert tab.input.hasFocus()  # the question never takes the keyboard from the box
    press(qloop, qtbot, tab, tab.approval.allow_button)
    run_until(qloop, lambda: replies_done(tab), timeout=30)
    assert not tab.approval.isVisible()
    assert roles(tab) == ["user", "assistant", "tool", "assistant"]
    asked, step, answer = tab.transcript.items[1:]
    assert "called 1 tool" in asked.card.details
    assert step.card.step.name == "add" and step.card.step.server == "tools"
    assert step.card.step.state == "ran" and step.card.step.result == "42.0"
    assert answer.card.message.content == "Tool results: add → 42.0\n"
    assert answer.card.message.status is Status.COMPLETE
    click_link(qtbot, tab.transcript, 2, "parley-step:")  # open the step
    assert "step" in tab.transcript.items[2].expanded
    shown = tab.transcript.plain_text()
    assert "▾ add · tools" in shown and '"a": 2' in shown
    stored = tab.chat.store.messages(tab.dialogue_id)
    assert [m.role for m in stored] == ["user", "assistant", "tool", "assistant"]
    assert stored[2].tool_info["decision"] == "allow_once"


def test_deny_tells_the_model_and_runs_nothing(qloop, qtbot, app) -> None:  # type: ignore[no-untyped-def]
    tab = app.chat_tab
    turn_on(tab, "tools")
    type_and_send(qtbot, tab, 'use add with {"a": 1, "b": 2}')
    run_until(qloop, lambda: tab.approval.asking, timeout=60)
    press(qloop, qtbot, tab, tab.approval.deny_button)
    run_until(qloop, lambda: replies_done(tab), timeout=30)
    step = tab.transcript.items[2].card.step
    assert step.state == "denied" and "denied" in step.summary
    assert "did not allow" in tab.transcript.items[3].card.message.content


def test_always_allow_asks_once_and_settings_can_take_it_back(qloop, qtbot, app) -> None:  # type: ignore[no-untyped-def]
    tab = app.chat_tab
    turn_on(tab, "tools")
    type_and_send(qtbot, tab, 'use add with {"a": 1, "b": 1}')
    run_until(qloop, lambda: tab.approval.asking, timeout=60)
    press(qloop, qtbot, tab, tab.approval.always_button)
    run_until(qloop, lambda: replies_done(tab), timeout=30)
    assert tab.transcript.items[2].card.message.tool_info["decision"] == "always"
    assert StoredDecisions(app.store).allowed() == {"tools/add"}
    asked: list[bool] = []
    type_and_send(qtbot, tab, 'use add with {"a": 3, "b": 4}')
    run_until(qloop, lambda: (asked.append(tab.approval.asking), replies_done(tab))[1], 30)
    run_until(qloop, lambda: len(tab.transcript.messages) == 8, timeout=30)
    assert not any(asked)
    assert tab.transcript.items[-1].card.message.content == "Tool results: add → 7.0\n"
    app.tool_policy.revoke("tools/add")
    type_and_send(qtbot, tab, 'use add with {"a": 5, "b": 5}')
    run_until(qloop, lambda: tab.approval.asking, timeout=30)  # asked again
    press(qloop, qtbot, tab, tab.approval.allow_button)
    run_until(qloop, lambda: replies_done(tab) and len(tab.transcript.messages) == 12, 30)


def test_stop_during_a_slow_tool_keeps_the_call_with_its_answer(qloop, qtbot, app) -> None:  # type: ignore[no-untyped-def]
    tab = app.chat_tab
    turn_on(tab, "tools")
    type_and_send(qtbot, tab, 'use slow with {"seconds": 60}')
    run_until(qloop, lambda: tab.approval.asking, timeout=60)
    press(qloop, qtbot, tab, tab.approval.allow_button)
    run_until(qloop, lambda: "Running slow" in tab.tool_activity.text())
    assert tab.tool_activity.isVisible() and tab.stop_button.isVisible()
    qtbot.keyClick(tab.input, Qt.Key.Key_Escape)  # Esc stops the reply, and the call with it
    run_until(qloop, lambda: not tab.jobs, timeout=15)
    assert not tab.tool_activity.isVisible()
    assert roles(tab) == ["user", "assistant", "tool", "assistant"]
    step, after = tab.transcript.items[2:]
    assert step.card.step.state == "stopped"
    assert after.card.message.status is Status.INTERRUPTED
    assert app.mcp.status("tools").state == READY  # the server stays usable


def test_a_failing_tool_is_shown_as_failed_and_the_model_told(qloop, qtbot, app) -> None:  # type: ignore[no-untyped-def]
    tab = app.chat_tab
    turn_on(tab, "tools")
    type_and_send(qtbot, tab, "use fail")
    run_until(qloop, lambda: tab.approval.asking, timeout=60)
    press(qloop, qtbot, tab, tab.approval.allow_button)
    run_until(qloop, lambda: replies_done(tab), timeout=30)
    step = tab.transcript.items[2].card.step
    assert step.state == "failed" and "failed" in step.summary
    assert "Error" in tab.transcript.items[3].card.message.content


def test_a_conversation_keeps_its_servers_and_a_new_one_starts_without(qloop, qtbot, app) -> None:  # type: ignore[no-untyped-def]
    tab = app.chat_tab
    type_and_send(qtbot, tab, "hello")
    run_until(qloop, lambda: replies_done(tab), timeout=30)
    first = tab.dialogue_id
    turn_on(tab, "tools")
    tab.new_dialogue()
    assert tab.tools_button.text() == "Tools: off"
    tab.open_dialogue(first)
    assert tab.tools_button.text() == "Tools: tools"
    assert tab.tools_button.selection == ("tools",)


# --- faults: every one said in plain words, nothing lost ---------------------------------------


@pytest.fixture
def faulty(qloop, start_parley, openai_server: OpenAIServer) -> Parley:  # type: ignore[no-untyped-def]
    """Parley with the good test server and the misbehaving one (tests/mcp_servers)."""
    settings = Settings(
        provider="custom",
        base_url=openai_server.url,
        default_model="gpt-4o-mini",
        mcp_servers=(stdio_config("tools"), stdio_config("bad", "bad_server")),
    )
    parley = start_parley(settings)
    run_until(qloop, lambda: parley.tasks.running == 0, timeout=30)
    return parley


def ask_and_allow(qloop, qtbot, tab, text: str, times: int = 1) -> None:  # type: ignore[no-untyped-def]
    type_and_send(qtbot, tab, text)
    for _ in range(times):
        run_until(qloop, lambda: tab.approval.asking or replies_done(tab), timeout=60)
        if tab.approval.asking:
            press(qloop, qtbot, tab, tab.approval.allow_button)
    run_until(qloop, lambda: replies_done(tab), timeout=60)


def last_step(tab: Any) -> Any:
    return next(i.card.step for i in reversed(tab.transcript.items) if i.card.step is not None)


def test_a_server_that_crashes_mid_call(qloop, qtbot, faulty) -> None:  # type: ignore[no-untyped-def]
    tab = faulty.chat_tab
    turn_on(tab, "bad")
    ask_and_allow(qloop, qtbot, tab, "use boom")
    step = last_step(tab)
    assert step.state == "failed"
    result = tab.chat.store.messages(tab.dialogue_id)[2].content
    assert (
        result == "bad stopped during the call to boom; its last words: boom: exiting with status 3"
    )
    assert tab.transcript.items[-1].card.message.status is Status.COMPLETE
    ask_and_allow(qloop, qtbot, tab, 'use huge with {"size": 10}')  # it starts again
    assert last_step(tab).state == "ran"


def test_a_server_that_writes_garbage_and_one_that_answers_too_much(
    qloop, qtbot, faulty, openai_server: OpenAIServer
) -> None:  # type: ignore[no-untyped-def]
    tab = faulty.chat_tab
    turn_on(tab, "bad")
    ask_and_allow(qloop, qtbot, tab, "use babble")
    babble = last_step(tab)  # a line that is not JSON-RPC on its stdout is passed over
    assert (babble.state, babble.result) == ("ran", "said something odd")
    ask_and_allow(qloop, qtbot, tab, 'use huge with {"size": 500000}')
    step = last_step(tab)
    assert step.state == "ran" and step.hidden > 100_000  # folded on screen
    stored = [m for m in tab.chat.store.messages(tab.dialogue_id) if m.role == "tool"][-1]
    assert len(stored.content) >= 200_000  # kept (to the service's cap), not only what shows
    sent = openai_server.requests[-1].body["messages"][-1]
    assert sent["role"] == "tool" and len(sent["content"]) < 25_000  # the model gets a part
    assert sent["content"].endswith("more characters not shown.]")  # ...and is told so


def test_a_hanging_tool_is_stopped_at_the_time_limit(qloop, qtbot, app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from desktop_app.services import tool_turns

    monkeypatch.setattr(tool_turns, "CALL_TIMEOUT", 1.0)
    tab = app.chat_tab
    turn_on(tab, "tools")
    ask_and_allow(qloop, qtbot, tab, 'use slow with {"seconds": 30}')
    step = last_step(tab)
    assert step.state == "failed" and "did not finish within 1 seconds" in step.result


def test_an_unknown_tool_and_bad_arguments_run_nothing(qloop, qtbot, app) -> None:  # type: ignore[no-untyped-def]
    tab = app.chat_tab
    turn_on(tab, "tools")
    type_and_send(qtbot, tab, 'use nosuch and use add with {"a": "two"}')
    run_until(qloop, lambda: replies_done(tab), timeout=60)
    assert not tab.approval.isVisible()  # nothing to ask about: neither can run
    steps = [i.card.step for i in tab.transcript.items if i.card.step is not None]
    assert [s.state for s in steps] == ["failed", "failed"]
    assert "nosuch" in steps[0].result and "add" in steps[0].result  # what exists instead
    assert "a" in steps[1].result


def test_a_server_that_cannot_start_is_said_and_the_reply_goes_on(
    qloop, qtbot, start_parley, openai_server
) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(
        provider="custom",
        base_url=openai_server.url,
        default_model="gpt-4o-mini",
        mcp_servers=(stdio_config("broken", "bad_server", "die"),),
    )
    parley = start_parley(settings)
    run_until(qloop, lambda: parley.tasks.running == 0, timeout=30)
    tab = parley.chat_tab
    turn_on(tab, "broken")
    type_and_send(qtbot, tab, "hello")
    run_until(qloop, lambda: replies_done(tab), timeout=60)
    assert tab.banner.isVisible() and "“broken” offers no tools now" in tab.banner.text
    assert tab.transcript.items[-1].card.message.status is Status.COMPLETE


def test_an_assistants_servers_are_on_in_a_new_chat_with_it(qloop, qtbot, app) -> None:  # type: ignore[no-untyped-def]
    from desktop_app.core.assistants import AssistantProfile

    tab = app.chat_tab
    tab.set_assistant(AssistantProfile("Calculator", "gpt-4o-mini", mcp_servers=("tools",)))
    assert tab.tools_button.text() == "Tools: tools"
    tab.set_assistant(None)
    assert tab.tools_button.text() == "Tools: off"


def test_an_assistant_with_a_server_uses_it_and_history_keeps_the_steps(qloop, qtbot, app) -> None:  # type: ignore[no-untyped-def]
    from desktop_app.core.assistants import AssistantProfile

    tab = app.chat_tab
    tab.set_assistant(AssistantProfile("Painter", "gpt-4o-mini", mcp_servers=("tools",)))
    type_and_send(qtbot, tab, "use image")
    run_until(qloop, lambda: tab.approval.asking, timeout=60)
    press(qloop, qtbot, tab, tab.approval.allow_button)
    run_until(qloop, lambda: replies_done(tab), timeout=30)
    step = tab.transcript.items[2]
    assert step.card.step.name == "image" and len(step.card.images) == 1
    assert step.card.images[0].mime == "image/png"
    assert any(part.kind == "images" and part.thumbs for part in step.parts or [])
    dialogue_id = tab.dialogue_id
    stored = tab.chat.store.messages(dialogue_id)
    assert [m.role for m in stored] == ["user", "assistant", "tool", "assistant"]
    assert stored[2].attachments and stored[2].tool_info["source"] == "tools"
    history = app.history_tab
    app.window.tabs.setCurrentWidget(history)
    run(qloop, history.open_dialogue(dialogue_id))
    run_until(qloop, lambda: history.view.message_count == 4, timeout=15)
    shown = [i.card for i in history.view.items]
    assert shown[2].step is not None and shown[2].step.name == "image"  # read back offline


def test_a_hosted_server_is_called_by_the_provider_after_the_users_yes(
    qloop, qtbot, start_parley, openai_server: OpenAIServer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from desktop_app.ui.chat.chat_tab import ChatTab
    from tests.mcp_servers.launch import http_config, http_server

    monkeypatch.setattr(ChatTab, "offers_hosted_mcp", staticmethod(lambda _session: True))
    with http_server() as url:
        settings = Settings(
            provider="custom",
            base_url=openai_server.url,
            default_model="gpt-4o-mini",
            wire_api="responses",
            mcp_servers=(http_config(url, "web", hosted=True),),
        )
        parley = start_parley(settings)
        run_until(qloop, lambda: parley.tasks.running == 0, timeout=30)
        tab = parley.chat_tab
        turn_on(tab, "web")
        type_and_send(qtbot, tab, 'use add with {"a": 40, "b": 2}')
        run_until(qloop, lambda: tab.approval.asking, timeout=60)
        assert "add" in tab.approval.title.text() and "web" in tab.approval.title.text()
        press(qloop, qtbot, tab, tab.approval.allow_button)
        run_until(qloop, lambda: replies_done(tab), timeout=60)
    assert roles(tab) == ["user", "assistant"]  # the provider's calls are notes of the reply
    reply = tab.transcript.items[-1].card
    assert reply.message.content == "Tool results: add → 42.0\n"
    assert [n.label for n in reply.notes] == ["used MCP tool: add on web"]
    assert parley.mcp.status("web").state != READY  # Parley never connected to it itself
