"""The request pieces of a turn with function tools, for each wire API, as pure functions.

Chat completions: `tools=[{"type": "function", "function": {name, description, parameters}}]`;
after the model asked, the assistant message carries `tool_calls` and each result goes back
as `{"role": "tool", "tool_call_id": …, "content": …}`. The Responses API: `tools=[{"type":
"function", name, description, parameters}]`; the calls go back as `function_call` input items
and the results as `function_call_output` items, matched by `call_id`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from desktop_app.core.tool_calls import ToolCall, ToolSpec


def _parameters(spec: ToolSpec) -> dict[str, Any]:
    schema = dict(spec.input_schema)
    schema.setdefault("type", "object")
    if schema.get("type") == "object":
        schema.setdefault("properties", {})
    return schema


def chat_tools(specs: Iterable[ToolSpec]) -> list[dict[str, Any]]:
    tools = []
    for spec in specs:
        function: dict[str, Any] = {"name": spec.name, "parameters": _parameters(spec)}
        if spec.description:
            function["description"] = spec.description
        tools.append({"type": "function", "function": function})
    return tools


def responses_tools(specs: Iterable[ToolSpec]) -> list[dict[str, Any]]:
    # Not strict: strict mode refuses schemas with optional properties, which most MCP
    # tools have.
    tools = []
    for spec in specs:
        tool: dict[str, Any] = {
            "type": "function",
            "name": spec.name,
            "parameters": _parameters(spec),
            "strict": False,
        }
        if spec.description:
            tool["description"] = spec.description
        tools.append(tool)
    return tools


def chat_call(call: ToolCall) -> dict[str, Any]:
    return {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": call.arguments or "{}"},
    }


def chat_calls_message(text: str, calls: Sequence[ToolCall]) -> dict[str, Any]:
    """The assistant message that asked for `calls` (with whatever it said before them)."""
    return {
        "role": "assistant",
        "content": text or None,
        "tool_calls": [chat_call(c) for c in calls],
    }


def chat_result_message(call_id: str, content: str) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": content}


def responses_call_items(text: str, calls: Sequence[ToolCall]) -> list[dict[str, Any]]:
    """The input items for what the model said and the calls it made."""
    items: list[dict[str, Any]] = []
    if text:
        items.append({"role": "assistant", "content": text})
    items += [
        {
            "type": "function_call",
            "call_id": c.id,
            "name": c.name,
            "arguments": c.arguments or "{}",
        }
        for c in calls
    ]
    return items


def responses_result_item(call_id: str, content: str) -> dict[str, Any]:
    return {"type": "function_call_output", "call_id": call_id, "output": content}


def chat_calls_to_items(message: dict[str, Any]) -> list[dict[str, Any]]:
    """A stored chat-shaped assistant message with `tool_calls` (or a `tool` message) as
    Responses input items, so a dialogue that used tools goes on over either API."""
    if message.get("role") == "tool":
        return [responses_result_item(str(message.get("tool_call_id", "")), _text(message))]
    calls = [
        ToolCall(
            str(c.get("id", "")),
            str((c.get("function") or {}).get("name", "")),
            str((c.get("function") or {}).get("arguments", "")),
        )
        for c in message.get("tool_calls") or []
        if isinstance(c, dict)
    ]
    return responses_call_items(_text(message), calls)


def _text(message: dict[str, Any]) -> str:
    content = message.get("content")
    return content if isinstance(content, str) else ""
