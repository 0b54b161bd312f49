"""Streams that end the wrong way, end to end: the real SDK against the test server's shaped
endings (real HTTP, real SSE), through ChatSession into the store, on both wire APIs.

A reply is "complete" only when the server said it was finished; each other ending is stored
as what it is, with the sentence the user is told."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.core.assistants import AssistantProfile
from desktop_app.core.dialogue import Message, Status
from desktop_app.core.reply_endings import (
    CUT_TEXT,
    EMPTY_TEXT,
    LENGTH_TEXT,
    PAGE_TEXT,
    TOOLS_TEXT,
    Ending,
)
from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.services.chat_session import ChatSession
from desktop_app.services.gateway_errors import QUOTA_TEXT, ErrorKind, GatewayError
from desktop_app.services.store import Store
from tests.integration.test_gateway import gateway_for
from tests.openai_server import Fault, OpenAIServer, expected_reply, split_into_chunks
from tests.openai_server.endings import (
    LIMIT_PIECES,
    QUOTA_AFTER,
    QUOTA_MESSAGE,
    REFUSAL,
    SECOND_CHOICE,
)
from tests.openai_server.response_replies import build_reply
from tests.support.loop import run

QUESTION = "Where does the stream end"
CHAT = "chat_completions"
RESPONSES = "responses"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "parley.db", tmp_path / "attachments")
    yield store
    store.close()


def full_text(wire: str) -> str:
    if wire == CHAT:
        return expected_reply([{"role": "user", "content": QUESTION}], "gpt-4o-mini")
    body = {"model": "gpt-4o-mini", "input": [{"role": "user", "content": QUESTION}]}
    return build_reply(body, lambda _s, _q: []).text


def reply_to(
    qloop, server: OpenAIServer, store: Store, wire: str, assistant: AssistantProfile | None = None
) -> tuple[Message, GatewayError | None, str]:  # type: ignore[no-untyped-def]
    """Send QUESTION; the stored reply, the error raised (if any) and the text shown."""
    session = ChatSession(store, gateway_for(server), SentimentAnalyzer(), wire_api=wire)
    turn = session.prepare(None, QUESTION, "gpt-4o-mini", "", assistant)
    shown: list[str] = []

    async def go() -> GatewayError | None:
        try:
            await session.stream_reply(turn, shown.append)
        except GatewayError as exc:
            return exc
        finally:
            await session.gateway.aclose()
        return None

    error = run(qloop, go())
    assert turn.reply.id is not None
    stored = store.get_message(turn.reply.id)
    assert stored is not None
    return stored, error, "".join(shown)


@pytest.mark.parametrize("wire", [CHAT, RESPONSES])
def test_a_body_that_ends_without_its_finish_is_cut_not_complete(
    qloop, openai_server, store, wire
) -> None:
    openai_server.add_fault(Fault(path="/v1/", ending="no_finish"))
    reply, error, shown = reply_to(qloop, openai_server, store, wire)
    assert error is None  # nothing failed on the wire: the body just stopped
    assert (reply.status, reply.ending, reply.error) == (Status.INTERRUPTED, "cut", CUT_TEXT)
    assert reply.content == shown == full_text(wire)  # what arrived is kept


@pytest.mark.parametrize("wire", [CHAT, RESPONSES])
def test_a_web_page_instead_of_a_stream_is_cut_and_named(qloop, openai_server, store, wire):  # type: ignore[no-untyped-def]
    openai_server.add_fault(Fault(path="/v1/", ending="html"))
    reply, error, _ = reply_to(qloop, openai_server, store, wire)
    assert error is not None and error.kind is ErrorKind.CUT and error.message == PAGE_TEXT
    assert (reply.status, reply.ending, reply.content) == (Status.INTERRUPTED, "cut", "")
    assert reply.error == PAGE_TEXT


@pytest.mark.parametrize("wire", [CHAT, RESPONSES])
def test_the_token_limit_is_cut_at_the_limit(qloop, openai_server, store, wire) -> None:
    openai_server.add_fault(Fault(path="/v1/", ending="length"))
    reply, error, _ = reply_to(qloop, openai_server, store, wire)
    assert error is None
    assert (reply.status, reply.ending, reply.error) == (
        Status.INTERRUPTED,
        Ending.LENGTH,
        LENGTH_TEXT,
    )
    assert reply.content == "".join(split_into_chunks(full_text(wire))[:LIMIT_PIECES])


@pytest.mark.parametrize("wire", [CHAT, RESPONSES])
def test_an_assistants_own_token_cap_is_cut_at_the_limit(qloop, openai_server, store, wire):  # type: ignore[no-untyped-def]
    """No fault: the server stops at the cap the request set (max_completion_tokens on chat
    completions, max_output_tokens on Responses) and says so."""
    profile = AssistantProfile("Brief", "gpt-4o-mini", "", max_output_tokens=4)
    reply, error, _ = reply_to(qloop, openai_server, store, wire, profile)
    assert error is None and reply.ending == Ending.LENGTH
    assert reply.content == "".join(split_into_chunks(full_text(wire))[:4])


@pytest.mark.parametrize("wire", [CHAT, RESPONSES])
def test_a_refusal_is_the_reply_and_marked_refused(qloop, openai_server, store, wire) -> None:
    openai_server.add_fault(Fault(path="/v1/", ending="refusal"))
    reply, error, shown = reply_to(qloop, openai_server, store, wire)
    assert error is None
    assert (reply.content, shown) == (REFUSAL, REFUSAL)
    assert (reply.status, reply.ending) == (Status.COMPLETE, Ending.REFUSED)


@pytest.mark.parametrize(
    ("ending", "told"), [("tool_calls", TOOLS_TEXT), ("empty", EMPTY_TEXT)], ids=["tools", "empty"]
)
def test_a_reply_without_text_never_passes_as_complete(qloop, openai_server, store, ending, told):  # type: ignore[no-untyped-def]
    openai_server.add_fault(Fault(ending=ending))
    reply, error, _ = reply_to(qloop, openai_server, store, CHAT)
    assert error is None
    assert (reply.status, reply.ending, reply.error) == (Status.ERROR, Ending.EMPTY, told)


@pytest.mark.parametrize("wire", [CHAT, RESPONSES])
def test_a_quota_error_mid_stream_gets_the_quota_message(qloop, openai_server, store, wire):  # type: ignore[no-untyped-def]
    openai_server.add_fault(Fault(path="/v1/", ending="quota"))
    reply, error, _ = reply_to(qloop, openai_server, store, wire)
    assert error is not None and error.kind is ErrorKind.RATE_LIMIT
    # the words a 429 insufficient_quota gets before streaming (the same `limit_error`)
    assert error.message == f"{QUOTA_TEXT} The server said: {QUOTA_MESSAGE}"
    assert "server error" not in error.message.lower()
    assert reply.status is Status.INTERRUPTED and reply.error == error.message
    assert reply.content == "".join(split_into_chunks(full_text(wire))[:QUOTA_AFTER])


def test_several_choices_are_read_by_index_and_choice_0_is_shown(qloop, openai_server, store):  # type: ignore[no-untyped-def]
    openai_server.add_fault(Fault(ending="choices"))
    reply, error, shown = reply_to(qloop, openai_server, store, CHAT)
    assert error is None
    assert reply.content == shown == full_text(CHAT)  # not a word of the other choice
    assert SECOND_CHOICE.split()[1] not in reply.content
    assert (reply.status, reply.ending) == (Status.COMPLETE, Ending.NONE)
