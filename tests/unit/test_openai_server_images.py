"""The test server checks image parts like the API and describes each image deterministically."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from PIL import Image

from tests.openai_server import OpenAIServer, expected_reply


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as running:
        yield running


@pytest.fixture
def client(server: OpenAIServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=server.url, api_key="test", max_retries=0) as sdk:
        yield sdk


def encoded(size: tuple[int, int], colour: str, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


def ask(url: str, detail: str = "auto") -> list[dict[str, Any]]:
    parts = [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": url, "detail": detail}},
    ]
    return [{"role": "user", "content": parts}]


def url_of(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def test_reply_describes_the_image(client: openai.OpenAI) -> None:
    messages = ask(url_of(encoded((64, 48), "red")))
    reply = client.chat.completions.create(model="gpt-4o", messages=messages)
    text = reply.choices[0].message.content
    assert text == expected_reply(messages, "gpt-4o")
    assert "- image 1: a 64×48 PNG image, mostly red (#ff0000)" in text


def test_jpeg_colour_is_named_despite_compression(client: openai.OpenAI) -> None:
    messages = ask(url_of(encoded((80, 60), (0, 0, 250), "JPEG"), "image/jpeg"))
    text = client.chat.completions.create(model="gpt-4o", messages=messages)
    assert "a 80×60 JPEG image, mostly blue" in text.choices[0].message.content


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (url_of(b"hello, world"), "could not be decoded: it is not a valid image"),
        ("data:image/png;base64,***", "Invalid base64"),
        ("data:text/plain;base64,aGk=", "Invalid MIME type"),
        ("data:image/png,rawbytes", "a data URL must look like"),
        (url_of(encoded((10, 10), "red", "BMP"), "image/png"), "unsupported image (BMP)"),
        (url_of(encoded((3000, 10), "red")), "longest side may be at most 2048"),
    ],
    ids=["not-image", "bad-base64", "mime", "not-base64", "bmp", "too-wide"],
)
def test_bad_images_get_a_clear_400(client: openai.OpenAI, url: str, says: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=ask(url))
    assert says in caught.value.message
    assert caught.value.code == "invalid_image"


def test_byte_limit_and_detail_are_checked(server: OpenAIServer, client: openai.OpenAI) -> None:
    server.image_max_bytes = 100
    with pytest.raises(openai.BadRequestError, match="the limit is 100 bytes"):
        client.chat.completions.create(
            model="gpt-4o", messages=ask(url_of(encoded((50, 50), "red")))
        )
    with pytest.raises(openai.BadRequestError, match="'detail'"):
        client.chat.completions.create(model="gpt-4o", messages=ask("https://x/y.png", "max"))


def test_remote_urls_are_accepted_unfetched(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(model="gpt-4o", messages=ask("https://x/y.png"))
    assert "- image 1: an image at a remote URL (not fetched)" in reply.choices[0].message.content


def test_images_in_earlier_messages_are_validated_too(client: openai.OpenAI) -> None:
    messages = [
        *ask(url_of(b"garbage")),
        {"role": "assistant", "content": "?"},
        {"role": "user", "content": "And now?"},
    ]
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=messages)
    assert caught.value.param == "messages[0].content"
