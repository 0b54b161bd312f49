"""Function tools as the model sees them and as Parley runs them: specs, calls, results, steps,
and the assembly of calls that arrive streamed in pieces.

Chat completions stream a call as `delta.tool_calls[i]`: the first piece carries the call's
`id`, `type` and `function.name`, the next ones more of `function.arguments`, each under the
call's `index` (parallel calls interleave, told apart by it). The Responses API announces a
`function_call` output item (`response.output_item.added`), streams its arguments
(`response.function_call_arguments.delta`, then `.done` with the whole text) and closes the
item (`response.output_item.done`), whose arguments are the ones that count.

Duck-typed: the assembler reads only the attributes it needs, from the SDK's objects or from
simple stand-ins, so it is pure and testable without a server.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.json_guard import parse_json

EMPTY_SCHEMA: Mapping[str, Any] = {"type": "object", "properties": {}}
MODEL_LIMIT = 20_000  # characters of one result the model is given (the store keeps more)
STORE_LIMIT = 1_000_000  # characters of one result the store keeps
STOPPED_TEXT = "Stopped by the user before the tool finished."


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call: `name` as the model sees it (unique in a request),
    `input_schema` the JSON schema of its arguments, `source` where it runs (an MCP server's
    label, or "" for Parley's own function tools)."""

    name: str
    description: str = ""
    input_schema: Mapping[str, Any] = field(default_factory=lambda: dict(EMPTY_SCHEMA))
    source: str = ""
    tool: str = ""  # the tool's own name at its source, when the model sees another one

    @property
    def key(self) -> str:
        """What a standing decision is kept under: the source and the tool's own name (not
        the one the model sees, which changes when another server's tool clashes with it)."""
        return f"{self.source}/{self.tool or self.name}"


@dataclass(frozen=True)
class ToolCall:
    """One call the model asked for, with its arguments as the text the model wrote."""

    id: str
    name: str
    arguments: str = ""

    def parsed(self) -> tuple[dict[str, Any] | None, str]:
        """(arguments, "") or (None, why they are not a JSON object). No arguments at all
        mean an empty object: models send "" for a tool that takes none."""
        return parse_arguments(self.arguments)


def parse_arguments(text: str) -> tuple[dict[str, Any] | None, str]:
    if not text.strip():
        return {}, ""
    try:
        value, _ = parse_json(text)
    except ValueError as exc:
        return None, f"the arguments are not valid JSON ({getattr(exc, 'msg', exc)})"
    if not isinstance(value, dict):
        return None, "the arguments must be a JSON object"
    return value, ""


@dataclass(frozen=True)
class ToolImage:
    """An image a tool returned: base64 data and its MIME type."""

    data: str
    mime: str = "image/png"


@dataclass(frozen=True)
class ToolResult:
    """What a call gave back: text (the model reads it), images, structured content (as the
    tool declared it), whether it is an error, and how long it took (None: it did not run)."""

    text: str = ""
    images: tuple[ToolImage, ...] = ()
    structured: Any = None
    is_error: bool = False
    seconds: float | None = None

    def content(self) -> str:
        """The text the model is given: the text, or the structured content as JSON, or a
        word for images only."""
        if self.text:
            return self.text
        if self.structured is not None:
            return json.dumps(self.structured, ensure_ascii=False)
        if self.images:
            count = len(self.images)
            return f"[{count} image{'s' if count > 1 else ''}]"
        return ""


def error_result(text: str, seconds: float | None = None) -> ToolResult:
    return ToolResult(text=text, is_error=True, seconds=seconds)


def truncated(text: str, limit: int) -> str:
    """`text` cut to about `limit` characters for the model, with a note that says so."""
    if len(text) <= limit:
        return text
    dropped = len(text) - limit
    return f"{text[:limit]}\n\n[Parley cut this result: {dropped:,} more characters not shown.]"


@dataclass
class ToolStep:
    """A call, what the user decided, and its result (None until it ran or was refused)."""

    call: ToolCall
    spec: ToolSpec | None = None  # None: the model called a tool that does not exist
    decision: str = ""  # a tool_policy.Decision value once decided
    result: ToolResult | None = None
    round: int = 1


# --- assembling streamed calls ----------------------------------------------------------


@dataclass
class _Partial:
    id: str = ""
    name: str = ""
    arguments: str = ""
    final: bool = False  # the arguments came whole (`.done` or the closed item): no more pieces


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


class ToolCallAssembler:
    """Feed it the pieces in the order they came; `calls()` gives the finished calls in the
    order the model made them."""

    def __init__(self) -> None:
        self._parts: dict[Any, _Partial] = {}
        self._order: list[Any] = []

    def __bool__(self) -> bool:
        return bool(self._parts)

    def _part(self, key: Any) -> _Partial:
        if key not in self._parts:
            self._parts[key] = _Partial()
            self._order.append(key)
        return self._parts[key]

    # chat completions

    def add_chat_delta(self, delta: Any, position: int = 0) -> None:
        """One `delta.tool_calls[i]`. `position`: where it stood in that list (a server that
        leaves out `index` sends one call per list entry)."""
        index = getattr(delta, "index", None)
        key = ("chat", index if isinstance(index, int) else position)
        part = self._part(key)
        call_id = _text(getattr(delta, "id", None))
        if call_id and not part.id:
            part.id = call_id
        function = getattr(delta, "function", None)
        name = _text(getattr(function, "name", None))
        if name and name != part.name:
            # The name comes whole in the first piece; a server that repeats it sends it again
            # unchanged, one that streams it sends the rest.
            part.name = name if not part.name or name.startswith(part.name) else part.name + name
        part.arguments += _text(getattr(function, "arguments", None))

    # Responses API

    def add_item(self, item: Any) -> None:
        """A `function_call` output item, announced (`output_item.added`) or closed
        (`output_item.done`: its arguments replace the pieces)."""
        if getattr(item, "type", "") != "function_call":
            return
        item_id = _text(getattr(item, "id", None)) or _text(getattr(item, "call_id", None))
        part = self._part(("item", item_id))
        part.id = _text(getattr(item, "call_id", None)) or part.id or item_id
        part.name = _text(getattr(item, "name", None)) or part.name
        arguments = getattr(item, "arguments", None)
        status = getattr(item, "status", None)
        if isinstance(arguments, str) and (arguments or status == "completed"):
            part.arguments, part.final = arguments, True

    def add_arguments_delta(self, item_id: str, delta: str) -> None:
        part = self._part(("item", item_id))
        if not part.final:
            part.arguments += _text(delta)

    def arguments_done(self, item_id: str, arguments: str) -> None:
        part = self._part(("item", item_id))
        part.arguments, part.final = _text(arguments), True

    def calls(self) -> list[ToolCall]:
        calls = []
        for number, key in enumerate(self._order):
            part = self._parts[key]
            if not part.name and not part.arguments:
                continue
            calls.append(ToolCall(part.id or f"call_{number}", part.name, part.arguments))
        return calls
