"""One conversation with tools, round after round, on either wire API.

A round streams the model's reply with the tools offered; if it asked for calls, their results
are appended (chat completions: the assistant message with `tool_calls` and a `tool` message
per call; Responses: `function_call` and `function_call_output` input items) and the next
round goes out with them. Each class knows its API's request; the loop knows neither.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from desktop_app.core.assistant_request import chat_params, responses_request
from desktop_app.core.assistants import AssistantProfile
from desktop_app.core.tool_calls import ToolCall, ToolSpec
from desktop_app.core.tool_requests import (
    chat_calls_message,
    chat_result_message,
    chat_tools,
    responses_call_items,
    responses_result_item,
    responses_tools,
)
from desktop_app.core.wire_apis import CHAT_COMPLETIONS, RESPONSES
from desktop_app.services.chat_events import ChatEvent

if TYPE_CHECKING:
    from desktop_app.services.chat_session import PendingTurn


class Streams(Protocol):
    """What a round needs of the gateway (a `Gateway`, or a fake in tests)."""

    def stream_chat(
        self, model: str, messages: Sequence[dict[str, Any]], **params: Any
    ) -> AsyncGenerator[ChatEvent, None]: ...

    def stream_responses(self, request: Mapping[str, Any]) -> AsyncGenerator[ChatEvent, None]: ...


class Rounds(Protocol):
    wire_api: str

    def stream(
        self, gateway: Streams, specs: Sequence[ToolSpec]
    ) -> AsyncGenerator[ChatEvent, None]: ...

    def add(self, text: str, calls: Sequence[ToolCall], results: Sequence[str]) -> None:
        """What the model said, the calls it made and each call's result, in order."""
        ...

    def add_items(self, items: Sequence[Mapping[str, Any]]) -> None:
        """Input items the next request carries as they are (hosted MCP listings, approval
        requests and their answers; Responses only)."""
        ...


class ChatRounds:
    wire_api = CHAT_COMPLETIONS

    def __init__(
        self, model: str, messages: Sequence[dict[str, Any]], params: Mapping[str, Any] = {}
    ) -> None:
        self.model = model
        self.messages = list(messages)
        self.params = dict(params)

    def stream(
        self, gateway: Streams, specs: Sequence[ToolSpec]
    ) -> AsyncGenerator[ChatEvent, None]:
        params = dict(self.params)
        if specs:
            params["tools"] = chat_tools(specs)
        return gateway.stream_chat(self.model, self.messages, **params)

    def add(self, text: str, calls: Sequence[ToolCall], results: Sequence[str]) -> None:
        self.messages.append(chat_calls_message(text, calls))
        self.messages += [chat_result_message(c.id, r) for c, r in zip(calls, results, strict=True)]

    def add_items(self, items: Sequence[Mapping[str, Any]]) -> None:
        if items:  # no hosted tools on chat completions: nothing asks for this
            raise ValueError("chat completions has no input items")


class ResponsesRounds:
    wire_api = RESPONSES

    def __init__(self, request: Mapping[str, Any]) -> None:
        self.request = dict(request)
        self.items = list(self.request.get("input") or [])

    def stream(
        self, gateway: Streams, specs: Sequence[ToolSpec]
    ) -> AsyncGenerator[ChatEvent, None]:
        request = {**self.request, "input": list(self.items)}
        if specs:  # beside the hosted tools (web search…) the assistant may have
            request["tools"] = [*(self.request.get("tools") or []), *responses_tools(specs)]
        return gateway.stream_responses(request)

    def add(self, text: str, calls: Sequence[ToolCall], results: Sequence[str]) -> None:
        self.items += responses_call_items(text, calls)
        self.items += [responses_result_item(c.id, r) for c, r in zip(calls, results, strict=True)]

    def add_items(self, items: Sequence[Mapping[str, Any]]) -> None:
        self.items += [dict(item) for item in items]


def rounds_for_turn(
    turn: PendingTurn, wire_api: str, max_tokens_param: str = "max_completion_tokens"
) -> Rounds:
    """The rounds of a prepared chat turn on `wire_api`, with its assistant's settings (as
    `turn_events` sends a turn without tools; the turn records the API it went out on)."""
    turn.wire_api = wire_api
    if wire_api == RESPONSES:
        profile = turn.assistant or AssistantProfile("", turn.model, turn.system)
        return ResponsesRounds(responses_request(profile, turn.request))
    params = chat_params(turn.assistant, max_tokens_param) if turn.assistant else {}
    return ChatRounds(turn.model, turn.request, params)
