"""The test server's personalities behave like the servers issue 14 met: llama.cpp /
llama-cpp-python, a LiteLLM proxy without its database, Ollama, vLLM and LM Studio — and the
default is the OpenAI-shaped server it always was."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from tests.openai_server import OpenAIServer
from tests.openai_server.personalities import LITELLM_KEY, LLAMA_MODEL, NO_DB, PREMIUM

CHAT = [{"role": "user", "content": "Say a great deal about llamas"}]


def get(server: OpenAIServer, path: str, key: str | None = None) -> tuple[int, Any]:
    """GET a path at the server's root (not under /v1): status and body (JSON or text)."""
    request = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
        exc.close()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode()


def post(server: OpenAIServer, path: str, body: Any, key: str | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{server.url}{path}", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


@pytest.fixture
def llama() -> Iterator[OpenAIServer]:
    with OpenAIServer(personality="llamacpp") as server:
        yield server


def sdk(server: OpenAIServer, key: str = "k") -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url, api_key=key, max_retries=0)


def test_the_default_is_the_openai_server_as_before() -> None:
    with OpenAIServer() as server:
        assert server.personality == "openai" and server.api_key is None
        assert [m["owned_by"] for m in server.models] == ["system"] * 5
        assert get(server, "/health")[0] == 404 and get(server, "/api/version")[0] == 404
        status, body = post(server, "/chat/completions", {"model": "gpt-4o-mini", "messages": []})
        assert status == 400 and body["error"]["param"] == "messages"
        status, body = post(server, "/files/nope", {})
        assert status == 404 and body["error"]["message"].startswith("Invalid URL")


def test_llamacpp_lists_a_path_streams_no_usage_and_ignores_the_completion_cap(llama) -> None:
    with sdk(llama) as client:
        [model] = client.models.list().data
        assert model.id == LLAMA_MODEL
        with client.chat.completions.create(
            model="gpt-4o-mini",  # any name: the one loaded model answers
            messages=CHAT,
            stream=True,
            stream_options={"include_usage": True},
            max_completion_tokens=2,
        ) as stream:
            chunks = list(stream)
    assert all(chunk.usage is None for chunk in chunks)
    text = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(text) > 2  # max_completion_tokens is not a name it reads
    with (
        sdk(llama) as client,
        client.chat.completions.create(
            model="x", messages=CHAT, stream=True, max_tokens=2
        ) as stream,
    ):
        capped = list(stream)
    assert [c.choices[0].finish_reason for c in capped if c.choices][-1] == "length"
    assert sum(1 for c in capped if c.choices and c.choices[0].delta.content) == 2


def test_llamacpp_generates_on_an_empty_conversation_and_errs_like_fastapi(llama) -> None:
    status, body = post(llama, "/chat/completions", {"model": "any", "messages": []})
    assert status == 200 and body["choices"][0]["message"]["content"]
    status, body = post(llama, "/chat/completions", {"messages": CHAT})
    assert status == 400 and body == {"detail": "you must provide a model parameter"}
    status, body = post(llama, "/responses", {"model": "any", "input": "hi"})
    assert (status, body) == (404, {"detail": "Not Found"})


def test_llamacpp_answers_health_and_props_without_a_key(llama) -> None:
    llama.api_key = "secret"
    assert get(llama, "/health") == (200, {"status": "ok"})
    assert get(llama, "/props")[0] == 401
    status, props = get(llama, "/props", "secret")
    assert status == 200 and props["model_path"] == LLAMA_MODEL and props["total_slots"] == 1


def test_litellm_answers_no_connected_db_without_its_key_and_500_to_what_it_lacks() -> None:
    with OpenAIServer(personality="litellm") as server:
        assert server.api_key == LITELLM_KEY
        for path in ("/models", "/chat/completions", "/responses"):
            status, body = post(server, path, {"model": "gpt-4o-mini", "messages": CHAT})
            assert status == 400 and body["error"]["message"] == NO_DB
        status, body = post(server, "/chat/completions", CHAT, key="sk-wrong")
        assert status == 400 and body["error"]["message"] == NO_DB
        status, body = post(server, "/fine_tuning/jobs", {"model": "x"}, key=LITELLM_KEY)
        assert status == 500 and body["error"]["message"] == PREMIUM
        assert body["error"]["code"] == "500"  # LiteLLM's codes are strings of the status
        assert get(server, "/health/liveliness") == (200, "I'm alive!")
        with sdk(server, LITELLM_KEY) as client:
            reply = client.chat.completions.create(model="claude-mock", messages=CHAT)
        assert reply.choices[0].message.content


@pytest.mark.parametrize(
    ("name", "owned_by", "endpoint", "answer"),
    [
        ("ollama", "library", "/api/version", {"version": "0.5.7"}),
        ("vllm", "vllm", "/version", {"version": "0.8.5"}),
        ("lmstudio", "organization_owner", "/api/v0/models", None),
    ],
)
def test_ollama_vllm_and_lm_studio_answer_their_own_endpoints(
    name: str, owned_by: str, endpoint: str, answer: Any
) -> None:
    with OpenAIServer() as server:
        server.personality = name  # switched on a running server
        with sdk(server) as client:
            listed = client.models.list().data
        assert {m.owned_by for m in listed} == {owned_by}
        status, body = get(server, endpoint)
        assert status == 200
        if answer is not None:
            assert body == answer
        else:
            assert [m["id"] for m in body["data"]] == [m.id for m in listed]
        server.reset()  # a reset keeps the personality
        assert server.personality == name and server.models[0]["owned_by"] == owned_by


def test_ollama_lists_its_tags_at_the_root() -> None:
    with OpenAIServer(personality="ollama") as server:
        status, tags = get(server, "/api/tags")
        assert status == 200 and [t["name"] for t in tags["models"]] == [
            "llama3.2:1b",
            "qwen2.5:0.5b",
        ]
        assert get(server, "/") == (200, "Ollama is running")


def test_the_personality_is_set_over_http_and_an_unknown_one_is_refused() -> None:
    with OpenAIServer() as server:
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.port}/_control/personality",
            json.dumps({"name": "vllm"}).encode(),
            {"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
        assert server.personality == "vllm"
        with pytest.raises(ValueError, match="personality must be one of"):
            server.personality = "tgi"
