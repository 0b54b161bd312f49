"""Reasoning and stream timing, end to end: the real SDK against the test server on both wire
APIs, through ChatSession into the store, History search and exports."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop_app.core.assistants import AssistantProfile
from desktop_app.core.dialogue import Message, Status
from desktop_app.core.exporters import write_export
from desktop_app.core.history import SearchFilters
from desktop_app.core.pricing import estimate_output
from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.services.chat_session import ChatSession, PendingTurn
from desktop_app.services.gateway_errors import GatewayError
from desktop_app.services.history_store import HistoryStore
from tests.integration.test_gateway import gateway_for
from tests.openai_server import Fault, OpenAIServer, expected_reply, split_into_chunks
from tests.openai_server.reasoning import expected_reasoning
from tests.openai_server.response_replies import build_reply
from tests.openai_server.usage import counts
from tests.support.loop import run

QUESTION = "Why is the sky blue"
THOUGHT = "\n\n".join(expected_reasoning(QUESTION))


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    store = HistoryStore.open(tmp_path / "parley.db", tmp_path / "attachments")
    yield store
    store.close()


def ticks(start: float = 100.0) -> Callable[[], float]:
    """A clock that moves one second each time it is read. The session reads it when the
    request goes out, at the first reasoning token, at the first answer token and at the end,
    so those moments are 100, 101, 102 and 103."""
    now = [start - 1.0]

    def read() -> float:
        now[0] += 1.0
        return now[0]

    return read


def session_for(server: OpenAIServer, store: HistoryStore, wire_api: str, **kw) -> ChatSession:  # type: ignore[no-untyped-def]
    return ChatSession(
        store, gateway_for(server), SentimentAnalyzer(), wire_api=wire_api, clock=ticks(), **kw
    )


class Seen:
    """What the session handed to its callbacks."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.reasoning: list[str] = []


def stream(qloop, session: ChatSession, turn: PendingTurn, seen: Seen) -> Message:  # type: ignore[no-untyped-def]
    async def go() -> Message:
        try:
            return await session.stream_reply(
                turn, seen.text.append, on_reasoning=seen.reasoning.append
            )
        finally:
            await session.gateway.aclose()

    return run(qloop, go())


def last_post(server: OpenAIServer) -> dict:  # type: ignore[type-arg]
    return next(r for r in reversed(server.requests) if r.method == "POST").body


def assert_timing(reply: Message, output_tokens: int) -> None:
    # sent 100 → first reasoning 101 → first answer 102 → end 103
    assert (reply.first_token_seconds, reply.reasoning_seconds) == (1.0, 1.0)
    assert reply.tokens_per_second == output_tokens / 2.0


@pytest.mark.parametrize("model", ["reasoner-content", "reasoner-field", "reasoner-think"])
def test_chat_completions_reasoning_is_kept_apart_and_stored(
    qloop, openai_server, store, model
) -> None:
    openai_server.add_model(model)
    session = session_for(openai_server, store, "chat_completions")
    turn = session.prepare(None, QUESTION, model, "")
    seen = Seen()
    reply = stream(qloop, session, turn, seen)
    sent = last_post(openai_server)["messages"]
    answer = expected_reply(sent, model)
    assert (reply.status, reply.content, reply.reasoning) == (Status.COMPLETE, answer, THOUGHT)
    assert "".join(seen.text) == answer and "".join(seen.reasoning).strip() == THOUGHT
    assert "<think>" not in reply.content
    stored = store.get_message(reply.id)  # type: ignore[arg-type]
    assert stored is not None and (stored.content, stored.reasoning) == (answer, THOUGHT)
    thoughts = len(split_into_chunks(THOUGHT))
    output = counts(sent, len(split_into_chunks(answer)), model, thoughts=thoughts)["output"]
    assert reply.completion_tokens == output
    assert_timing(stored, output)
    # The reasoning is not sent back on the next turn (DeepSeek refuses it, and it is long).
    follow = session.prepare(turn.dialogue_id, "And at sunset", model, "")
    stream(qloop, session, follow, Seen())
    assert THOUGHT not in json.dumps(last_post(openai_server))


def test_responses_summaries_are_asked_for_and_kept(qloop, openai_server, store) -> None:
    thinker = AssistantProfile("Thinker", "o4-mini", "Think first", reasoning_effort="low")
    session = session_for(openai_server, store, "responses")
    turn = session.prepare(None, QUESTION, thinker.model, thinker.instructions, thinker)
    seen = Seen()
    reply = stream(qloop, session, turn, seen)
    body = last_post(openai_server)
    assert body["reasoning"] == {"effort": "low", "summary": "auto"}
    answer = build_reply(body, lambda *_: []).text
    assert (reply.status, reply.content, reply.reasoning) == (Status.COMPLETE, answer, THOUGHT)
    assert "".join(seen.reasoning) == THOUGHT  # two summary parts, a blank line between
    stored = store.get_message(reply.id)  # type: ignore[arg-type]
    assert stored is not None and stored.reasoning == THOUGHT
    assert_timing(stored, reply.completion_tokens or 0)


@pytest.mark.parametrize("model", ["reasoner-raw", "reasoner-think"])
def test_responses_raw_reasoning_and_think_blocks_are_kept(
    qloop, openai_server, store, model
) -> None:
    openai_server.add_model(model)
    session = session_for(openai_server, store, "responses")
    turn = session.prepare(None, QUESTION, model, "")
    reply = stream(qloop, session, turn, Seen())
    body = last_post(openai_server)
    assert "reasoning" not in body  # not a model Parley knows to reason: nothing asked
    answer = build_reply(body, lambda *_: []).text
    assert (reply.content, reply.reasoning) == (answer, THOUGHT)
    assert store.get_message(reply.id).reasoning == THOUGHT  # type: ignore[union-attr]
    assert_timing(reply, reply.completion_tokens or 0)


def test_a_reply_stopped_while_thinking_keeps_its_reasoning(qloop, openai_server, store) -> None:
    openai_server.add_model("reasoner-content")
    openai_server.chunk_delay = 0.05
    session = session_for(openai_server, store, "chat_completions", checkpoint_interval=0.02)
    turn = session.prepare(None, QUESTION, "reasoner-content", "")
    seen = Seen()

    async def stop_while_thinking() -> None:
        task = asyncio.ensure_future(
            session.stream_reply(turn, seen.text.append, on_reasoning=seen.reasoning.append)
        )
        # Checkpointed while it streams: a crash now would keep the thought so far.
        while not store.get_message(turn.reply.id).reasoning:  # type: ignore[arg-type, union-attr]
            await asyncio.sleep(0.01)
        while len(seen.reasoning) < 4:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await session.gateway.aclose()

    run(qloop, stop_while_thinking())
    stored = store.get_message(turn.reply.id)  # type: ignore[arg-type]
    assert stored is not None and stored.status is Status.INTERRUPTED and seen.text == []
    assert stored.reasoning == "".join(seen.reasoning).strip() and THOUGHT.startswith(
        stored.reasoning
    )
    assert stored.content == "" and len(stored.reasoning) < len(THOUGHT)
    # sent 100 → first reasoning 101 → stopped 102; no usage came, so the ledger's estimate.
    assert (stored.first_token_seconds, stored.reasoning_seconds) == (1.0, 1.0)
    assert stored.tokens_per_second == estimate_output("".join(seen.reasoning)) / 1.0


def test_a_stream_cut_while_thinking_is_interrupted_not_failed(qloop, openai_server, store):  # type: ignore[no-untyped-def]
    openai_server.add_model("reasoner-field")
    openai_server.add_fault(Fault(cut_after=3))
    session = session_for(openai_server, store, "chat_completions")
    turn = session.prepare(None, QUESTION, "reasoner-field", "")
    with pytest.raises(GatewayError):
        stream(qloop, session, turn, Seen())
    stored = store.get_message(turn.reply.id)  # type: ignore[arg-type]
    assert stored is not None and stored.status is Status.INTERRUPTED
    assert stored.reasoning == "".join(split_into_chunks(THOUGHT)[:3]).strip()


def test_history_finds_reasoning_and_exports_leave_it_out_unless_asked(
    qloop, openai_server, store
) -> None:
    openai_server.add_model("reasoner-think")
    session = session_for(openai_server, store, "chat_completions")
    turn = session.prepare(None, QUESTION, "reasoner-think", "")
    reply = stream(qloop, session, turn, Seen())
    (hit,) = store.search_messages("planning", SearchFilters())  # only in the reasoning
    assert (hit.message_id, hit.in_reasoning) == (reply.id, True)
    (hit,) = store.search_messages("heard", SearchFilters())  # only in the answer
    assert (hit.message_id, hit.in_reasoning) == (reply.id, False)
    dialogue = store.get_dialogue(turn.dialogue_id)
    assert dialogue is not None
    for fmt in ("json", "markdown"):
        plain, full = io.StringIO(), io.StringIO()
        write_export(fmt, [dialogue], 1, plain)
        write_export(fmt, [dialogue], 1, full, include_reasoning=True)
        assert "Planning the answer" not in plain.getvalue()
        assert "Planning the answer" in full.getvalue()


def test_a_server_that_refuses_summaries_is_asked_again_without(qloop, openai_server, store):  # type: ignore[no-untyped-def]
    """OpenAI refuses reasoning summaries to an organisation that is not verified (400): the
    reply still comes, without reasoning, and the next request does not ask again."""
    openai_server.unsupported.add("reasoning_summaries")
    thinker = AssistantProfile("Thinker", "o4-mini", "Think first", reasoning_effort="high")
    session = session_for(openai_server, store, "responses")
    gateway = session.gateway
    for text in (QUESTION, "And at sunset"):
        turn = session.prepare(None, text, thinker.model, thinker.instructions, thinker)
        reply = stream(qloop, session, turn, Seen())
        assert reply.status is Status.COMPLETE and reply.content and reply.reasoning == ""
        assert reply.first_token_seconds == 1.0 and reply.reasoning_seconds is None
    posts = [r.body for r in openai_server.requests if r.path == "/v1/responses"]
    assert [p["reasoning"] for p in posts] == [
        {"effort": "high", "summary": "auto"},  # refused
        {"effort": "high"},
        {"effort": "high"},  # not asked again
    ]
    assert gateway.summaries is False


def test_the_test_server_refuses_reasoning_for_models_that_do_not_reason(qloop, openai_server):  # type: ignore[no-untyped-def]
    """So the tests above prove Parley's requests valid: gpt-4o takes no reasoning object."""
    gateway = gateway_for(openai_server)

    async def ask() -> None:
        try:
            request = {"model": "gpt-4o", "input": "Hi", "reasoning": {"effort": "low"}}
            async for _event in gateway.stream_responses(request):
                pass
        finally:
            await gateway.aclose()

    with pytest.raises(GatewayError, match=r"reasoning\.effort"):
        run(qloop, ask())
