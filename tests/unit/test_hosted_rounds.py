"""The tool loop with the provider's own MCP calls in a round: what it made and listed goes
into the next request beside the function calls' results, so the model still sees it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any

from desktop_app.core.tool_calls import ToolCall
from desktop_app.core.tool_policy import MemoryDecisions, ToolPolicy
from desktop_app.services.chat_events import (
    ChatEvent,
    HostedApprovals,
    StreamEnd,
    TextDelta,
    ToolCallsMade,
)
from desktop_app.services.tool_loop import ToolLoop
from desktop_app.services.tool_rounds import ResponsesRounds
from tests.support.tools import Approver, FakeTools

MCP_CALL = {
    "id": "mcp_1",
    "type": "mcp_call",
    "name": "lookup",
    "arguments": "{}",
    "server_label": "web",
    "output": "the ferry leaves at nine",
}


class Provider:
    """Round 1: a hosted call already made (waived) and a local function call; round 2: text."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def stream_chat(self, model: str, messages: Sequence[dict[str, Any]], **params: Any) -> Any:
        raise AssertionError("Responses only")

    def stream_responses(self, request: Mapping[str, Any]) -> AsyncGenerator[ChatEvent, None]:
        self.requests.append(dict(request))
        first = len(self.requests) == 1

        async def events() -> AsyncGenerator[ChatEvent, None]:
            if first:
                yield HostedApprovals((), (MCP_CALL,))
                yield ToolCallsMade((ToolCall("call_1", "add", '{"a": 1, "b": 2}'),))
            else:
                yield TextDelta("done")
            yield StreamEnd("completed")

        return events()


def test_the_providers_call_goes_into_the_next_request_beside_the_functions_result() -> None:
    provider = Provider()
    loop = ToolLoop(provider, FakeTools(), ToolPolicy(MemoryDecisions({"maths/add"})), Approver())
    rounds = ResponsesRounds({"model": "m", "input": [{"role": "user", "content": "go"}]})
    turn = asyncio.run(loop.run(rounds))
    assert turn.text == "done" and len(provider.requests) == 2
    kinds = [item.get("type", item.get("role")) for item in provider.requests[1]["input"]]
    assert kinds == ["user", "mcp_call", "function_call", "function_call_output"]
    assert provider.requests[1]["input"][1] == MCP_CALL


def test_a_round_with_only_the_providers_calls_made_ends_the_turn() -> None:
    class Once(Provider):
        def stream_responses(self, request: Mapping[str, Any]) -> Any:
            self.requests.append(dict(request))

            async def events() -> AsyncGenerator[ChatEvent, None]:
                yield HostedApprovals((), (MCP_CALL,))
                yield TextDelta("The ferry leaves at nine.")
                yield StreamEnd("completed")

            return events()

    provider = Once()
    loop = ToolLoop(provider, FakeTools(), ToolPolicy(), Approver())
    rounds = ResponsesRounds({"model": "m", "input": [{"role": "user", "content": "when?"}]})
    turn = asyncio.run(loop.run(rounds))
    assert turn.text == "The ferry leaves at nine." and len(provider.requests) == 1
