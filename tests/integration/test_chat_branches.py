"""Edit-and-resend and Regenerate against the test server: each sends the history of its own
branch, adds a version beside the old message, and leaves the old branch intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core.dialogue import Message
from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.services.chat_session import ChatSession, PendingTurn
from desktop_app.services.store import Store
from tests.integration.test_gateway import gateway_for
from tests.openai_server import OpenAIServer, expected_reply
from tests.support.images import image_bytes
from tests.support.loop import run

MODEL = "gpt-4o-mini"
SYSTEM = "Answer briefly"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "parley.db", tmp_path / "attachments")
    yield store
    store.close()


@pytest.fixture
def session(qloop, openai_server: OpenAIServer, store: Store) -> ChatSession:  # type: ignore[no-untyped-def]
    session = ChatSession(store, gateway_for(openai_server), SentimentAnalyzer())
    yield session
    run(qloop, session.gateway.aclose())


def sent(server: OpenAIServer) -> list[tuple[str, str]]:
    """The (role, text) of the messages in the last chat request the server received."""
    body = next(r.body for r in reversed(server.requests) if r.method == "POST")
    return [
        (m["role"], m["content"] if isinstance(m["content"], str) else m["content"][0]["text"])
        for m in body["messages"]
    ]


def answer(qloop, session: ChatSession, turn: PendingTurn) -> Message:  # type: ignore[no-untyped-def]
    return run(qloop, session.stream_reply(turn, lambda _t: None))


def talk(qloop, session: ChatSession, *texts: str) -> tuple[int, list[Message]]:  # type: ignore[no-untyped-def]
    dialogue = None
    for text in texts:
        turn = session.prepare(dialogue, text, MODEL, SYSTEM)
        dialogue = turn.dialogue_id
        answer(qloop, session, turn)
    assert dialogue is not None
    return dialogue, session.store.messages(dialogue)


def test_an_edit_sends_the_branch_before_it_and_keeps_the_old_branch(
    qloop, openai_server, session, store
) -> None:
    dialogue, (q1, a1, q2, a2) = talk(qloop, session, "Name a fruit", "And a vegetable")
    turn = session.prepare_edit(dialogue, q2.id, "  And a tree  ", MODEL, SYSTEM)
    assert turn.user_message is not None and turn.user_message.content == "And a tree"
    assert (turn.user_message.version, turn.user_message.versions) == (2, 2)
    assert (turn.reply.version, turn.reply.versions) == (1, 1)
    reply = answer(qloop, session, turn)
    assert sent(openai_server) == [
        ("system", SYSTEM), ("user", "Name a fruit"), ("assistant", a1.content),
        ("user", "And a tree"),
    ]  # fmt: skip
    assert reply.content == expected_reply(openai_server.requests[-1].body["messages"], MODEL)
    shown = store.messages(dialogue)
    assert [m.content for m in shown] == ["Name a fruit", a1.content, "And a tree", reply.content]
    assert (shown[2].version, shown[2].versions) == (2, 2)
    assert store.sibling_ids(q2.id) == [q2.id, turn.user_message.id]
    old = store.switch_to(q2.id)  # the old branch, reply and all, is still there
    assert [m.id for m in old] == [q1.id, a1.id, q2.id, a2.id]


def test_editing_the_first_message_starts_a_new_branch_with_its_images(
    qloop, openai_server, session, store
) -> None:
    dialogue, (q1, _a1) = talk(qloop, session, "What is this?")
    store.add_attachment(q1.id, image_bytes(), "png", "image/png", "cat.png")
    turn = session.prepare_edit(dialogue, q1.id, "What colour is this?", MODEL, SYSTEM)
    answer(qloop, session, turn)
    body = openai_server.requests[-1].body["messages"]
    assert [m["role"] for m in body] == ["system", "user"]
    assert [p["type"] for p in body[1]["content"]] == ["text", "image_url"]
    shown = store.messages(dialogue)
    assert shown[0].parent_id is None and shown[0].attachments[0].name == "cat.png"
    assert store.sibling_ids(q1.id) == [q1.id, shown[0].id]


def test_an_empty_edit_is_refused_and_changes_nothing(qloop, session, store) -> None:
    dialogue, before = talk(qloop, session, "Keep me")
    with pytest.raises(ValueError, match="cannot be empty"):
        session.prepare_edit(dialogue, before[0].id, " \n ", MODEL, SYSTEM)
    with pytest.raises(ValueError, match="no longer in this dialogue"):
        session.prepare_edit(dialogue, before[1].id, "a reply is not edited so", MODEL, SYSTEM)
    assert store.messages(dialogue) == before


def test_regenerating_an_older_reply_sends_only_what_came_before_it(
    qloop, openai_server, session, store
) -> None:
    dialogue, (q1, a1, q2, a2) = talk(qloop, session, "Name a fruit", "And a vegetable")
    turn = session.prepare_regenerate(dialogue, MODEL, "Be a pirate", reply_id=a1.id)
    assert turn.user_message is None and turn.reply.parent_id == q1.id
    assert (turn.reply.version, turn.reply.versions) == (2, 2)
    reply = answer(qloop, session, turn)
    assert sent(openai_server) == [("system", "Be a pirate"), ("user", "Name a fruit")]
    shown = store.messages(dialogue)
    assert [m.id for m in shown] == [q1.id, reply.id]
    assert (shown[1].version, shown[1].versions) == (2, 2)
    assert store.sibling_ids(a1.id) == [a1.id, reply.id]
    assert [m.id for m in store.switch_to(a1.id)] == [q1.id, a1.id, q2.id, a2.id]
    with pytest.raises(ValueError, match="no longer in this dialogue"):
        session.prepare_regenerate(dialogue, MODEL, SYSTEM, reply_id=q1.id)


def test_regenerate_by_default_answers_the_last_user_message_again(
    qloop, openai_server, session, store
) -> None:
    dialogue, (q1, a1, q2, a2) = talk(qloop, session, "Name a fruit", "And a vegetable")
    turn = session.prepare_regenerate(dialogue, MODEL, SYSTEM)
    reply = answer(qloop, session, turn)
    assert sent(openai_server)[-1] == ("user", "And a vegetable")
    assert len(sent(openai_server)) == 4
    assert [m.id for m in store.messages(dialogue)] == [q1.id, a1.id, q2.id, reply.id]
    assert store.sibling_ids(reply.id) == [a2.id, reply.id]
    empty = store.create_dialogue("Nothing yet")
    with pytest.raises(ValueError, match="no message to answer"):
        session.prepare_regenerate(empty, MODEL, SYSTEM)
