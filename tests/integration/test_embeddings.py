"""`/v1/embeddings` on the test server, through the real SDK and the gateway."""

from __future__ import annotations

import asyncio
import base64
import json
import math
import struct
import urllib.error
import urllib.request
from typing import Any

import pytest

from desktop_app.services.gateway import Gateway, ProviderConfig
from desktop_app.services.gateway_errors import ErrorKind, GatewayError
from tests.openai_server import OpenAIServer
from tests.openai_server.embeddings import DEFAULT_DIMENSIONS, embed

MODEL = "text-embedding-3-small"


def post(url: str, body: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def gateway_for(server: OpenAIServer, **overrides) -> Gateway:  # type: ignore[no-untyped-def]
    config = {"provider": "custom", "base_url": server.url, "api_key": "k", "timeout": 5.0}
    config.update(overrides)
    return Gateway(ProviderConfig(**config))


async def embed_with(gateway: Gateway, texts: list[str]):  # type: ignore[no-untyped-def]
    try:
        return await gateway.embeddings(MODEL, texts)
    finally:
        await gateway.aclose()


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_the_sdk_asks_base64_and_gets_the_same_vectors(openai_server: OpenAIServer) -> None:
    texts = ["The cat sat on the mat.", "Quarterly revenue grew by ten percent."]
    batch = asyncio.run(embed_with(gateway_for(openai_server), texts))
    sent = openai_server.requests[-1].body
    assert sent["encoding_format"] == "base64" and sent["input"] == texts
    assert len(batch.vectors) == 2 and len(batch.vectors[0]) == DEFAULT_DIMENSIONS
    for vector, text in zip(batch.vectors, texts, strict=True):
        assert vector == pytest.approx(embed(text), abs=1e-6)
        assert math.isclose(math.sqrt(sum(v * v for v in vector)), 1.0, rel_tol=1e-5)
    assert batch.prompt_tokens == 6 + 6


def test_similar_texts_are_nearer_than_unrelated_ones() -> None:
    question = embed("How do I reset the router password?")
    near = embed("To reset the password of the router, hold the button.")
    far = embed("Tomatoes grow best in full sun with regular watering.")
    assert cosine(question, near) > cosine(question, far) + 0.2


def test_float_and_base64_formats_over_http(openai_server: OpenAIServer) -> None:
    url = f"{openai_server.url}/embeddings"
    _, as_floats = post(url, {"model": MODEL, "input": "hello world"})
    wanted = {"model": MODEL, "input": ["hello world"], "encoding_format": "base64"}
    _, as_base64 = post(url, wanted)
    floats = as_floats["data"][0]["embedding"]
    raw = base64.b64decode(as_base64["data"][0]["embedding"])
    decoded = list(struct.unpack(f"<{len(raw) // 4}f", raw))
    assert decoded == pytest.approx(floats, abs=1e-6)
    assert as_floats["usage"] == {"prompt_tokens": 2, "total_tokens": 2}
    _, short = post(url, {"model": MODEL, "input": "hello", "dimensions": 8})
    assert len(short["data"][0]["embedding"]) == 8


def test_bad_inputs_are_refused_as_the_api_does(openai_server: OpenAIServer) -> None:
    url = f"{openai_server.url}/embeddings"
    assert post(url, {"model": MODEL, "input": ""})[0] == 400
    assert post(url, {"model": "no-such-model", "input": "x"})[0] == 404
    assert post(url, {"model": MODEL, "input": "x", "encoding_format": "int8"})[0] == 400
    assert post(url, {"model": MODEL, "input": ["a", "b", "c"]})[1]["usage"]["total_tokens"] == 3


def test_a_server_without_embeddings_says_so(openai_server: OpenAIServer) -> None:
    openai_server.unsupported = {"embeddings"}
    with pytest.raises(GatewayError) as caught:
        asyncio.run(embed_with(gateway_for(openai_server), ["hello"]))
    assert caught.value.kind is ErrorKind.NOT_SUPPORTED
    assert "offers no embeddings" in caught.value.message


def test_the_delay_knob_makes_a_short_timeout_fail(openai_server: OpenAIServer) -> None:
    openai_server.embedding_delay = 2.0
    gateway = gateway_for(openai_server, timeout=0.3, max_retries=0)
    with pytest.raises(GatewayError) as caught:
        asyncio.run(embed_with(gateway, ["hello"]))
    assert caught.value.kind is ErrorKind.TIMEOUT
