"""The Responses side of the gateway, the wire-API choice, and server assistants, against the
test server: real SDK, real HTTP and SSE."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from desktop_app.core.assistants import AssistantProfile
from desktop_app.core.dialogue import Status
from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.services.assistant_remote import AssistantRemote, AssistantsApiMissing
from desktop_app.services.capabilities import cache_key
from desktop_app.services.chat_session import ChatSession
from desktop_app.services.gateway import EndpointMissing, StreamEnd, TextDelta, ToolNote, Usage
from desktop_app.services.gateway_errors import ErrorKind, GatewayError
from desktop_app.services.responses_events import ResponsesReader
from desktop_app.services.store import Store
from tests.integration.test_gateway import gateway_for
from tests.openai_server import Fault, OpenAIServer
from tests.openai_server.response_replies import search_page
from tests.support.loop import run

REQUEST = {"model": "gpt-4o-mini", "input": [{"role": "user", "content": "parley news"}]}
HELPER = AssistantProfile(
    "Helper", "gpt-4o", "Answer in French.", temperature=0.7, tools=("web_search",), id=None
)


async def collect(gateway, request=REQUEST) -> list:  # type: ignore[no-untyped-def]
    try:
        async with contextlib.aclosing(gateway.stream_responses(request)) as stream:
            return [event async for event in stream]
    finally:
        await gateway.aclose()


def test_a_streamed_response_yields_text_a_cited_tool_note_and_usage(qloop, openai_server):
    request = {**REQUEST, "tools": [{"type": "web_search"}]}
    events = run(qloop, collect(gateway_for(openai_server), request))
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert "answered through Responses: “parley news”" in text
    notes = [e for e in events if isinstance(e, ToolNote)]
    title, url = search_page("parley news")
    assert notes[0].label == "used web search: parley news"
    assert notes[-1].id == notes[0].id  # the same call, updated with the citation
    assert [(c.title, c.url) for c in notes[-1].citations] == [(title, url)]
    assert isinstance(events[-2], Usage) and events[-2].completion_tokens
    assert events[-1] == StreamEnd("completed")  # the server said the reply is finished
    assert openai_server.requests[-1].body["stream"] is True


def test_cancel_mid_response_closes_the_connection(qloop, openai_server) -> None:
    openai_server.chunk_delay = 0.2
    gateway = gateway_for(openai_server)
    received: list[str] = []

    async def consume() -> None:
        async for event in gateway.stream_responses(REQUEST):
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


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (Fault(path="/v1/responses", status=401), ErrorKind.AUTH),
        (Fault(path="/v1/responses", status=429, times=None), ErrorKind.RATE_LIMIT),
        (Fault(path="/v1/responses", status=500, times=None), ErrorKind.SERVER),
        (Fault(path="/v1/responses", delay=2.0, times=None), ErrorKind.TIMEOUT),
        (Fault(path="/v1/responses", cut_after=3), ErrorKind.OFFLINE),
        (Fault(path="/v1/responses", malformed_after=3), ErrorKind.SERVER),
    ],
    ids=["401", "429", "500", "timeout", "cut", "malformed"],
)
def test_faults_map_to_the_same_kinds_as_chat_completions(qloop, openai_server, fault, kind):
    openai_server.add_fault(fault)
    gateway = gateway_for(openai_server, timeout=0.5, max_retries=0)
    with pytest.raises(GatewayError) as caught:
        run(qloop, collect(gateway))
    assert caught.value.kind is kind and not isinstance(caught.value, EndpointMissing)


def test_a_missing_endpoint_is_told_apart_from_a_missing_model(qloop, openai_server) -> None:
    with pytest.raises(GatewayError) as caught:
        run(qloop, collect(gateway_for(openai_server), {**REQUEST, "model": "nope"}))
    assert not isinstance(caught.value, EndpointMissing) and "nope" in caught.value.message
    openai_server.unsupported.add("responses")
    with pytest.raises(EndpointMissing):
        run(qloop, collect(gateway_for(openai_server)))


def test_error_events_in_the_stream_become_gateway_errors() -> None:
    reader = ResponsesReader()
    with pytest.raises(GatewayError) as caught:
        reader.feed(SimpleNamespace(type="error", code="rate_limit_exceeded", message="Slow"))
    assert caught.value.kind is ErrorKind.RATE_LIMIT and "Slow" in caught.value.message
    failed = SimpleNamespace(
        type="response.failed",
        response=SimpleNamespace(error=SimpleNamespace(code="server_error", message="Boom")),
    )
    with pytest.raises(GatewayError, match="Boom"):
        reader.feed(failed)


# --- a chat session with an assistant, on both wire APIs ------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "parley.db", tmp_path / "attachments")
    yield store
    store.close()


def session_for(server: OpenAIServer, store: Store, wire_api: str) -> ChatSession:
    return ChatSession(store, gateway_for(server), SentimentAnalyzer(), wire_api=wire_api)


def send(qloop, session: ChatSession, text: str, assistant=None):  # type: ignore[no-untyped-def]
    model = assistant.model if assistant else "gpt-4o-mini"
    system = assistant.instructions if assistant else ""
    turn = session.prepare(None, text, model, system, assistant)
    reply = run(qloop, session.stream_reply(turn, lambda _t: None))
    return turn, reply


@pytest.mark.parametrize("wire_api", ["responses", "chat_completions"])
def test_the_assistant_shapes_the_request_on_both_wire_apis(qloop, openai_server, store, wire_api):
    helper = store.save_assistant(HELPER)
    session = session_for(openai_server, store, wire_api)
    turn, reply = send(qloop, session, "Bonjour", helper)
    run(qloop, session.gateway.aclose())
    body = openai_server.requests[-1].body
    assert body["model"] == "gpt-4o" and body["temperature"] == 0.7
    if wire_api == "responses":
        assert openai_server.requests[-1].path == "/v1/responses"
        assert body["instructions"] == "Answer in French."
        assert body["tools"] == [{"type": "web_search"}]
        assert [n.kind for n in reply.tool_notes] == ["web_search"]
    else:
        assert openai_server.requests[-1].path == "/v1/chat/completions"
        assert body["messages"][0] == {"role": "system", "content": "Answer in French."}
        assert "tools" not in body and reply.tool_notes == []
    assert turn.wire_api == wire_api and reply.status is Status.COMPLETE
    stored = store.messages(turn.dialogue_id)[-1]
    assert stored.assistant_id == helper.id
    assert json.loads(stored.assistant_snapshot)["temperature"] == 0.7
    assert store.get_dialogue(turn.dialogue_id).assistant_id == helper.id
    assert session.assistant_for_dialogue(turn.dialogue_id) == helper


def test_auto_tries_responses_once_then_remembers_the_404(qloop, openai_server, store) -> None:
    openai_server.unsupported.add("responses")
    session = session_for(openai_server, store, "auto")
    helper = store.save_assistant(HELPER)
    first_turn, first = send(qloop, session, "One", helper)
    second_turn, second = send(qloop, session, "Two", helper)
    run(qloop, session.gateway.aclose())
    paths = [r.path for r in openai_server.requests]
    assert paths == ["/v1/responses", "/v1/chat/completions", "/v1/chat/completions"]
    assert first.status is Status.COMPLETE and second.status is Status.COMPLETE
    assert (first_turn.wire_api, second_turn.wire_api) == ("chat_completions", "chat_completions")


def test_auto_follows_the_probe_and_plain_chats_stay_on_chat_completions(
    qloop, openai_server, store
) -> None:
    session = session_for(openai_server, store, "auto")
    store.save_capabilities(cache_key(session.gateway.config), {"responses": "no"})
    send(qloop, session, "Plain")
    send(qloop, session, "With helper", store.save_assistant(HELPER))
    run(qloop, session.gateway.aclose())
    assert [r.path for r in openai_server.requests] == ["/v1/chat/completions"] * 2


def test_an_explicit_responses_setting_says_what_to_change(qloop, openai_server, store) -> None:
    openai_server.unsupported.add("responses")
    session = session_for(openai_server, store, "responses")
    with pytest.raises(GatewayError, match="set the wire API"):
        send(qloop, session, "Plain chat, sent through Responses")
    run(qloop, session.gateway.aclose())


# --- server assistants -----------------------------------------------------------------------


def test_server_assistants_are_listed_across_pages_and_copied(qloop, openai_server) -> None:
    for number in range(1, 4):
        openai_server.add_assistant(f"Old {number}", model="gpt-4o", instructions=f"Be #{number}")
    remote = AssistantRemote(gateway_for(openai_server))
    listed = run(qloop, remote.list_server_assistants(page_size=2))
    assert [a.name for a in listed] == ["Old 3", "Old 2", "Old 1"]
    assert len([r for r in openai_server.requests if r.path == "/v1/assistants"]) == 2
    profile = run(qloop, remote.copy_server_assistant(listed[1].id, "gpt-4o-mini"))
    run(qloop, remote.gateway.aclose())
    assert (profile.name, profile.model, profile.instructions) == ("Old 2", "gpt-4o", "Be #2")
    assert profile.source_id == listed[1].id


@pytest.mark.parametrize(("mode", "requests", "count"), [("repeat", 2, 3), ("fresh", 5, 15)])
def test_server_assistants_end_when_the_server_always_has_more(  # type: ignore[no-untyped-def]
    qloop, openai_server, mode: str, requests: int, count: int
) -> None:
    for number in range(1, 4):
        openai_server.add_assistant(f"Old {number}", model="gpt-4o")
    openai_server.endless_pages = mode
    remote = AssistantRemote(gateway_for(openai_server))
    listed = run(qloop, remote.list_server_assistants(page_size=100))
    run(qloop, remote.gateway.aclose())
    assert listed.cut and len(listed) == count and len({a.id for a in listed}) == count
    made = [r for r in openai_server.requests if r.path == "/v1/assistants"]
    assert len(made) == requests  # the cursor did not move; else the cap (500 / 100 a page)


def test_no_assistants_api_is_a_quiet_answer(qloop, openai_server) -> None:
    openai_server.unsupported.add("assistants")
    remote = AssistantRemote(gateway_for(openai_server))
    with pytest.raises(AssistantsApiMissing, match="no Assistants API"):
        run(qloop, remote.list_server_assistants())

    class GoneBeta:  # an SDK from after the shutdown
        @property
        def assistants(self):  # type: ignore[no-untyped-def]
            raise AttributeError("assistants")

    client = run(qloop, remote.gateway.client())
    client.beta = GoneBeta()
    with pytest.raises(AssistantsApiMissing):
        run(qloop, remote.list_server_assistants())
    run(qloop, remote.gateway.aclose())


def test_files_for_file_search_go_into_one_vector_store(qloop, openai_server, tmp_path) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("Alpacas are calm.")
    second.write_text("Llamas hum.")
    remote = AssistantRemote(gateway_for(openai_server))
    profile = run(qloop, remote.add_files(replace(HELPER, tools=("file_search",)), [first]))
    profile = run(qloop, remote.add_files(profile, [second]))
    assert [f.name for f in profile.files] == ["a.txt", "b.txt"]
    assert list(openai_server.vector_stores) == [profile.vector_store_id]
    assert len(openai_server.vector_stores[profile.vector_store_id]["file_ids"]) == 2
    openai_server.unsupported.add("vector_stores")
    with pytest.raises(GatewayError, match="file search is not available"):
        run(qloop, remote.add_files(replace(profile, vector_store_id=""), [first]))
    run(qloop, remote.gateway.aclose())


def test_callers_racing_for_the_client_share_one(qloop, openai_server) -> None:
    """Two requests at once on a fresh gateway (a send while the model list loads) must not
    each build a client: the one that is dropped would leak its connections."""
    gateway = gateway_for(openai_server)

    async def both() -> tuple:  # type: ignore[type-arg]
        return await asyncio.gather(gateway.client(), gateway.client())

    first, second = run(qloop, both())
    run(qloop, gateway.aclose())
    assert first is second


def test_an_image_in_the_dialogue_reaches_the_responses_api(qloop, openai_server, store) -> None:
    import io

    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(png, "PNG")
    helper = store.save_assistant(replace(HELPER, tools=()))
    session = session_for(openai_server, store, "responses")
    first = session.prepare(None, "What is this?", "gpt-4o", helper.instructions, helper)
    store.add_attachment(first.user_message.id, png.getvalue(), "png", "image/png", "red.png")
    turn = session.prepare_regenerate(first.dialogue_id, "gpt-4o", helper.instructions, helper)
    reply = run(qloop, session.stream_reply(turn, lambda _t: None))
    run(qloop, session.gateway.aclose())
    [item] = openai_server.requests[-1].body["input"]
    assert [p["type"] for p in item["content"]] == ["input_text", "input_image"]
    assert item["content"][1]["image_url"].startswith("data:image/png;base64,")
    assert "- images attached: 1" in reply.content


@pytest.mark.parametrize(
    ("provider", "name"),
    [("custom", "max_tokens"), ("llamacpp", "max_tokens"), ("openai", "max_completion_tokens")],
)
def test_the_token_cap_goes_under_the_name_the_server_reads(
    qloop, openai_server, store, provider: str, name: str
) -> None:
    """llama.cpp (and most servers that are not OpenAI) ignore `max_completion_tokens`: an
    assistant capped at 64 tokens on "Custom" wrote 489."""
    capped = store.save_assistant(AssistantProfile("Brief", "gpt-4o", max_output_tokens=64))
    session = ChatSession(
        store,
        gateway_for(openai_server, provider=provider),
        SentimentAnalyzer(),
        wire_api="chat_completions",
    )
    send(qloop, session, "Tell me everything", capped)
    run(qloop, session.gateway.aclose())
    body = openai_server.requests[-1].body
    assert body[name] == 64
    (other,) = {"max_tokens", "max_completion_tokens"} - {name}
    assert other not in body
