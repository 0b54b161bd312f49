"""The automatic wire API against a server whose Responses API fails (issue 14, item 4): a 5xx
or "not implemented" before any text falls back to chat completions, is remembered per
provider and model, and is said once; no traceback reaches the user or the stored reply."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core.assistants import AssistantProfile
from desktop_app.core.dialogue import Status
from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.services.chat_session import ChatSession
from desktop_app.services.gateway_errors import GatewayError
from desktop_app.services.store import Store
from desktop_app.services.wire_api import failed_models, forget_wire_api
from tests.integration.test_gateway import gateway_for
from tests.openai_server import Fault, OpenAIServer
from tests.openai_server.endings import TRACEBACK
from tests.support.loop import run

HELPER = AssistantProfile("Helper", "gpt-4o", "Answer briefly.", id=None)
EXCEPTION_LINE = TRACEBACK.strip().splitlines()[-1]
FIRST_SENTENCE = "NotImplementedError: Responses API is not implemented for this model"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "parley.db", tmp_path / "attachments")
    yield store
    store.close()


def broken_responses(server: OpenAIServer, status: int = 500) -> None:
    """Every Responses request fails with the server's traceback as its body (the SDK retries
    a 5xx, so the fault stays)."""
    server.add_fault(Fault(path="/v1/responses", status=status, body=TRACEBACK, times=None))


def send(qloop, store: Store, server: OpenAIServer, wire_api: str = "auto", model="gpt-4o"):  # type: ignore[no-untyped-def]
    session = ChatSession(
        store, gateway_for(server, max_retries=0), SentimentAnalyzer(), wire_api=wire_api
    )
    helper = store.save_assistant(AssistantProfile("Helper", model, "Answer briefly."))
    turn = session.prepare(None, "Bonjour", model, helper.instructions, helper)
    notices: list[str] = []
    try:
        reply = run(qloop, session.stream_reply(turn, lambda _t: None, on_notice=notices.append))
    finally:
        run(qloop, session.gateway.aclose())
    return turn, reply, notices


def posted(server: OpenAIServer) -> list[str]:
    return [r.path for r in server.requests if r.method == "POST"]


def test_a_500_from_responses_falls_back_remembers_the_model_and_says_so_once(
    qloop, openai_server, store
) -> None:
    broken_responses(openai_server)
    turn, reply, notices = send(qloop, store, openai_server)
    assert posted(openai_server) == ["/v1/responses", "/v1/chat/completions"]
    assert reply.status is Status.COMPLETE and turn.wire_api == "chat_completions"
    assert notices == [
        f"This server's Responses API failed (500: {FIRST_SENTENCE}); Parley used chat "
        "completions instead and will for gpt-4o."
    ]
    assert failed_models(store, f"custom:{openai_server.url}") == {"gpt-4o"}

    _, again, notices = send(qloop, store, openai_server)  # remembered: straight to chat
    assert posted(openai_server)[2:] == ["/v1/chat/completions"]
    assert again.status is Status.COMPLETE and notices == []

    openai_server.add_model("gpt-4.1")  # another model on the same server is asked afresh
    openai_server.clear_faults()
    _, other, _ = send(qloop, store, openai_server, model="gpt-4.1")
    assert posted(openai_server)[3:] == ["/v1/responses"] and other.status is Status.COMPLETE


def test_a_stream_that_fails_before_any_text_falls_back_too(qloop, openai_server, store) -> None:
    """A gateway bridging Responses to a backend without it: 200, then `response.failed`."""
    openai_server.add_fault(Fault(path="/v1/responses", ending="failed"))
    _, reply, notices = send(qloop, store, openai_server)
    assert posted(openai_server) == ["/v1/responses", "/v1/chat/completions"]
    assert reply.status is Status.COMPLETE
    [notice] = notices
    assert f"failed ({FIRST_SENTENCE})" in notice and "Traceback" not in notice


def test_not_implemented_in_a_4xx_falls_back(qloop, openai_server, store) -> None:
    openai_server.add_fault(
        Fault(path="/v1/responses", status=400, body={"detail": "Not implemented"})
    )
    _, reply, notices = send(qloop, store, openai_server)
    assert reply.status is Status.COMPLETE and posted(openai_server)[-1] == "/v1/chat/completions"
    assert notices and "(400: Not implemented)" in notices[0]


def test_nothing_is_remembered_when_chat_completions_fails_as_well(
    qloop, openai_server, store
) -> None:
    """A server that is down (503 everywhere) has not shown that its Responses API is broken."""
    openai_server.add_fault(Fault(path="*", status=503, times=None))
    with pytest.raises(GatewayError, match="Try again in a moment"):
        send(qloop, store, openai_server)
    assert posted(openai_server) == ["/v1/responses", "/v1/chat/completions"]
    assert failed_models(store, f"custom:{openai_server.url}") == set()


def test_an_explicit_responses_setting_shows_no_traceback_and_no_pointless_retry_advice(
    qloop, openai_server, store
) -> None:
    broken_responses(openai_server)
    with pytest.raises(GatewayError) as caught:
        send(qloop, store, openai_server, wire_api="responses")
    message = caught.value.message
    assert message == f"The server had a problem (500). The server said: {EXCEPTION_LINE}"
    stored = store.messages(store.list_dialogues()[0].id)[-1]
    assert stored.status is Status.ERROR and stored.error == message
    assert "Traceback" not in stored.error and "File " not in stored.error
    assert posted(openai_server) == ["/v1/responses"]  # no fall-back when the user chose


def test_a_failed_stream_on_the_explicit_setting_says_the_exception_not_the_traceback(
    qloop, openai_server, store
) -> None:
    openai_server.add_fault(Fault(path="/v1/responses", ending="failed"))
    with pytest.raises(GatewayError) as caught:
        send(qloop, store, openai_server, wire_api="responses")
    assert caught.value.message.endswith(EXCEPTION_LINE)
    assert "Traceback" not in caught.value.message


def test_settings_forget_the_failed_models(qloop, openai_server, store) -> None:
    broken_responses(openai_server)
    send(qloop, store, openai_server)
    forget_wire_api(store, f"custom:{openai_server.url}")
    assert failed_models(store, f"custom:{openai_server.url}") == set()
