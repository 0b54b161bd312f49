"""Function calling, deterministically from the request: what the model "decides" to call.

When the request offers tools (``tools`` with ``type: "function"``) and the last user message
says ``use <tool> with {json}`` — several times for parallel calls (``use add with {"a": 1}
and use now with {}``), ``use <tool>`` alone for no arguments — the reply is those calls (the
arguments streamed in pieces, finish ``tool_calls``), and no text. Arguments that are not
JSON after ``with`` are sent as written (up to the next `` and use `` or the end): that is
how a test makes a model send broken arguments. A tool that was not offered is called all
the same (models do that).

When the conversation ends with tool results (chat ``tool`` messages, Responses
``function_call_output`` items), the reply is text quoting them: ``Tool results: add → 3``.
A user message that ends in ``forever`` makes the model call the same tools again after every
result (to test a bound on rounds).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

_USE = re.compile(r"\buse ([A-Za-z0-9_.-]+)(?: with )?")
_AND = " and use "
ARGUMENT_PIECE = 6  # characters of arguments per streamed chunk
RESULT_QUOTE = 200  # characters of each result quoted in the reply


@dataclass(frozen=True)
class PlannedCall:
    id: str
    name: str
    arguments: str

    def pieces(self) -> list[str]:
        text = self.arguments
        return [text[i : i + ARGUMENT_PIECE] for i in range(0, len(text), ARGUMENT_PIECE)]


def offered(body: dict[str, Any]) -> list[str]:
    """The names of the function tools a request offers, on either wire API."""
    names = []
    for tool in body.get("tools") or []:
        if not isinstance(tool, dict) or tool.get("type") != "function":
            continue
        function = tool.get("function") if isinstance(tool.get("function"), dict) else tool
        if isinstance(function.get("name"), str):
            names.append(function["name"])
    return names


def planned_calls(text: str) -> list[PlannedCall]:
    """The calls a user message asks for (none when it asks for none)."""
    calls = []
    decoder = json.JSONDecoder()
    for match in _USE.finditer(text):
        rest = text[match.end() :]
        arguments = ""
        if match.group(0).endswith(" with "):
            try:
                value, end = decoder.raw_decode(rest)
                arguments = json.dumps(value) if isinstance(value, dict) else rest[:end]
            except ValueError:
                arguments = rest.split(_AND, 1)[0].strip()
        arguments = arguments or "{}"
        calls.append(PlannedCall(f"call_{uuid.uuid4().hex[:20]}", match.group(1), arguments))
    return calls


def results_reply(results: list[tuple[str, str]]) -> str:
    """The text that answers tool results: each tool and (the start of) what it returned."""
    quoted = "; ".join(f"{name} → {output[:RESULT_QUOTE]}" for name, output in results)
    return f"Tool results: {quoted}\n"


def chat_plan(body: dict[str, Any], last_user: str) -> tuple[list[PlannedCall], str | None]:
    """(calls to make, None) or ([], the reply to tool results), or ([], None): no tools."""
    if not offered(body):
        return [], None
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    if messages and messages[-1].get("role") == "tool":
        if last_user.rstrip().endswith("forever"):
            return planned_calls(last_user), None
        names = {}
        for message in messages:
            for call in message.get("tool_calls") or []:
                if isinstance(call, dict):
                    names[call.get("id")] = (call.get("function") or {}).get("name", "?")
        results = []
        for message in reversed(messages):
            if message.get("role") != "tool":
                break
            content = message.get("content")
            text = content if isinstance(content, str) else json.dumps(content)
            results.insert(0, (str(names.get(message.get("tool_call_id"), "?")), text))
        return [], results_reply(results)
    return planned_calls(last_user), None


def responses_plan(body: dict[str, Any], last_user: str) -> tuple[list[PlannedCall], str | None]:
    """As `chat_plan`, for Responses input items."""
    if not offered(body):
        return [], None
    value = body.get("input")
    items = [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []
    if items and items[-1].get("type") == "function_call_output":
        if last_user.rstrip().endswith("forever"):
            return planned_calls(last_user), None
        names = {
            i.get("call_id"): i.get("name", "?") for i in items if i.get("type") == "function_call"
        }
        results = []
        for item in reversed(items):
            if item.get("type") != "function_call_output":
                break
            output = item.get("output")
            text = output if isinstance(output, str) else json.dumps(output)
            results.insert(0, (str(names.get(item.get("call_id"), "?")), text))
        return [], results_reply(results)
    return planned_calls(last_user), None
