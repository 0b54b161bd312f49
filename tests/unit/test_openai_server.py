"""The test server speaks the API as the real ``openai`` SDK expects, faults included."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from tests.openai_server import Fault, OpenAIServer, expected_reply, split_into_chunks

ROOT = Path(__file__).resolve().parents[2]
MODEL = "gpt-4o-mini"
MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "You are a terse assistant who loves lists."},
    {"role": "user", "content": "Earlier question"},
    {"role": "assistant", "content": "Earlier answer"},
    {"role": "user", "content": "Tell me   about\nMarkdown, please"},
]


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as running:
        yield running


@pytest.fixture
def client(server: OpenAIServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=server.url, api_key="test", max_retries=0) as sdk:
        yield sdk


def stream_pieces(client: openai.OpenAI, **extra: Any) -> tuple[list[Any], list[str]]:
    """Every chunk of a streamed reply and the text pieces in it."""
    chunks: list[Any] = []
    with client.chat.completions.create(
        model=MODEL, messages=MESSAGES, stream=True, **extra
    ) as stream:
        for chunk in stream:
            chunks.append(chunk)
    pieces = [
        c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content
    ]
    return chunks, pieces


def control(server: OpenAIServer, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    url = server.url.removesuffix("/v1") + path
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read())


# replies ------------------------------------------------------------------------------------
def test_expected_reply_reflects_the_request() -> None:
    reply = expected_reply(MESSAGES, MODEL)
    assert reply.startswith(f"**{MODEL}** heard 5 word(s): “Tell me about Markdown, please”")
    assert "- messages in the conversation: 4" in reply
    assert "- system instruction: You are a terse assistant who loves list\n" in reply
    assert "```python\nprint('Tell me   about\\nMarkdown, please')\n```" in reply


def test_expected_reply_reads_content_parts_and_images() -> None:
    parts = [
        {"type": "text", "text": "What is"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
        {"type": "text", "text": "this?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/x.png"}},
    ]
    reply = expected_reply([{"role": "user", "content": parts}], "gpt-4o")
    assert "heard 3 word(s): “What is this?”" in reply
    assert "- images attached: 2" in reply
    assert "- system instruction: none" in reply


@pytest.mark.parametrize("text", ["", "one", "  lead and trail  ", "a\n\nb\tc ", "**x** `y`\n"])
def test_split_into_chunks_round_trips(text: str) -> None:
    pieces = split_into_chunks(text)
    assert "".join(pieces) == text
    assert all(piece for piece in pieces)
    assert len(split_into_chunks(expected_reply(MESSAGES, MODEL))) > 10


# models -------------------------------------------------------------------------------------
def test_models_list_and_retrieve(server: OpenAIServer, client: openai.OpenAI) -> None:
    ids = [model.id for model in client.models.list()]
    assert ids == ["gpt-4o-mini", "gpt-4o", "o4-mini", "o3-mini", "text-embedding-3-small"]
    assert client.models.retrieve("o4-mini").owned_by == "system"
    server.models.append(
        {"id": "ft:gpt-4o-mini:me::abc", "object": "model", "created": 1, "owned_by": "me"}
    )
    assert client.models.retrieve("ft:gpt-4o-mini:me::abc").owned_by == "me"
    with pytest.raises(openai.NotFoundError) as caught:
        client.models.retrieve("gpt-99")
    assert caught.value.code == "model_not_found"


# chat completions ---------------------------------------------------------------------------
def test_non_streaming_reply(server: OpenAIServer, client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model=MODEL, messages=MESSAGES)
    reply = expected_reply(MESSAGES, MODEL)
    assert completion.id.startswith("chatcmpl-")
    assert completion.object == "chat.completion"
    assert completion.model == MODEL
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content == reply
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.completion_tokens == len(split_into_chunks(reply))
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    (recorded,) = server.requests
    assert (recorded.method, recorded.path) == ("POST", "/v1/chat/completions")
    assert recorded.body["messages"] == MESSAGES
    assert recorded.headers["authorization"] == "Bearer test"
    assert json.loads(recorded.raw) == recorded.body


@pytest.mark.parametrize("include_usage", [False, True])
def test_streaming_reply(client: openai.OpenAI, include_usage: bool) -> None:
    extra = {"stream_options": {"include_usage": True}} if include_usage else {}
    chunks, pieces = stream_pieces(client, **extra)
    reply = expected_reply(MESSAGES, MODEL)
    assert "".join(pieces) == reply
    assert pieces == split_into_chunks(reply)
    assert len({chunk.id for chunk in chunks}) == 1
    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    first = chunks[0].choices[0].delta
    assert (first.role, first.content) == ("assistant", "")
    finish = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert [c.choices[0].finish_reason for c in finish] == ["stop"]
    with_usage = [chunk for chunk in chunks if chunk.usage is not None]
    if include_usage:
        assert with_usage == [chunks[-1]]
        assert chunks[-1].choices == []
        assert chunks[-1].usage.completion_tokens == len(pieces)
    else:
        assert with_usage == []


def test_async_streaming_reply(server: OpenAIServer) -> None:
    async def run() -> str:
        async with openai.AsyncOpenAI(base_url=server.url, api_key="t", max_retries=0) as sdk:
            stream = await sdk.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
            text = ""
            async for chunk in stream:
                text += chunk.choices[0].delta.content or ""
            return text

    assert asyncio.run(run()) == expected_reply(MESSAGES, MODEL)


def test_invalid_requests(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=MODEL, messages=[])
    assert caught.value.param == "messages"
    with pytest.raises(openai.BadRequestError):
        client.post("/chat/completions", body={"model": MODEL}, cast_to=object)
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="gpt-99", messages=MESSAGES)
    assert caught.value.code == "model_not_found"
    with pytest.raises(openai.NotFoundError):
        client.get("/no/such/route", cast_to=object)


# faults -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "error", "code"),
    [
        (400, openai.BadRequestError, None),
        (401, openai.AuthenticationError, "invalid_api_key"),
        (404, openai.NotFoundError, "not_found"),
        (429, openai.RateLimitError, "rate_limit_exceeded"),
        (500, openai.InternalServerError, "server_error"),
        (503, openai.InternalServerError, "overloaded"),
    ],
)
def test_fault_status_maps_to_sdk_error(
    server: OpenAIServer, client: openai.OpenAI, status: int, error: type, code: str | None
) -> None:
    server.add_fault(Fault(status=status))
    with pytest.raises(error) as caught:
        client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
    assert caught.value.status_code == status
    assert caught.value.code == code
    # times=1: the next request is fine again
    assert client.chat.completions.create(model=MODEL, messages=MESSAGES).choices


def test_retry_after_lets_the_sdk_retry(server: OpenAIServer) -> None:
    server.add_fault(Fault(status=429, retry_after=0.05))
    with openai.OpenAI(base_url=server.url, api_key="t", max_retries=2) as sdk:
        started = time.monotonic()
        completion = sdk.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert time.monotonic() - started >= 0.05
    assert completion.choices[0].message.content == expected_reply(MESSAGES, MODEL)
    assert len(server.requests) == 2
    assert server.faults == []


def test_fault_matching_rules(server: OpenAIServer, client: openai.OpenAI) -> None:
    server.add_fault(Fault(path="/v1/models", status=500, times=None))
    server.add_fault(Fault(cut_after=1))  # stream-only: the plain request below leaves it
    for _ in range(2):
        with pytest.raises(openai.InternalServerError):
            client.models.list()
    assert client.chat.completions.create(model=MODEL, messages=MESSAGES).choices
    with pytest.raises(openai.APIConnectionError):
        stream_pieces(client)
    server.clear_faults()
    server.add_fault(Fault(path="*", status=503))
    with pytest.raises(openai.InternalServerError):
        client.models.list()
    assert client.models.list().data


def test_delay_triggers_client_timeout(server: OpenAIServer, client: openai.OpenAI) -> None:
    server.add_fault(Fault(delay=2.0))
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model=MODEL, messages=MESSAGES, timeout=0.2)
    assert time.monotonic() - started < 1.5


def test_cut_stream_raises_after_n_pieces(server: OpenAIServer, client: openai.OpenAI) -> None:
    server.add_fault(Fault(cut_after=3))
    pieces: list[str] = []
    with (
        pytest.raises(openai.APIConnectionError),
        client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True) as stream,
    ):
        for chunk in stream:
            pieces.append(chunk.choices[0].delta.content or "")
    assert pieces[1:] == split_into_chunks(expected_reply(MESSAGES, MODEL))[:3]
    assert server.disconnects == 0


def test_malformed_event_raises(server: OpenAIServer, client: openai.OpenAI) -> None:
    server.add_fault(Fault(malformed_after=2))
    pieces: list[str] = []
    with (
        pytest.raises(json.JSONDecodeError),
        client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True) as stream,
    ):
        for chunk in stream:
            pieces.append(chunk.choices[0].delta.content or "")
    assert len(pieces) == 3  # the role chunk and two pieces


def test_async_client_closing_a_stream_is_noticed(server: OpenAIServer) -> None:
    server.chunk_delay = 0.05

    async def run() -> None:
        async with openai.AsyncOpenAI(base_url=server.url, api_key="t", max_retries=0) as sdk:
            stream = await sdk.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
            async for chunk in stream:
                if chunk.choices[0].delta.content:
                    break
            await stream.close()

    asyncio.run(run())
    assert server.wait_for_disconnect(2)
    assert server.disconnects == 1


def test_sync_client_closing_a_stream_is_noticed(
    server: OpenAIServer, client: openai.OpenAI
) -> None:
    server.add_fault(Fault(chunk_delay=0.05))
    response = client.chat.completions.with_raw_response.create(
        model=MODEL, messages=MESSAGES, stream=True
    )
    stream = response.parse()
    next(iter(stream))
    stream.close()
    assert server.wait_for_disconnect(2)
    assert not server.wait_for_disconnect(0.01, count=2)


def test_api_key_is_enforced(server: OpenAIServer, client: openai.OpenAI) -> None:
    server.api_key = "sk-right-key-123456"
    with pytest.raises(openai.AuthenticationError) as caught:
        client.models.list()
    assert caught.value.code == "invalid_api_key"
    assert caught.value.type == "invalid_request_error"
    assert caught.value.body["message"].startswith("Incorrect API key provided: ****.")
    with openai.OpenAI(base_url=server.url, api_key=server.api_key, max_retries=0) as sdk:
        assert sdk.models.list().data
    assert len(server.requests) == 2


# control and lifetime -------------------------------------------------------------------------
def test_control_endpoints(server: OpenAIServer, client: openai.OpenAI) -> None:
    assert control(server, "POST", "/_control/settings", {"chunk_delay": 0.001}) == (
        200,
        {"chunk_delay": 0.001, "api_key": None, "disconnects": 0},
    )
    assert server.chunk_delay == 0.001
    status, fault = control(server, "POST", "/_control/faults", {"status": 503, "times": 2})
    assert status == 201 and fault["status"] == 503
    assert control(server, "GET", "/_control/faults")[1]["data"][0]["times"] == 2
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert control(server, "DELETE", "/_control/faults")[0] == 200
    assert stream_pieces(client)[1]
    status, recorded = control(server, "GET", "/_control/requests")
    assert [r["body"]["stream"] for r in recorded["data"] if r["body"].get("stream")] == [True]
    assert len(recorded["data"]) == 2
    assert control(server, "POST", "/_control/faults", {"bogus": 1})[0] == 400
    assert control(server, "POST", "/_control/faults", {"status": "x"})[0] == 400
    control(server, "POST", "/_control/settings", {"api_key": "k"})
    assert server.api_key == "k"
    with pytest.raises(openai.AuthenticationError):
        client.models.list()
    assert control(server, "POST", "/_control/reset")[1]["api_key"] is None
    assert server.requests == []


def test_stop_ends_streams_and_threads() -> None:
    before = set(threading.enumerate())
    server = OpenAIServer().start()
    server.chunk_delay = 5.0
    with openai.OpenAI(base_url=server.url, api_key="t", max_retries=0) as sdk:
        stream = sdk.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
        next(iter(stream))
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 1.0
        with pytest.raises(openai.APIConnectionError):
            list(stream)
    assert set(threading.enumerate()) <= before
    assert server.disconnects == 0


def test_command_line_runs_until_interrupted() -> None:
    command = [sys.executable, "-m", "tests.openai_server", "--port", "0", "--chunk-delay", "0"]
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            url = process.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
            with openai.OpenAI(base_url=url, api_key="t", max_retries=0) as sdk:
                assert sdk.models.list().data
        finally:
            process.send_signal(signal.SIGINT)
            try:  # a loaded machine (two cores, the suite beside it) once took over 10 s
                _, errors = process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                _, errors = process.communicate()
                raise AssertionError(f"no stop within 30 s of Ctrl+C; stderr: {errors}") from None
    assert process.returncode == 0
    assert "Traceback" not in errors


# wrong endings and containers -----------------------------------------------------------------
def test_an_ending_fault_is_checked_and_sent_over_control(server: OpenAIServer) -> None:
    status, body = control(server, "POST", "/_control/faults", {"ending": "sideways"})
    assert status == 400 and "ending must be one of" in body["error"]["message"]
    status, body = control(server, "POST", "/_control/faults", {"ending": "no_finish"})
    assert status == 201 and body["ending"] == "no_finish"


def test_ending_faults_shape_the_chat_stream(server: OpenAIServer, client: openai.OpenAI) -> None:
    server.add_fault(Fault(ending="no_finish"))
    chunks, pieces = stream_pieces(client)
    assert "".join(pieces) == expected_reply(MESSAGES, MODEL)
    assert all(c.choices[0].finish_reason is None for c in chunks if c.choices)
    server.add_fault(Fault(ending="choices"))
    chunks, _ = stream_pieces(client)
    assert {c.choices[0].index for c in chunks if c.choices} == {0, 1}
    server.add_fault(Fault(ending="html"))
    with client.chat.completions.with_streaming_response.create(
        model=MODEL, messages=MESSAGES, stream=True
    ) as raw:  # a streamed request meets the page
        assert raw.headers["content-type"].startswith("text/html")
        assert b"<html>" in raw.read()


def test_a_request_token_cap_stops_at_length(client: openai.OpenAI) -> None:
    chunks, pieces = stream_pieces(client, max_completion_tokens=3)
    assert len(pieces) == 3
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "length"


def test_code_interpreter_cites_a_file_whose_bytes_the_container_gives(
    client: openai.OpenAI,
) -> None:
    tools: Any = [{"type": "code_interpreter", "container": {"type": "auto"}}]
    response = client.responses.create(model=MODEL, input="count my words", tools=tools)
    call = next(item for item in response.output if item.type == "code_interpreter_call")
    message = next(item for item in response.output if item.type == "message")
    [cited] = message.content[0].annotations  # type: ignore[union-attr]
    assert cited.type == "container_file_citation" and cited.container_id == call.container_id
    content = client.containers.files.content.retrieve(
        cited.file_id, container_id=cited.container_id
    )
    assert content.content.decode().splitlines() == [
        "word,length,squared",
        "count,5,25",
        "my,2,4",
        "words,5,25",
    ]
    with pytest.raises(openai.NotFoundError):
        client.containers.files.content.retrieve("cfile_none", container_id=cited.container_id)
