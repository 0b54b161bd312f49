"""A chat turn with tools through `ChatSession.stream_reply`, as the Chat tab runs it: every
round kept in the store as it ends, the text of each round streamed to the view, Stop during a
slow tool, the bound on rounds, a server without function calling, and the Responses API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from desktop_app.core.dialogue import Status
from desktop_app.core.tool_calls import STOPPED_TEXT
from desktop_app.core.tool_policy import Decision, ToolPolicy
from desktop_app.core.wire_apis import RESPONSES
from desktop_app.services.chat_session import ChatSession, PendingTurn
from desktop_app.services.gateway_errors import GatewayError
from desktop_app.services.tool_loop import (
    NO_FUNCTIONS_TEXT,
    StepFinished,
    StepStarted,
)
from desktop_app.services.tool_turns import RoundSaved
from tests.openai_server import OpenAIServer
from tests.support.loop import run, run_until
from tests.support.tools import Approver, FakeTools

MODEL = "gpt-4o-mini"


class Seen:
    """What the view is given: streamed text and the loop's events, in order."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.events: list[Any] = []

    def kinds(self) -> list[str]:
        return [type(e).__name__ for e in self.events]


def prepared(
    make: Callable[..., ChatSession],
    server: OpenAIServer,
    text: str,
    *decisions: Decision,
    wire: str = "",
) -> tuple[ChatSession, PendingTurn, FakeTools, Approver, Seen]:
    session = make(server, wire_api=wire or "auto")
    turn = session.prepare(None, text, MODEL, "Be brief.")
    tools, approver, seen = FakeTools(), Approver(*decisions), Seen()
    turn.tools, turn.approve, turn.policy = tools, approver, ToolPolicy()
    turn.listener = seen.events.append
    return session, turn, tools, approver, seen


def test_a_tool_turn_streams_each_round_and_keeps_it(qloop, openai_server, chat_sessions) -> None:  # type: ignore[no-untyped-def]
    session, turn, tools, approver, seen = prepared(
        chat_sessions, openai_server, 'use add with {"a": 2, "b": 40}'
    )
    first = turn.reply
    reply = run(qloop, session.stream_reply(turn, seen.text.append))
    assert tools.calls == [("add", {"a": 2, "b": 40})] and len(approver.asked) == 1
    branch = session.store.messages(turn.dialogue_id)
    assert [m.role for m in branch] == ["user", "assistant", "tool", "assistant"]
    asked, result, answer = branch[1:]
    assert asked.id == first.id and asked.tool_calls[0]["function"]["name"] == "add"
    assert result.content == "42" and result.tool_call_id == asked.tool_calls[0]["id"]
    assert answer.id == reply.id == turn.reply.id and answer.status is Status.COMPLETE
    assert answer.content == "Tool results: add → 42\n" == "".join(seen.text)
    assert seen.kinds()[:4] == ["RoundStarted", "StepStarted", "StepFinished", "RoundSaved"]
    saved = next(e for e in seen.events if isinstance(e, RoundSaved))
    assert [m.role for m in saved.saved] == ["assistant", "tool"] and saved.reply.id == answer.id


def test_the_responses_api_keeps_the_same_chain(qloop, openai_server, chat_sessions) -> None:  # type: ignore[no-untyped-def]
    session, turn, _tools, _approver, seen = prepared(
        chat_sessions, openai_server, 'use add with {"a": 1, "b": 1}', wire=RESPONSES
    )
    reply = run(qloop, session.stream_reply(turn, seen.text.append))
    assert turn.wire_api == RESPONSES
    branch = session.store.messages(turn.dialogue_id)
    assert [m.role for m in branch] == ["user", "assistant", "tool", "assistant"]
    assert reply.content == "Tool results: add → 2\n" and reply.status is Status.COMPLETE
    assert any(r.path == "/v1/responses" for r in openai_server.requests)


def test_a_denied_call_is_kept_and_the_model_told(qloop, openai_server, chat_sessions) -> None:  # type: ignore[no-untyped-def]
    session, turn, tools, _approver, seen = prepared(
        chat_sessions, openai_server, 'use add with {"a": 2, "b": 3}', Decision.DENY
    )
    reply = run(qloop, session.stream_reply(turn, seen.text.append))
    assert tools.calls == []
    result = session.store.messages(turn.dialogue_id)[2]
    assert result.role == "tool" and result.tool_info["decision"] == "deny"
    assert "did not allow" in result.content and "did not allow" in reply.content


def test_stop_during_a_slow_tool_keeps_the_call_with_its_answer(
    qloop, openai_server, chat_sessions
) -> None:  # type: ignore[no-untyped-def]
    session, turn, tools, _approver, seen = prepared(chat_sessions, openai_server, "use slow")
    task = asyncio.ensure_future(session.stream_reply(turn, seen.text.append))
    run_until(qloop, tools.slow_started.is_set)
    assert any(isinstance(e, StepStarted) for e in seen.events)
    task.cancel()
    run_until(qloop, task.done)
    run(qloop, session.flush())
    assert tools.cancelled == ["slow"]
    branch = session.store.messages(turn.dialogue_id)
    assert [m.role for m in branch] == ["user", "assistant", "tool", "assistant"]
    asked, result, after = branch[1:]
    assert asked.status is Status.COMPLETE and asked.tool_calls[0]["function"]["name"] == "slow"
    assert result.content == STOPPED_TEXT and result.tool_call_id == asked.tool_calls[0]["id"]
    assert after.status is Status.INTERRUPTED and after.content == ""
    assert not any(isinstance(e, StepFinished) and e.step.result is None for e in seen.events)


def test_the_bound_on_rounds_is_said_on_the_reply(qloop, openai_server, chat_sessions) -> None:  # type: ignore[no-untyped-def]
    session, turn, _tools, _approver, seen = prepared(
        chat_sessions, openai_server, "use now forever"
    )
    reply = run(qloop, session.stream_reply(turn, seen.text.append))
    assert reply.status is Status.INTERRUPTED and "8 times in this reply" in reply.error
    stored = session.store.messages(turn.dialogue_id)
    assert stored[-1].id == reply.id and stored[-2].role == "tool"
    assert sum(1 for m in stored if m.role == "assistant" and m.tool_calls) == 8


def test_a_server_without_function_calling_says_what_to_do(qloop, chat_sessions) -> None:  # type: ignore[no-untyped-def]
    with OpenAIServer(personality="notools") as server:
        session, turn, tools, _approver, seen = prepared(chat_sessions, server, "use now")
        with pytest.raises(GatewayError) as caught:
            run(qloop, session.stream_reply(turn, seen.text.append))
        run(qloop, session.flush())
    assert caught.value.message == NO_FUNCTIONS_TEXT and tools.calls == []
    reply = session.store.messages(turn.dialogue_id)[-1]
    assert reply.status is Status.ERROR and reply.error == NO_FUNCTIONS_TEXT


def test_a_server_error_after_a_tool_ran_does_not_run_the_turn_again_elsewhere(
    qloop, openai_server, chat_sessions
) -> None:  # type: ignore[no-untyped-def]
    """In "auto", Responses failing before anything came goes on as chat completions; once a
    tool has run, it must not: the calls would run twice."""
    from desktop_app.core.assistants import AssistantProfile
    from tests.openai_server import Fault

    session, turn, tools, _approver, seen = prepared(
        chat_sessions, openai_server, 'use add with {"a": 2, "b": 2}'
    )
    turn.assistant = AssistantProfile("Adder", MODEL, "Be brief.")
    assert session.wire_api == "auto"

    def on_event(event: Any) -> None:
        seen.events.append(event)
        if isinstance(event, RoundSaved):  # the next round's request fails, every try
            openai_server.add_fault(Fault(path="/v1/responses", status=502, times=None))

    turn.listener = on_event
    with pytest.raises(GatewayError):
        run(qloop, session.stream_reply(turn, seen.text.append), timeout=60)
    run(qloop, session.flush())
    assert tools.calls == [("add", {"a": 2, "b": 2})]  # once
    assert not [r for r in openai_server.requests if r.path == "/v1/chat/completions"]
    assert [m.role for m in session.store.messages(turn.dialogue_id)] == [
        "user", "assistant", "tool", "assistant",
    ]  # fmt: skip
