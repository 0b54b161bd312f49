"""Checks of function calling in a fine-tuning example: today's tools and the legacy format.

Today: top-level `tools`, assistant `tool_calls` (each with an id, a function name and its
arguments as a string of JSON) and `tool` messages answering a call by its id.

Legacy (OpenAI's first function-calling format, still accepted by fine-tuning, superseded by
tools): top-level `functions`, an assistant `function_call` ({"name", "arguments"}) and a
`function` message carrying the result, named after the function it answers. The whole
legacy format is accepted and checked the same way; the example gets one note that it is
legacy (training_report keeps one such note per file).
"""

from __future__ import annotations

from typing import Any, Protocol

from desktop_app.core.json_guard import loads

ERROR, NOTE = "error", "note"
LEGACY_CODE = "legacy_function_calling"
LEGACY_TEXT = (
    'The legacy function-calling format (top-level "functions", assistant "function_call", '
    '"function" messages): accepted, but superseded by "tools", "tool_calls" and "tool" '
    "messages."
)


class Findings(Protocol):
    def add(self, severity: str, code: str, message: str) -> None: ...


def _json_arguments(arguments: Any) -> bool:
    if not isinstance(arguments, str):
        return False
    try:
        loads(arguments)  # bounded: arguments nested 100,000 deep are just invalid
    except ValueError:
        return False
    return True


def check_tool_calls(message: dict[str, Any], role: Any, at: str, found: Findings) -> set[str]:
    """Check an assistant's tool_calls; return their ids."""
    calls = message["tool_calls"]
    if role != "assistant":
        found.add(ERROR, "invalid_tool_call", f"{at.capitalize()} ({role}) has tool_calls.")
        return set()
    if not isinstance(calls, list):
        found.add(ERROR, "invalid_tool_call", f"The tool_calls of {at} must be a list.")
        return set()
    ids: set[str] = set()
    for index, call in enumerate(calls, start=1):
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(call, dict) or not isinstance(call.get("id"), str):
            found.add(ERROR, "invalid_tool_call", f"Tool call {index} of {at} has no id.")
            continue
        ids.add(call["id"])
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            found.add(
                ERROR, "invalid_tool_call", f"Tool call {index} of {at} has no function name."
            )
            continue
        if not _json_arguments(function.get("arguments")):
            found.add(
                ERROR,
                "invalid_tool_call",
                f"The arguments of tool call {index} of {at} must be a string of JSON.",
            )
    return ids


def check_tool_answer(
    message: dict[str, Any], at: str, call_ids: set[str], found: Findings
) -> None:
    call = message.get("tool_call_id")
    if not isinstance(call, str) or call not in call_ids:
        found.add(
            ERROR,
            "tool_without_call",
            f"{at.capitalize()} (role tool) does not answer a tool call made earlier (its "
            "tool_call_id must match the id of an assistant tool call).",
        )


def check_function_call(message: dict[str, Any], role: Any, at: str, found: Findings) -> str:
    """Check a legacy assistant function_call; return the function's name ("" if none)."""
    call = message["function_call"]
    if role != "assistant":
        found.add(
            ERROR, "invalid_function_call", f"{at.capitalize()} ({role}) has a function_call."
        )
        return ""
    name = call.get("name") if isinstance(call, dict) else None
    if not isinstance(name, str) or not name:
        found.add(ERROR, "invalid_function_call", f"The function_call of {at} has no name.")
        return ""
    if not _json_arguments(call.get("arguments")):
        found.add(
            ERROR,
            "invalid_function_call",
            f"The arguments of the function_call of {at} must be a string of JSON.",
        )
    return name


def check_function_answer(
    message: dict[str, Any], at: str, called: list[str], found: Findings
) -> None:
    """A legacy `function` message: named after a function an assistant called before it."""
    name = message.get("name")
    if not isinstance(name, str) or not name:
        found.add(
            ERROR,
            "function_without_name",
            f'{at.capitalize()} (role function) has no "name": it must name the function '
            "whose result it holds.",
        )
    elif name not in called:
        found.add(
            ERROR,
            "function_without_call",
            f"{at.capitalize()} (role function) answers {name!r}, which no assistant "
            "function_call before it called.",
        )


def check_functions_list(functions: Any, found: Findings) -> None:
    """The legacy top-level `functions`: a list of {"name", "description"?, "parameters"?}."""
    named = isinstance(functions, list) and all(
        isinstance(f, dict) and isinstance(f.get("name"), str) and f["name"] for f in functions
    )
    if not named:
        found.add(
            ERROR,
            "invalid_functions",
            'The top-level "functions" must be a list of objects, each with a "name".',
        )
