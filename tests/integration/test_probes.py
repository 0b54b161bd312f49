"""Capability probes tell the truth: evidence, not any 400; reasons kept; cached per key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.services import capabilities as probes
from desktop_app.services.capabilities import NO, UNKNOWN, YES, probe
from desktop_app.services.gateway import Gateway, ProviderConfig
from desktop_app.services.gateway_errors import GatewayError
from desktop_app.services.store import Store
from tests.openai_server import Fault, OpenAIServer
from tests.support.loop import run

# What a LiteLLM proxy with a master key answers to every route when no key is sent.
NO_DB = {"error": {"message": "No connected db.", "type": "no_db_connection", "code": "400"}}


def gateway_for(server: OpenAIServer, key: str = "k") -> Gateway:
    return Gateway(ProviderConfig("custom", server.url, key, timeout=5.0))


def probed(qloop, server: OpenAIServer) -> probes.Capabilities:  # type: ignore[no-untyped-def]
    gateway = gateway_for(server)
    try:
        return run(qloop, probe(gateway))
    finally:
        run(qloop, gateway.aclose())


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "parley.db", tmp_path / "attachments")
    yield store
    store.close()


def test_a_400_about_something_else_is_no_evidence_of_an_endpoint(qloop, openai_server) -> None:
    openai_server.add_fault(Fault(path="*", status=400, body=NO_DB, times=None))
    found = probed(qloop, openai_server)
    assert (found.models, found.chat_completions, found.responses) == (UNKNOWN,) * 3
    assert (found.files, found.fine_tuning) == (UNKNOWN, UNKNOWN)
    assert found.answered and not found.complete
    assert found.reasons["fine_tuning"] == "the server said: No connected db."


def test_a_400_that_names_what_was_sent_is_evidence(qloop, openai_server) -> None:
    found = probed(qloop, openai_server)  # the test server: "'messages' must be non-empty"
    assert found.chat_completions == YES and found.complete and not found.reasons


def test_a_5xx_keeps_the_servers_reason(qloop, openai_server) -> None:
    openai_server.add_fault(
        Fault(
            path="/v1/fine_tuning",
            status=500,
            body={"detail": "Only premium users can use this endpoint. Upgrade to continue."},
        )
    )
    found = probed(qloop, openai_server)
    assert found.fine_tuning == UNKNOWN and found.answered
    assert found.reasons["fine_tuning"] == (
        "the server said: Only premium users can use this endpoint."
    )


def test_the_chat_probe_can_make_a_model_write_one_token_at_most(qloop, openai_server) -> None:
    probed(qloop, openai_server)
    (body,) = [r.body for r in openai_server.requests if r.path == "/v1/chat/completions"]
    assert body["messages"] == [] and body["max_tokens"] == 1


def test_an_unreachable_server_is_not_cached(qloop, store) -> None:
    gateway = Gateway(ProviderConfig("custom", "http://127.0.0.1:9/v1", "k", timeout=1.0))
    found = run(qloop, probe(gateway))
    run(qloop, gateway.aclose())
    assert not found.answered
    probes.remember(store, gateway.config, found)
    assert probes.cached(store, gateway.config, now=2e9) is None


def test_answers_are_cached_per_key_and_expire(store) -> None:
    config = ProviderConfig("custom", "http://127.0.0.1:1/v1", "key-one")
    other_key = ProviderConfig("custom", "http://127.0.0.1:1/v1", "key-two")
    full = probes.Capabilities(YES, YES, NO, YES, YES)
    probes.remember(store, config, full)
    (_, probed_at) = store.load_capabilities_with_time(probes.cache_key(config))
    assert probes.cached(store, config, probed_at + 60) == full.to_dict()
    assert probes.cached(store, other_key, probed_at + 60) is None  # another key: ask again
    assert probes.cached(store, config, probed_at + probes.KNOWN_FOR + 1) is None
    unsure = probes.Capabilities(YES, YES, UNKNOWN, YES, YES)
    probes.remember(store, config, unsure)
    (_, probed_at) = store.load_capabilities_with_time(probes.cache_key(config))
    assert probes.cached(store, config, probed_at + 60) is not None
    assert probes.cached(store, config, probed_at + probes.UNSURE_FOR + 1) is None
    probes.forget(store, config)
    assert probes.cached(store, config, probed_at) is None
    assert "key-one" not in probes.cache_key(config)


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"detail": "Model not loaded"}, "Model not loaded"),  # FastAPI servers
        ({"error": "Backend exploded"}, "Backend exploded"),
        ({"detail": [{"loc": ["body", "top_k"], "msg": "value is not an integer"}]}, "integer"),
    ],
    ids=["detail", "error-string", "validation-list"],
)
def test_error_text_in_other_servers_shapes_reaches_the_user(
    qloop, openai_server, body: object, said: str
) -> None:
    openai_server.add_fault(Fault(status=500, body=body, times=None))
    gateway = Gateway(ProviderConfig("custom", openai_server.url, "k", max_retries=0))

    async def ask() -> None:
        async for _ in gateway.stream_chat("gpt-4o-mini", [{"role": "user", "content": "Hi"}]):
            pass

    with pytest.raises(GatewayError) as caught:
        run(qloop, ask())
    run(qloop, gateway.aclose())
    assert said in caught.value.message and "Traceback" not in caught.value.message
