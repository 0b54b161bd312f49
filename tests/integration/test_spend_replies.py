"""What replies cost, against the test server on both wire APIs: whole and streamed replies,
reasoning and image tokens, and replies cut short (priced as estimates)."""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path

import openai
import pytest

from desktop_app.core.dialogue import Message, Status
from desktop_app.core.image_request import data_url
from desktop_app.core.pricing import TokenUsage, price
from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.services.chat_events import Usage, read_usage
from desktop_app.services.chat_session import ChatSession
from desktop_app.services.gateway_errors import GatewayError
from desktop_app.services.price_book import PriceBook
from desktop_app.services.spend_ledger import SpendLedger
from desktop_app.services.store import Store
from tests.integration.test_gateway import gateway_for
from tests.openai_server import Fault, OpenAIServer, split_into_chunks
from tests.openai_server.response_replies import item_text
from tests.openai_server.usage import IMAGE_TOKENS, counts
from tests.support.images import image_bytes
from tests.support.loop import run


def paid(server):  # type: ignore[no-untyped-def]
    """The test server standing in for OpenAI: on 127.0.0.1 as "Custom" its replies would be
    free (a server on this computer), so these tests name the provider OpenAI."""
    return gateway_for(server, provider="openai")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "parley.db", tmp_path / "attachments")
    yield store
    store.close()


@pytest.fixture
def ledger(store: Store, tmp_path: Path) -> SpendLedger:
    return SpendLedger(store, PriceBook(tmp_path / "config" / "prices.json"))


def expected_tokens(server: OpenAIServer, reply: str) -> TokenUsage:
    """What the test server counted for the last reply it wrote (see tests/openai_server/usage)."""
    request = next(r for r in reversed(server.requests) if r.method == "POST")
    body = request.body
    pieces = len(split_into_chunks(reply))
    if request.path == "/v1/responses":
        c = counts(body["input"], pieces, body["model"], item_text)
    else:
        c = counts(body["messages"], pieces, body["model"])
    return TokenUsage(c["input"], c["cached"], c["output"], c["reasoning"], c["image"])


def expected_cost(ledger: SpendLedger, tokens: TokenUsage, model: str) -> float:
    row = ledger.prices.table.models[model]
    cached = row.input if row.cached_input is None else row.cached_input
    fresh = tokens.input - tokens.cached_input
    return (fresh * row.input + tokens.cached_input * cached + tokens.output * row.output) / 1e6


def converse(qloop, session: ChatSession, model: str, texts: list[str]) -> list[Message]:  # type: ignore[no-untyped-def]
    replies, dialogue = [], None
    for text in texts:
        turn = session.prepare(dialogue, text, model, "Answer briefly, please")
        dialogue = turn.dialogue_id
        replies.append(run(qloop, session.stream_reply(turn, lambda _t: None)))
    return replies


@pytest.mark.parametrize("wire_api", ["chat_completions", "responses"])
@pytest.mark.parametrize("model", ["gpt-4o-mini", "o4-mini"])
def test_streamed_replies_record_exact_usage_and_cost(
    qloop, openai_server, store, ledger, wire_api, model
) -> None:
    session = ChatSession(
        store, paid(openai_server), SentimentAnalyzer(), wire_api=wire_api, ledger=ledger
    )
    first, second = converse(qloop, session, model, ["Hello there", "And what next?"])
    run(qloop, session.gateway.aclose())
    assert openai_server.requests[-1].path.endswith(
        "/responses" if wire_api == "responses" else "/chat/completions"
    )
    tokens = expected_tokens(openai_server, second.content)
    assert second.usage is not None and second.usage.tokens == tokens
    assert tokens.cached_input > 0  # the earlier turn is the cached prefix
    assert (tokens.reasoning > 0) == (model == "o4-mini")
    assert second.usage.charge.amount == pytest.approx(expected_cost(ledger, tokens, model))
    assert not second.usage.charge.estimated and second.usage.charge.priced_as == model
    entries = store.usage_entries(0, 2e10)
    assert [e.message_id for e in entries] == [first.id, second.id]
    assert entries[1].tokens == tokens and entries[1].cost == second.usage.charge.amount
    total = store.dialogue_spend(second.dialogue_id)
    assert total.charge.amount == pytest.approx(math.fsum(e.cost for e in entries))


def test_whole_replies_on_both_wire_apis_give_the_same_usage(openai_server, store, ledger) -> None:
    """Replies that are not streamed carry their usage in the reply itself."""
    messages = [
        {"role": "system", "content": "Be kind"},
        {"role": "user", "content": "Hello there"},
        {"role": "assistant", "content": "Hi"},
        {"role": "user", "content": "How much was that?"},
    ]
    dialogue = store.create_dialogue("Whole replies")
    with openai.OpenAI(base_url=openai_server.url, api_key="k", max_retries=0) as client:
        completion = client.chat.completions.create(model="o4-mini", messages=messages)
        text = completion.choices[0].message.content
        chat = read_usage(completion.usage)
        expected = expected_tokens(openai_server, text)
        response = client.responses.create(model="o4-mini", input=messages)
        responses = read_usage(response.usage)
        expected_responses = expected_tokens(openai_server, response.output_text)
    assert chat.tokens() == expected and responses.tokens() == expected_responses
    assert chat.cached_tokens == 5 and chat.reasoning_tokens > 0  # "Be kind Hello there Hi"
    reply = Message("assistant", text, model="o4-mini", dialogue_id=dialogue)
    reply.id = store.add_message(dialogue, reply)
    recorded = ledger.record(reply, chat, messages)
    assert recorded is not None and recorded.charge.amount == pytest.approx(
        expected_cost(ledger, expected, "o4-mini")
    )


def test_image_tokens_are_reported_and_recorded(qloop, openai_server) -> None:
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": data_url(image_bytes(), "image/png")}},
            ],
        }
    ]
    gateway = gateway_for(openai_server)

    async def usage() -> list[Usage]:
        try:
            return [
                e async for e in gateway.stream_chat("gpt-4o", messages) if isinstance(e, Usage)
            ]
        finally:
            await gateway.aclose()

    [reported] = run(qloop, usage())
    assert reported.image_tokens == IMAGE_TOKENS
    assert reported.prompt_tokens == 3 + IMAGE_TOKENS


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/responses"])
def test_a_stream_cut_short_is_priced_as_an_estimate_of_what_arrived(
    qloop, openai_server, store, ledger, path
) -> None:
    wire_api = "responses" if path.endswith("responses") else "chat_completions"
    session = ChatSession(
        store, paid(openai_server), SentimentAnalyzer(), wire_api=wire_api, ledger=ledger
    )
    openai_server.add_fault(Fault(path=path, cut_after=5))
    turn = session.prepare(None, "Tell me about costs", "gpt-4o", "Be brief")
    with pytest.raises(GatewayError):
        run(qloop, session.stream_reply(turn, lambda _t: None))
    run(qloop, session.gateway.aclose())
    reply = store.messages(turn.dialogue_id)[-1]
    assert reply.status is Status.INTERRUPTED and reply.content
    usage = reply.usage
    assert usage is not None and usage.tokens.estimated and usage.charge.estimated
    sent = len("Be brief") + len("Tell me about costs")
    assert usage.tokens == TokenUsage(
        input=math.ceil(sent / 4), output=math.ceil(len(reply.content) / 4), estimated=True
    )
    assert usage.charge.amount == pytest.approx(expected_cost(ledger, usage.tokens, "gpt-4o"))
    assert usage.label.startswith("≈") and " · ≈$" in usage.label


def test_a_stopped_reply_is_an_estimate_too(qloop, openai_server, store, ledger) -> None:
    openai_server.chunk_delay = 0.05
    session = ChatSession(store, gateway_for(openai_server), SentimentAnalyzer(), ledger=ledger)
    turn = session.prepare(None, "Go slowly", "gpt-4o-mini", "")
    arrived: list[str] = []

    async def stop_after_three_words() -> None:
        task = asyncio.ensure_future(session.stream_reply(turn, arrived.append))
        while len(arrived) < 3:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await session.gateway.aclose()

    run(qloop, stop_after_three_words())
    [entry] = store.usage_entries(0, 2e10)
    assert entry.tokens.estimated and entry.tokens.output == math.ceil(len("".join(arrived)) / 4)


def test_a_server_that_reports_no_usage_gets_an_estimate(qloop, openai_server, store, ledger):  # type: ignore[no-untyped-def]
    """Some local servers ignore stream_options: the reply is complete, its cost estimated."""
    gateway = gateway_for(openai_server)

    async def no_usage(*args, **kwargs):  # type: ignore[no-untyped-def]
        async for event in type(gateway).stream_chat(gateway, *args, **kwargs):
            if not isinstance(event, Usage):  # text and the finish, no usage
                yield event

    gateway.stream_chat = no_usage  # type: ignore[method-assign]
    session = ChatSession(store, gateway, SentimentAnalyzer(), ledger=ledger)
    turn = session.prepare(None, "Count this", "gpt-4o-mini", "")
    reply = run(qloop, session.stream_reply(turn, lambda _t: None))
    run(qloop, gateway.aclose())
    assert reply.status is Status.COMPLETE and reply.usage is not None
    assert reply.usage.tokens.estimated


def test_the_model_list_keeps_shutdown_dates_for_the_pickers(qloop, openai_server, store):  # type: ignore[no-untyped-def]
    from desktop_app.services.model_catalog import ModelCatalog
    from tests.openai_server.models import RETIRING_MODEL, retiring_date

    openai_server.models.append(
        {
            "id": "gpt-old",
            "object": "model",
            "created": 1,
            "owned_by": "system",
            "shutdown_date": 1_799_452_800,
            "replacement": "gpt-new",
        }
    )
    gateway = gateway_for(openai_server)
    catalog = ModelCatalog(store, gateway)
    run(qloop, catalog.refresh())
    run(qloop, gateway.aclose())
    assert store.model_lifecycle(catalog.provider_key) == {
        RETIRING_MODEL: (retiring_date(), ""),
        "gpt-old": ("1799452800", "gpt-new"),
    }
    again = ModelCatalog(store, gateway)  # offline, from the cache
    found = again.retirement(RETIRING_MODEL)
    assert found is not None and found.shutdown.isoformat() == retiring_date()
    assert again.retirement("gpt-4o") is None


@pytest.mark.parametrize(
    ("provider", "free"),
    [("custom", True), ("lmstudio", True), ("litellm", False), ("openai", False)],
)
def test_a_server_on_this_computer_is_free_unless_the_model_was_priced(
    qloop, openai_server, store, ledger, provider: str, free: bool
) -> None:
    """LM Studio users pick "Custom" at 127.0.0.1: a model named gpt-4o-mini there was
    charged at OpenAI's rate. A gateway to paid models (LiteLLM) is priced wherever it runs."""
    session = ChatSession(
        store,
        gateway_for(openai_server, provider=provider),
        SentimentAnalyzer(),
        wire_api="chat_completions",
        ledger=ledger,
    )
    (reply,) = converse(qloop, session, "gpt-4o-mini", ["Hello there"])
    assert reply.usage is not None
    assert (reply.usage.charge.amount == 0) is free and reply.usage.charge.amount is not None
    # The user prices the model (Settings → Prices): then it costs what they said, here too.
    ledger.prices.edits_path.parent.mkdir(parents=True, exist_ok=True)
    ledger.prices.edits_path.write_text(
        json.dumps({"models": {"gpt-4o-mini": {"input": 1.0, "output": 2.0}}})
    )
    ledger.prices.load()
    (again,) = converse(qloop, session, "gpt-4o-mini", ["And again"])
    run(qloop, session.gateway.aclose())
    charge = again.usage.charge
    assert charge.amount == price(again.usage.tokens, "gpt-4o-mini", ledger.prices.table).amount
    assert charge.amount > 0 and ledger.prices.table.models["gpt-4o-mini"].input == 1.0
