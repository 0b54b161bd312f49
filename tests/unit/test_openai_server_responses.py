"""The test server's Responses, files, vector stores and Assistants routes, read by the real SDK."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import openai
import pytest

from tests.openai_server import Fault, OpenAIServer
from tests.openai_server.response_replies import search_page

MODEL = "gpt-4o-mini"


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as running:
        yield running


@pytest.fixture
def client(server: OpenAIServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=server.url, api_key="test", max_retries=0) as sdk:
        yield sdk


def test_a_plain_response_reflects_the_request(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model=MODEL, input="Hello there", instructions="Be brief", temperature=0.3
    )
    assert response.status == "completed"
    text = response.output_text
    assert "answered through Responses: “Hello there”" in text
    assert "- instructions: Be brief" in text and "- temperature: 0.3" in text
    assert response.usage is not None and response.usage.output_tokens > 0


def test_a_streamed_response_with_web_search_has_every_event_and_a_citation(
    client: openai.OpenAI,
) -> None:
    stream = client.responses.create(
        model=MODEL,
        input=[{"role": "user", "content": "parley desktop"}],
        tools=[{"type": "web_search"}],
        stream=True,
    )
    events = list(stream)
    kinds = [e.type for e in events]
    assert kinds[:3] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
    ]
    for kind in (
        "response.web_search_call.searching",
        "response.output_item.done",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.annotation.added",
        "response.output_text.done",
    ):
        assert kind in kinds
    assert kinds[-1] == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    call = next(e.item for e in events if e.type == "response.output_item.done")
    assert call.type == "web_search_call" and call.action.query == "parley desktop"
    [annotation] = [
        e.annotation for e in events if e.type == "response.output_text.annotation.added"
    ]
    title, url = search_page("parley desktop")
    assert (annotation.type, annotation.title, annotation.url) == ("url_citation", title, url)
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text[annotation.start_index : annotation.end_index] == f"[{title}]({url})"
    assert events[-1].response.usage.total_tokens > 0


def test_file_search_over_an_uploaded_file(client: openai.OpenAI, server: OpenAIServer) -> None:
    uploaded = client.files.create(
        file=("llamas.txt", b"Llamas hum when they are content."), purpose="assistants"
    )
    store = client.vector_stores.create(name="notes", file_ids=[uploaded.id])
    assert store.file_counts.completed == 1
    other = client.files.create(file=("x.txt", b"nothing here"), purpose="assistants")
    client.vector_stores.files.create(store.id, file_id=other.id)
    assert len(client.vector_stores.files.list(store.id).data) == 2
    response = client.responses.create(
        model=MODEL,
        input="Why do llamas hum?",
        tools=[{"type": "file_search", "vector_store_ids": [store.id]}],
        include=["file_search_call.results"],
    )
    call, message = response.output
    assert call.type == "file_search_call" and call.queries == ["Why do llamas hum?"]
    assert [r.filename for r in call.results] == ["llamas.txt"]
    citations = message.content[0].annotations
    assert [(c.type, c.filename) for c in citations] == [("file_citation", "llamas.txt")]
    assert "llamas.txt" in response.output_text
    assert [f.filename for f in client.files.list()] == ["llamas.txt", "x.txt"]


def test_a_responses_stream_can_be_cut(client: openai.OpenAI, server: OpenAIServer) -> None:
    server.add_fault(Fault(path="/v1/responses", cut_after=2))
    with pytest.raises(openai.APIConnectionError):
        for _ in client.responses.create(model=MODEL, input="Hi", stream=True):
            pass


def test_invalid_responses_requests(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError):
        client.responses.create(model=MODEL, input=[])
    with pytest.raises(openai.NotFoundError) as caught:
        client.responses.create(model="nope", input="hi")
    assert caught.value.code == "model_not_found"


def list_server_assistants(client: openai.OpenAI, limit: int) -> list[str]:
    with warnings.catch_warnings():  # beta.assistants is deprecated in the SDK
        warnings.simplefilter("ignore", DeprecationWarning)
        page = client.beta.assistants.list(limit=limit)
    return [a.name for a in page]


def test_assistants_are_listed_page_by_page(client: openai.OpenAI, server: OpenAIServer) -> None:
    for name in ("One", "Two", "Three", "Four", "Five"):
        server.add_assistant(name, instructions=f"I am {name}")
    assert list_server_assistants(client, 2) == ["Five", "Four", "Three", "Two", "One"]
    pages = [r for r in server.requests if r.path == "/v1/assistants"]
    assert [r.query.get("after") for r in pages] == [None, "asst_test0004", "asst_test0002"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        found = client.beta.assistants.retrieve("asst_test0003")
    assert (found.name, found.instructions) == ("Three", "I am Three")


@pytest.mark.parametrize("feature", ["responses", "files", "vector_stores", "assistants"])
def test_each_feature_can_be_switched_off(
    client: openai.OpenAI, server: OpenAIServer, feature: str
) -> None:
    server.unsupported.add(feature)
    calls = {
        "responses": lambda: client.responses.create(model=MODEL, input="hi"),
        "files": lambda: client.files.list(),
        "vector_stores": lambda: client.vector_stores.create(name="x"),
        "assistants": lambda: list_server_assistants(client, 5),
    }
    with pytest.raises(openai.NotFoundError) as caught:
        calls[feature]()
    assert "Invalid URL" in caught.value.message
