"""The tool loop calling a real MCP server (tests/mcp_servers/tools_server.py over stdio)
through McpTools, against Parley's OpenAI-compatible test server, on both wire APIs."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from desktop_app.core.assistant_request import responses_request
from desktop_app.core.assistants import AssistantProfile
from desktop_app.core.mcp_config import McpServerConfig
from desktop_app.core.tool_calls import ToolImage
from desktop_app.core.tool_policy import Decision, ToolPolicy
from desktop_app.core.wire_apis import CHAT_COMPLETIONS, RESPONSES
from desktop_app.services.mcp_sessions import McpSessions
from desktop_app.services.mcp_tools import McpTools
from desktop_app.services.tool_loop import ToolLoop, ToolTurn
from desktop_app.services.tool_rounds import ChatRounds, ResponsesRounds, Rounds
from tests.integration.test_gateway import gateway_for
from tests.mcp_servers.launch import stdio_config
from tests.openai_server import OpenAIServer
from tests.support.loop import run
from tests.support.tools import Approver

pytestmark = pytest.mark.slow

WIRES = (CHAT_COMPLETIONS, RESPONSES)
MODEL = "gpt-4o-mini"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def sessions(qloop) -> Iterator[Callable[..., McpSessions]]:  # type: ignore[no-untyped-def]
    """Makes McpSessions over the given configs; every one is shut down at the end."""
    made: list[McpSessions] = []

    def make(*configs: McpServerConfig) -> McpSessions:
        found = McpSessions(configs, read_secret=lambda _key: "")
        made.append(found)
        return found

    yield make
    for found in made:
        run(qloop, found.shutdown(), timeout=30)


def rounds_for(wire: str, text: str) -> Rounds:
    messages = [{"role": "user", "content": text}]
    if wire == CHAT_COMPLETIONS:
        return ChatRounds(MODEL, messages)
    return ResponsesRounds(responses_request(AssistantProfile("", MODEL, ""), messages))


def ask(
    qloop: Any, server: OpenAIServer, wire: str, text: str, provider: McpTools
) -> tuple[ToolTurn, Approver]:
    approver = Approver(Decision.ALLOW_ONCE)
    gateway = gateway_for(server)
    loop = ToolLoop(gateway, provider, ToolPolicy(), approver)

    async def go() -> ToolTurn:
        try:
            return await loop.run(rounds_for(wire, text))
        finally:
            await gateway.aclose()

    return run(qloop, go(), timeout=60), approver


def sent_results(server: OpenAIServer) -> list[str]:
    """The tool results the last request gave the model."""
    body = server.requests[-1].body
    if "messages" in body:
        return [m["content"] for m in body["messages"] if m.get("role") == "tool"]
    return [i["output"] for i in body["input"] if i.get("type") == "function_call_output"]


def offered(server: OpenAIServer) -> list[str]:
    tools = server.requests[0].body["tools"]
    return [t.get("function", t)["name"] for t in tools]


@pytest.mark.parametrize("wire", WIRES)
def test_the_model_calls_add_and_its_answer_uses_the_sum(qloop, sessions, openai_server, wire):
    provider = McpTools(sessions(stdio_config()))
    turn, approver = ask(qloop, openai_server, wire, 'use add with {"a": 2, "b": 40}', provider)
    assert turn.text == "Tool results: add → 42.0\n"
    [step] = turn.steps
    assert approver.asked == [step] and step.decision == "allow_once"
    assert step.spec is not None and (step.spec.name, step.spec.source) == ("add", "tools")
    assert step.spec.description == "Add two numbers and return the sum."
    assert step.result is not None and step.result.text == "42.0" and not step.result.is_error
    assert step.result.seconds is not None and step.result.seconds > 0
    assert sent_results(openai_server) == ["42.0"]
    assert set(offered(openai_server)) == {"add", "slow", "fail", "image", "forecast"}
    assert provider.server_of("add") == "tools"


@pytest.mark.parametrize("wire", WIRES)
def test_a_failing_tool_is_an_error_result_the_model_is_told(qloop, sessions, openai_server, wire):
    provider = McpTools(sessions(stdio_config()))
    turn, _ = ask(qloop, openai_server, wire, "use fail", provider)
    [step] = turn.steps
    assert step.result is not None and step.result.is_error
    assert "fail" in step.result.text  # the SDK's words ("Error executing tool fail")
    assert sent_results(openai_server) == [f"Error: {step.result.text}"]
    assert turn.text.startswith("Tool results: fail → Error: ")


def test_the_image_tool_gives_a_tool_image(qloop, sessions, openai_server):
    provider = McpTools(sessions(stdio_config()))
    turn, _ = ask(qloop, openai_server, CHAT_COMPLETIONS, "use image", provider)
    [step] = turn.steps
    assert step.result is not None and not step.result.is_error
    [image] = step.result.images
    assert isinstance(image, ToolImage) and image.mime == "image/png"
    assert base64.b64decode(image.data).startswith(PNG_SIGNATURE)
    assert turn.text == "Tool results: image → [1 image]\n"


def test_structured_content_arrives(qloop, sessions, openai_server):
    provider = McpTools(sessions(stdio_config()))
    turn, _ = ask(qloop, openai_server, RESPONSES, 'use forecast with {"city": "Oslo"}', provider)
    [step] = turn.steps
    assert step.result is not None
    assert step.result.structured == {"city": "Oslo", "celsius": 21.5, "sky": "clear"}
    assert "Oslo" in turn.text


def test_two_servers_with_the_same_tools_get_names_that_lead_to_the_right_one(
    qloop, sessions, openai_server
):
    service = sessions(stdio_config("tools"), stdio_config("more"))
    provider = McpTools(service, servers=["tools", "more"], tools=["tools/add", "more/add"])
    turn, _ = ask(
        qloop, openai_server, CHAT_COMPLETIONS, 'use more_add with {"a": 1, "b": 2}', provider
    )
    assert sorted(offered(openai_server)) == ["more_add", "tools_add"]
    [step] = turn.steps
    assert step.spec is not None and step.spec.source == "more"
    assert step.result is not None and step.result.text == "3.0"
    assert turn.text == "Tool results: more_add → 3.0\n"
    assert provider.server_of("tools_add") == "tools"
