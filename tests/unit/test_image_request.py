"""Requests with images, built without a network; and which models take images."""

from __future__ import annotations

import base64

import pytest

from desktop_app.core.chat_request import build_chat_messages
from desktop_app.core.dialogue import Attachment, Message, Status
from desktop_app.core.image_request import (
    DEFAULT_PROMPT,
    data_url,
    describe_messages,
    image_part,
    takes_images,
)

PHOTO = Attachment("ab" * 32, "jpg", "image/jpeg", 3, "cat.jpg")
NOTES = Attachment("cd" * 32, "txt", "text/plain", 5, "notes.txt")


def test_data_url_round_trips() -> None:
    url = data_url(b"\x89PNG\r\n", "image/png")
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == b"\x89PNG\r\n"


def test_describe_messages() -> None:
    messages = describe_messages("  What is here?  ", "data:image/png;base64,AA", "low")
    assert messages == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is here?"},
                {
                    "type": "image_url",
                    "image_url": {"url": "data:image/png;base64,AA", "detail": "low"},
                },
            ],
        }
    ]
    with_system = describe_messages("", "u", system="Be brief")
    assert with_system[0] == {"role": "system", "content": "Be brief"}
    assert with_system[1]["content"][0]["text"] == DEFAULT_PROMPT
    with pytest.raises(ValueError, match="detail"):
        image_part("u", "ultra")


def test_chat_history_sends_stored_images_again() -> None:
    asked = Message("user", "Describe it", attachments=[PHOTO, NOTES])
    described = Message("assistant", "A cat.")
    failed = Message("assistant", "", status=Status.ERROR)
    follow_up = Message("user", "What colour is it?")
    history = [asked, described, failed, follow_up]

    plain = build_chat_messages("", history)
    assert [m["content"] for m in plain] == ["Describe it", "A cat.", "What colour is it?"]

    resolved: list[str] = []

    def resolver(attachment: Attachment) -> str | None:
        resolved.append(attachment.name)
        return f"data:{attachment.mime};base64,QUJD"

    sent = build_chat_messages("Sys", history, resolver)
    assert resolved == ["cat.jpg"]  # only images are resolved
    assert sent[0] == {"role": "system", "content": "Sys"}
    assert sent[1]["content"] == [
        {"type": "text", "text": "Describe it"},
        {
            "type": "image_url",
            "image_url": {"url": "data:image/jpeg;base64,QUJD", "detail": "auto"},
        },
    ]
    assert sent[2:] == [
        {"role": "assistant", "content": "A cat."},
        {"role": "user", "content": "What colour is it?"},
    ]


def test_missing_attachment_file_leaves_the_text() -> None:
    sent = build_chat_messages("", [Message("user", "Hi", attachments=[PHOTO])], lambda _a: None)
    assert sent == [{"role": "user", "content": "Hi"}]


@pytest.mark.parametrize(
    ("model", "metadata", "expected"),
    [
        ("anything", {"input_modalities": ["text", "image"]}, True),
        ("gpt-4o", {"input_modalities": ["text"]}, False),  # the server's word wins
        ("llava", {"modalities": ["text"]}, False),
        ("x", {"architecture": {"input_modalities": ["image", "text"]}}, True),
        ("llava:7b", {"capabilities": ["completion", "vision"]}, True),
        ("llava:7b", {"capabilities": ["completion"]}, False),
        ("x", {"capabilities": {"vision": True, "tools": True}}, True),
        ("gpt-4o", {"capabilities": {"vision": False}}, False),
        ("gpt-4o-mini", None, True),
        ("gpt-4.1-nano", None, True),
        ("o4-mini", None, True),
        ("o3-mini", None, False),
        ("o1", None, True),
        ("gpt-3.5-turbo", None, False),
        ("gpt-4o-audio-preview", None, False),
        ("gpt-4o-realtime-preview", None, False),
        ("llama3.2-vision:11b", None, True),
        ("bakllava", None, True),
        ("qwen2.5vl:7b", None, True),
        ("qwen2-vl-7b", None, True),
        ("text-embedding-3-small", None, False),
        ("mistral-7b", None, False),
    ],
)
def test_takes_images(model: str, metadata: dict | None, expected: bool) -> None:
    assert takes_images(model, metadata) is expected
