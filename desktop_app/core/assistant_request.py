"""Requests for a turn with an assistant, on either wire API, as pure functions.

Chat completions get the instructions as a system message and the parameters beside
`messages`; the Responses API gets them as `instructions`, `text.format`, `reasoning` and the
server-run tools. Both start from the chat `messages` list (`build_chat_messages`), so whatever
that list carries (images too) reaches either API.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from desktop_app.core.assistants import AssistantProfile, json_schema_name
from desktop_app.core.chat_request import build_chat_messages
from desktop_app.core.dialogue import Message
from desktop_app.core.tool_requests import chat_calls_to_items

# Asked for so file search notes can name the files they found.
FILE_SEARCH_RESULTS = "file_search_call.results"


def _sampling(profile: AssistantProfile) -> dict[str, Any]:
    """Temperature and top_p, which reasoning models refuse (they take an effort instead)."""
    if profile.has_reasoning:
        return {}
    params: dict[str, Any] = {}
    if profile.temperature is not None:
        params["temperature"] = profile.temperature
    if profile.top_p is not None:
        params["top_p"] = profile.top_p
    return params


def _schema_format(profile: AssistantProfile) -> dict[str, Any] | None:
    if profile.response_format != "json_schema" or not profile.json_schema:
        return None
    # Not strict: strict mode refuses schemas that leave out `additionalProperties: false` or
    # list optional fields, and users write such schemas; the model still follows them.
    return {"name": json_schema_name(profile), "schema": profile.json_schema, "strict": False}


def chat_params(
    profile: AssistantProfile, max_tokens_param: str = "max_completion_tokens"
) -> dict[str, Any]:
    """Chat completions parameters. Local servers often know only `max_tokens`, hence the
    choice of name. Hosted tools do not exist on this API, so none are sent."""
    params = _sampling(profile)
    if profile.max_output_tokens is not None:
        params[max_tokens_param] = profile.max_output_tokens
    if profile.has_reasoning and profile.reasoning_effort:
        params["reasoning_effort"] = profile.reasoning_effort
    schema = _schema_format(profile)
    if schema is not None:
        params["response_format"] = {"type": "json_schema", "json_schema": schema}
    return params


def build_chat_request(
    profile: AssistantProfile,
    history: Sequence[Message],
    max_tokens_param: str = "max_completion_tokens",
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(messages, parameters) for `chat.completions.create`."""
    return build_chat_messages(profile.instructions, history), chat_params(
        profile, max_tokens_param
    )


def _input_part(part: Any, role: str) -> Any:
    """A chat content part as the Responses API spells it."""
    if not isinstance(part, dict):
        return part
    if part.get("type") == "text":
        kind = "output_text" if role == "assistant" else "input_text"
        return {"type": kind, "text": part.get("text", "")}
    if part.get("type") == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, dict) else image
        converted = {"type": "input_image", "image_url": url}
        if isinstance(image, dict) and image.get("detail"):
            converted["detail"] = image["detail"]
        return converted
    return part


def responses_input(
    messages: Sequence[dict[str, Any]], instructions: str = ""
) -> list[dict[str, Any]]:
    """Chat `messages` → Responses `input` items. The system message that holds the
    `instructions` is left out (they travel in `instructions`); any other (the knowledge
    passages Parley puts before the question) stays a system item where it stands. Tool calls
    and their results become `function_call` and `function_call_output` items."""
    items: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if role == "tool" or message.get("tool_calls"):
            items += chat_calls_to_items(message)
            continue
        if role == "system":
            content = message.get("content") or ""
            if isinstance(content, str) and content.strip() == instructions.strip():
                continue
            items.append({"role": "system", "content": content})
            continue
        if role not in ("user", "assistant"):
            continue
        content = message.get("content")
        if isinstance(content, list):
            content = [_input_part(p, role) for p in content]
        items.append({"role": role, "content": content})
    return items


def _tools(profile: AssistantProfile) -> list[dict[str, Any]]:
    tools: list[dict[str, Any]] = []
    for name in profile.tools:
        if name == "web_search":
            tools.append({"type": "web_search"})
        elif name == "file_search" and profile.vector_store_id:
            tools.append({"type": "file_search", "vector_store_ids": [profile.vector_store_id]})
        elif name == "code_interpreter":
            tools.append({"type": "code_interpreter", "container": {"type": "auto"}})
    return tools


def responses_request(
    profile: AssistantProfile, messages: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """Keyword arguments for `responses.create` from a chat `messages` list."""
    # Parley keeps the dialogue itself and sends it whole, so the server need not store it.
    request: dict[str, Any] = {
        "model": profile.model,
        "input": responses_input(messages, profile.instructions),
        "store": False,
    }
    if profile.instructions.strip():
        request["instructions"] = profile.instructions.strip()
    request.update(_sampling(profile))
    if profile.max_output_tokens is not None:
        request["max_output_tokens"] = profile.max_output_tokens
    if profile.has_reasoning and profile.reasoning_effort:
        # "auto": the most detailed summary the model offers, which the reply keeps as its
        # reasoning. Only reasoning models take the `reasoning` object at all.
        request["reasoning"] = {"effort": profile.reasoning_effort, "summary": "auto"}
    schema = _schema_format(profile)
    if schema is not None:
        request["text"] = {"format": {"type": "json_schema", **schema}}
    tools = _tools(profile)
    if tools:
        request["tools"] = tools
        if any(t["type"] == "file_search" for t in tools):
            request["include"] = [FILE_SEARCH_RESULTS]
    return request


def build_responses_request(
    profile: AssistantProfile, history: Sequence[Message]
) -> dict[str, Any]:
    """Keyword arguments for `responses.create` for a dialogue's history."""
    return responses_request(profile, build_chat_messages("", history))
