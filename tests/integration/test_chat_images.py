"""Images sent with a chat message: stored as attachments before the request, sent as image
parts on either wire API, and sent again with the follow-up questions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from desktop_app.core.images import prepare_image
from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.services.chat_session import ChatSession
from desktop_app.services.store import Store, StoreError
from tests.integration.test_gateway import gateway_for
from tests.openai_server import OpenAIServer
from tests.support.images import image_bytes
from tests.support.loop import run


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "parley.db", tmp_path / "attachments")
    yield store
    store.close()


def red_and_blue() -> list:  # type: ignore[type-arg]
    red = replace(prepare_image(image_bytes((40, 30), "red")), name="red.png")
    blue = replace(prepare_image(image_bytes((20, 20), "blue", "JPEG")), name="blue.jpg")
    return [red, blue]


@pytest.mark.parametrize("wire_api", ["chat_completions", "responses"])
def test_images_are_stored_first_and_sent_as_image_parts(
    qloop, openai_server: OpenAIServer, store: Store, wire_api: str
) -> None:
    session = ChatSession(store, gateway_for(openai_server), SentimentAnalyzer(), wire_api=wire_api)
    images = red_and_blue()
    turn = session.prepare(None, "What are these?", "gpt-4o", "", images=images)

    # Before anything was sent: the message and both files are in the store.
    assert openai_server.requests == []
    [user] = [m for m in store.messages(turn.dialogue_id) if m.role == "user"]
    assert [(a.name, a.mime) for a in user.attachments] == [
        ("red.png", "image/png"),
        ("blue.jpg", "image/jpeg"),
    ]
    assert store.attachment_path(user.attachments[0]).read_bytes() == images[0].data
    assert turn.user_message is not None and turn.user_message.attachments == user.attachments

    reply = run(qloop, session.stream_reply(turn, lambda _t: None))
    body = openai_server.requests[-1].body
    if wire_api == "responses":
        [item] = body["input"]
        assert [p["type"] for p in item["content"]] == ["input_text", "input_image", "input_image"]
        assert item["content"][2]["image_url"].startswith("data:image/jpeg;base64,")
    else:
        [message] = body["messages"]
        assert [p["type"] for p in message["content"]] == ["text", "image_url", "image_url"]
        assert "a 40×30 PNG image, mostly red" in reply.content
        assert "a 20×20 JPEG image, mostly blue" in reply.content
    assert "- images attached: 2" in reply.content

    # A follow-up question sends the pictures again (the model keeps no memory of them).
    follow = session.prepare(turn.dialogue_id, "And the first one?", "gpt-4o", "")
    run(qloop, session.stream_reply(follow, lambda _t: None))
    run(qloop, session.gateway.aclose())
    sent = str(openai_server.requests[-1].body)
    assert sent.count("data:image/") == 2


def test_images_without_text_are_sent(qloop, openai_server: OpenAIServer, store: Store) -> None:
    session = ChatSession(store, gateway_for(openai_server), SentimentAnalyzer())
    turn = session.prepare(None, "", "gpt-4o", "", images=red_and_blue()[:1])
    run(qloop, session.stream_reply(turn, lambda _t: None))
    run(qloop, session.gateway.aclose())
    [message] = openai_server.requests[-1].body["messages"]
    assert [p["type"] for p in message["content"]] == ["image_url"]


def test_an_image_that_cannot_be_saved_leaves_no_half_message(
    openai_server: OpenAIServer, store: Store, tmp_path: Path
) -> None:
    session = ChatSession(store, gateway_for(openai_server), SentimentAnalyzer())
    first = session.prepare(None, "Hello", "gpt-4o", "")
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the attachments folder should be")
    store.attachments_dir = blocked
    with pytest.raises(StoreError, match=r"The attachment red\.png could not be saved"):
        session.prepare(first.dialogue_id, "Look", "gpt-4o", "", images=red_and_blue())
    assert [m.content for m in store.messages(first.dialogue_id) if m.role == "user"] == ["Hello"]
    assert openai_server.requests == []
