"""The gateway against the test server: real SDK, real HTTP, real SSE, injected faults."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time

import pytest

from desktop_app.services.capabilities import NO, YES, probe
from desktop_app.services.gateway import Gateway, ProviderConfig, TextDelta, Usage
from desktop_app.services.gateway_errors import ErrorKind, GatewayError
from tests.openai_server import Fault, OpenAIServer, expected_reply
from tests.support.loop import run

MESSAGES = [{"role": "system", "content": "Be kind"}, {"role": "user", "content": "Hello there"}]


def gateway_for(server: OpenAIServer, **overrides) -> Gateway:  # type: ignore[no-untyped-def]
    config = {"provider": "custom", "base_url": server.url, "api_key": "k", "timeout": 5.0}
    config.update(overrides)
    return Gateway(ProviderConfig(**config))


async def collect(gateway: Gateway, model: str = "gpt-4o-mini") -> tuple[str, list[Usage]]:
    text, usage = [], []
    try:
        async with contextlib.aclosing(gateway.stream_chat(model, MESSAGES)) as stream:
            async for event in stream:
                if isinstance(event, TextDelta):
                    text.append(event.text)
                elif isinstance(event, Usage):
                    usage.append(event)
    finally:
        await gateway.aclose()
    return "".join(text), usage


def test_streams_the_whole_reply_with_usage(qloop, openai_server: OpenAIServer) -> None:
    text, usage = run(qloop, collect(gateway_for(openai_server)))
    assert text == expected_reply(MESSAGES, "gpt-4o-mini")
    assert len(usage) == 1 and usage[0].completion_tokens and usage[0].prompt_tokens
    sent = openai_server.requests[-1].body
    assert sent["stream"] is True and sent["messages"] == MESSAGES
    assert openai_server.requests[-1].headers["authorization"] == "Bearer k"


def test_list_models(qloop, openai_server: OpenAIServer) -> None:
    gateway = gateway_for(openai_server)
    models = run(qloop, gateway.list_models())
    run(qloop, gateway.aclose())
    assert [m.id for m in models] == sorted(m["id"] for m in openai_server.models)


def test_cancel_mid_stream_closes_the_connection(qloop, openai_server: OpenAIServer) -> None:
    openai_server.chunk_delay = 0.2
    gateway = gateway_for(openai_server)
    received: list[str] = []

    async def consume() -> None:
        async for event in gateway.stream_chat("gpt-4o-mini", MESSAGES):
            if isinstance(event, TextDelta):
                received.append(event.text)

    async def cancel_after_first_words() -> None:
        task = asyncio.ensure_future(consume())
        while len(received) < 2:
            await asyncio.sleep(0.01)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await gateway.aclose()

    run(qloop, cancel_after_first_words())
    assert openai_server.wait_for_disconnect(3), "the server never saw the client go away"
    assert 2 <= len(received) < 10


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (Fault(status=401), ErrorKind.AUTH),
        (Fault(status=403), ErrorKind.AUTH),
        (Fault(status=404), ErrorKind.NOT_SUPPORTED),
        (Fault(status=429, times=None), ErrorKind.RATE_LIMIT),
        (Fault(status=500, times=None), ErrorKind.SERVER),
        (Fault(status=503, times=None), ErrorKind.SERVER),
        (Fault(status=400), ErrorKind.BAD_REQUEST),
        (Fault(delay=2.0, times=None), ErrorKind.TIMEOUT),
        (Fault(cut_after=3), ErrorKind.OFFLINE),
        (Fault(malformed_after=3), ErrorKind.SERVER),
    ],
    ids=["401", "403", "404", "429", "500", "503", "400", "timeout", "cut", "malformed"],
)
def test_each_fault_becomes_the_right_error_kind(
    qloop, openai_server: OpenAIServer, fault: Fault, kind: ErrorKind
) -> None:
    openai_server.add_fault(fault)
    gateway = gateway_for(openai_server, timeout=0.5, max_retries=0)
    with pytest.raises(GatewayError) as caught:
        run(qloop, collect(gateway))
    assert caught.value.kind is kind
    assert caught.value.message.endswith((".", ")")) and "Traceback" not in caught.value.message


def test_a_cut_stream_says_the_partial_reply_was_kept(qloop, openai_server) -> None:
    openai_server.add_fault(Fault(cut_after=3))
    with pytest.raises(GatewayError, match="part that arrived is kept"):
        run(qloop, collect(gateway_for(openai_server)))


def test_sdk_retries_honour_retry_after(qloop, openai_server: OpenAIServer) -> None:
    openai_server.add_fault(Fault(status=429, retry_after=0.2, times=1))
    text, _ = run(qloop, collect(gateway_for(openai_server, max_retries=2)))
    assert text == expected_reply(MESSAGES, "gpt-4o-mini")
    chat_requests = [r for r in openai_server.requests if r.path.endswith("/chat/completions")]
    assert len(chat_requests) == 2


def test_no_retries_when_disabled(qloop, openai_server: OpenAIServer) -> None:
    openai_server.add_fault(Fault(status=500, times=1))
    with pytest.raises(GatewayError):
        run(qloop, collect(gateway_for(openai_server, max_retries=0)))
    assert len(openai_server.requests) == 1


def test_unknown_model_is_reported_by_name(qloop, openai_server: OpenAIServer) -> None:
    with pytest.raises(GatewayError) as caught:
        run(qloop, collect(gateway_for(openai_server), model="no-such-model"))
    assert caught.value.kind is ErrorKind.NOT_SUPPORTED
    assert "no-such-model" in caught.value.message


def test_unreachable_server_is_offline(qloop) -> None:
    gateway = Gateway(
        ProviderConfig("custom", base_url="http://127.0.0.1:9/v1", timeout=2, max_retries=0)
    )
    with pytest.raises(GatewayError) as caught:
        run(qloop, collect(gateway))
    assert caught.value.kind is ErrorKind.OFFLINE
    assert "127.0.0.1:9" in caught.value.message


def test_missing_key_is_an_auth_error_before_any_request(qloop, openai_server) -> None:
    gateway = Gateway(ProviderConfig("openai", base_url=openai_server.url, api_key=""))
    with pytest.raises(GatewayError) as caught:
        run(qloop, collect(gateway))
    assert caught.value.kind is ErrorKind.AUTH and "Settings" in caught.value.message
    assert openai_server.requests == []


def test_local_providers_get_a_placeholder_key(qloop, openai_server) -> None:
    gateway = Gateway(ProviderConfig("ollama", base_url=openai_server.url))
    run(qloop, collect(gateway))
    assert openai_server.requests[-1].headers["authorization"] == "Bearer not-needed"


def test_capability_probe_without_retries(qloop, openai_server: OpenAIServer) -> None:
    gateway = gateway_for(openai_server, max_retries=5)
    capabilities = run(qloop, probe(gateway))
    run(qloop, gateway.aclose())
    assert (capabilities.models, capabilities.chat_completions) == (YES, YES)
    # The test server has Responses and files (Assistants), and fine-tuning jobs (Training).
    assert (capabilities.responses, capabilities.files, capabilities.fine_tuning) == (YES, YES, YES)
    assert capabilities.complete
    assert len(openai_server.requests) == 5  # one each, no retries


def test_capability_probe_sees_a_server_without_responses(qloop, openai_server) -> None:
    openai_server.unsupported |= {"responses", "files"}
    gateway = gateway_for(openai_server)
    capabilities = run(qloop, probe(gateway))
    run(qloop, gateway.aclose())
    assert (capabilities.responses, capabilities.files) == (NO, NO)


def test_a_timeout_says_parley_already_retried_and_how_long_it_took(
    qloop, openai_server: OpenAIServer
) -> None:
    """A 0.3 s timeout with the SDK's 2 automatic retries takes three tries and the backoff
    between them: the message says so, with the time it really took."""
    openai_server.add_fault(Fault(delay=3.0, times=None))
    gateway = gateway_for(openai_server, timeout=0.3, max_retries=2)
    began = time.monotonic()
    with pytest.raises(GatewayError) as caught:
        run(qloop, collect(gateway))
    took = time.monotonic() - began
    error = caught.value
    assert error.kind is ErrorKind.TIMEOUT
    assert "within 0.3 seconds" in error.message
    assert "Parley tried 3 times (2 automatic retries)" in error.message
    said = float(re.search(r"retries\), ([\d.]+) seconds in all", error.message).group(1))  # type: ignore[union-attr]
    assert 0.9 <= said <= took + 0.05  # three timeouts at least, and no more than it took
    chats = [r for r in openai_server.requests if r.path == "/v1/chat/completions"]
    assert len(chats) == 3


def test_a_timeout_without_retries_says_it_did_not_retry(qloop, openai_server) -> None:  # type: ignore[no-untyped-def]
    openai_server.add_fault(Fault(delay=3.0, times=None))
    gateway = gateway_for(openai_server, timeout=0.3, max_retries=0)
    with pytest.raises(GatewayError, match=r"within 0\.3 seconds\. Parley waited 0\.\d seconds"):
        run(qloop, collect(gateway))
    assert len([r for r in openai_server.requests if r.path == "/v1/chat/completions"]) == 1


def test_the_model_list_ends_when_the_server_always_has_more(qloop, openai_server) -> None:  # type: ignore[no-untyped-def]
    openai_server.endless_pages = "fresh"
    gateway = gateway_for(openai_server)
    models = run(qloop, gateway.list_models())
    run(qloop, gateway.aclose())
    assert models
    assert len([r for r in openai_server.requests if r.path == "/v1/models"]) <= 10


def test_a_stream_that_stalls_says_it_stopped_and_is_not_retried(qloop, openai_server) -> None:  # type: ignore[no-untyped-def]
    openai_server.add_fault(Fault(chunk_delay=1.0))  # the stream opens, then each chunk waits
    gateway = gateway_for(openai_server, timeout=0.3, max_retries=2)
    with pytest.raises(GatewayError) as caught:
        run(qloop, collect(gateway))
    assert caught.value.kind is ErrorKind.TIMEOUT
    assert caught.value.message.startswith(
        "The server stopped sending for more than 0.3 seconds, so the reply was cut off"
    )
    assert len([r for r in openai_server.requests if r.path == "/v1/chat/completions"]) == 1
