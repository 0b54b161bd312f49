"""A small check of a call's arguments against its tool's JSON schema, so a model that sends
the wrong ones is told what is wrong (as the call's result) instead of the tool failing.

Only what matters most and is cheap to be sure of: the arguments are an object, the required
properties are there, and each top-level property has its declared type (and one of its `enum`
values). Deeper structure is the tool's own to check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desktop_app.core.tool_calls import ToolCall, ToolSpec

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


def _is(value: Any, kind: str) -> bool:
    types = _TYPES.get(kind)
    if types is None:
        return True  # a type this check does not know: the tool decides
    if isinstance(value, bool) and kind in ("integer", "number"):
        return False
    if kind == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, types)


def problems(schema: Mapping[str, Any], arguments: Mapping[str, Any]) -> list[str]:
    """What is wrong with `arguments` for `schema`, as phrases ([] when nothing is)."""
    found: list[str] = []
    properties = schema.get("properties")
    properties = properties if isinstance(properties, Mapping) else {}
    required = schema.get("required")
    for name in required if isinstance(required, list) else []:
        if isinstance(name, str) and name not in arguments:
            found.append(f"'{name}' is required")
    for name, value in arguments.items():
        declared = properties.get(name)
        if not isinstance(declared, Mapping):
            if schema.get("additionalProperties") is False:
                found.append(f"'{name}' is not a parameter of this tool")
            continue
        kind = declared.get("type")
        kinds = [kind] if isinstance(kind, str) else kind if isinstance(kind, list) else []
        if kinds and not any(_is(value, k) for k in kinds if isinstance(k, str)):
            found.append(f"'{name}' must be {' or '.join(str(k) for k in kinds)}")
            continue
        allowed = declared.get("enum")
        if isinstance(allowed, list) and value not in allowed:
            found.append(f"'{name}' must be one of {', '.join(map(repr, allowed))}")
    return found


def check_call(call: ToolCall, spec: ToolSpec) -> tuple[dict[str, Any] | None, str]:
    """(arguments, "") when the call can run, or (None, the sentence the model is told)."""
    arguments, why = call.parsed()
    if arguments is None:
        return None, f"Tool {call.name!r} was not run: {why}. Send a JSON object."
    found = problems(spec.input_schema, arguments)
    if found:
        return None, (
            f"Tool {call.name!r} was not run: its arguments do not match its schema "
            f"({'; '.join(found)})."
        )
    return arguments, ""


def unknown_tool(call: ToolCall, names: list[str]) -> str:
    offered = ", ".join(names) or "none"
    return f"There is no tool named {call.name!r}. The tools you can call are: {offered}."
