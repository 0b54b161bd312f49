"""The Responses API's hosted `mcp` tool: the provider calls a remote MCP server itself (the
test server does, over Streamable HTTP, as the service does), and asks first — Parley puts the
question to the user and sends the answer; a tool the user always allows is waived from
approval in the request itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from desktop_app.core.dialogue import Status
from desktop_app.core.tool_policy import Decision, MemoryDecisions, ToolPolicy
from desktop_app.core.wire_apis import RESPONSES
from desktop_app.services.chat_session import ChatSession, PendingTurn
from desktop_app.services.mcp_sessions import McpSessions
from desktop_app.services.mcp_tools import McpTools
from tests.mcp_servers.launch import http_config, http_server
from tests.openai_server import OpenAIServer
from tests.support.loop import run
from tests.support.tools import Approver

pytestmark = pytest.mark.slow
MODEL = "gpt-4o-mini"


@pytest.fixture(scope="module")
def remote() -> Iterator[str]:
    with http_server() as url:
        yield url


def hosted_turn(
    make: Callable[..., ChatSession],
    server: OpenAIServer,
    url: str,
    text: str,
    approver: Approver,
    policy: ToolPolicy,
) -> tuple[ChatSession, PendingTurn]:
    session = make(server, wire_api=RESPONSES)
    turn = session.prepare(None, text, MODEL, "Be brief.")
    sessions = McpSessions([http_config(url, "web tools")], read_secret=lambda _key: "")
    turn.tools = McpTools(sessions, ["web tools"])
    turn.approve, turn.policy = approver, policy
    turn.hosted = {"web tools": {"type": "mcp", "server_label": "web_tools", "server_url": url}}
    return session, turn


def responses_bodies(server: OpenAIServer) -> list[dict[str, Any]]:
    return [r.body for r in server.requests if r.path == "/v1/responses"]


def test_the_provider_asks_parley_asks_the_user_and_the_provider_runs_it(
    qloop, openai_server, chat_sessions, remote
) -> None:  # type: ignore[no-untyped-def]
    approver = Approver(Decision.ALLOW_ONCE)
    session, turn = hosted_turn(
        chat_sessions,
        openai_server,
        remote,
        'use add with {"a": 40, "b": 2}',
        approver,
        ToolPolicy(),
    )
    reply = run(qloop, session.stream_reply(turn, lambda _text: None), timeout=60)
    assert reply.content == "Tool results: add → 42.0\n" and reply.status is Status.COMPLETE
    (asked,) = approver.asked
    assert (asked.call.name, asked.spec.source) == ("add", "web tools")  # type: ignore[union-attr]
    assert asked.call.arguments == '{"a": 40, "b": 2}'
    bodies = responses_bodies(openai_server)  # a loaded machine may have retried one
    first, second = bodies[0], bodies[-1]
    assert len({len(b["input"]) for b in bodies}) == 2  # the question, then with the answer
    mcp = [t for t in first["tools"] if t["type"] == "mcp"]
    assert mcp == [
        {
            "type": "mcp",
            "server_label": "web_tools",
            "server_url": remote,
            "require_approval": "always",
        }
    ]
    assert not [t for t in first["tools"] if t["type"] == "function"]  # not offered twice
    kinds = [i.get("type") for i in second["input"]]
    assert kinds[-3:] == ["mcp_list_tools", "mcp_approval_request", "mcp_approval_response"]
    assert second["input"][-1]["approve"] is True
    assert second["input"][-1]["approval_request_id"] == second["input"][-2]["id"]
    (note,) = reply.tool_notes
    assert note.kind == "mcp" and note.summary == "add on web_tools"
    assert note.citations[0].text == "42.0"
    stored = session.store.messages(turn.dialogue_id)
    assert [m.role for m in stored] == ["user", "assistant"]  # the provider's calls are notes
    assert stored[-1].tool_notes[0].label == "used MCP tool: add on web_tools"


def test_a_refusal_is_sent_and_nothing_runs(qloop, openai_server, chat_sessions, remote) -> None:  # type: ignore[no-untyped-def]
    no = Approver(Decision.DENY)
    ask = 'use add with {"a": 1, "b": 2}'
    session, turn = hosted_turn(chat_sessions, openai_server, remote, ask, no, ToolPolicy())
    reply = run(qloop, session.stream_reply(turn, lambda _text: None), timeout=60)
    assert reply.content == "The user declined add.\n" and not reply.tool_notes
    assert responses_bodies(openai_server)[-1]["input"][-1]["approve"] is False


def test_an_always_allowed_tool_is_waived(qloop, openai_server, chat_sessions, remote) -> None:  # type: ignore[no-untyped-def]
    approver = Approver()
    policy = ToolPolicy(MemoryDecisions({"web tools/add"}))
    ask = 'use add with {"a": 2, "b": 3}'
    session, turn = hosted_turn(chat_sessions, openai_server, remote, ask, approver, policy)
    reply = run(qloop, session.stream_reply(turn, lambda _text: None), timeout=60)
    assert reply.content == "Tool results: add → 5.0\n" and approver.asked == []
    (body,) = responses_bodies(openai_server)  # one request: nothing to wait for
    (entry,) = [t for t in body["tools"] if t["type"] == "mcp"]
    assert entry["require_approval"] == {"never": {"tool_names": ["add"]}}
