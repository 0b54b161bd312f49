"""Checks of one fine-tuning example: chat (supervised) lines and preference (DPO) lines.

Every check of OpenAI's cookbook guide "data preparation and analysis for chat model
fine-tuning" is here under the cookbook's own name (data_type, missing_messages_list,
message_missing_key, message_unrecognized_key, unrecognized_role, missing_content,
example_missing_assistant_message, and the counts of examples without a system or user
message). The cookbook predates several things the service now accepts, and rejects them;
here each has its own rules instead: content given as a list of parts (text, and images in
user messages: at most MAX_IMAGES per example, JPEG/PNG/WEBP), the `developer` and `tool`
roles, assistant `tool_calls`, `weight` (0 or 1) on assistant messages, DPO lines, and the
legacy function-calling format (training_calls). A message with an unknown role or key is
flagged and still checked for everything else.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from desktop_app.core.training_calls import (
    LEGACY_CODE,
    LEGACY_TEXT,
    check_function_answer,
    check_function_call,
    check_functions_list,
    check_tool_answer,
    check_tool_calls,
)

ERROR, WARNING, NOTE = "error", "warning", "note"
SEVERITIES = (ERROR, WARNING, NOTE)
ROLES = ("system", "developer", "user", "assistant", "tool")
LEGACY_ROLES = ("function",)  # the legacy function-calling format's result message
MESSAGE_KEYS = (
    "role", "content", "name", "weight", "tool_calls", "tool_call_id", "refusal", "function_call",
)  # fmt: skip
CHAT_KEYS = ("messages", "tools", "parallel_tool_calls", "functions", "metadata")
DPO_KEYS = ("input", "preferred_output", "non_preferred_output", "metadata")
MAX_IMAGES = 10
IMAGE_TYPES = ("jpeg", "png", "webp")
_DATA_URL = re.compile(r"^data:image/([a-z0-9.+-]+);base64,", re.IGNORECASE)
_URL_EXT = re.compile(r"\.([a-z0-9]{2,5})(?:[?#].*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    """One finding. `row` is the line of the file (or the row of a source), 0 for the whole
    dataset; `source` names the file when a dataset is built from several."""

    row: int
    severity: str
    code: str
    message: str
    source: str = ""


class _Findings:
    def __init__(self, row: int) -> None:
        self.row = row
        self.items: list[Problem] = []
        self.legacy = False  # the example uses the legacy function-calling format

    def add(self, severity: str, code: str, message: str) -> None:
        self.items.append(Problem(self.row, severity, code, message))


def example_kind(example: Any) -> str:
    """ "chat", "dpo" or "" (neither shape)."""
    if isinstance(example, dict):
        if "messages" in example:
            return "chat"
        if "input" in example or "preferred_output" in example:
            return "dpo"
    return ""


def check_example(example: Any, row: int) -> list[Problem]:
    found = _Findings(row)
    if not isinstance(example, dict):
        found.add(ERROR, "data_type", f"The line is a JSON {_json_type(example)}, not an object.")
    elif example_kind(example) == "dpo":
        _check_dpo(example, found)
    elif not isinstance(example.get("messages"), list) or not example["messages"]:
        found.add(
            ERROR,
            "missing_messages_list",
            'There is no "messages" list (nor the DPO keys input / preferred_output / '
            "non_preferred_output).",
        )
    else:
        _check_unknown_keys(example, CHAT_KEYS, found)
        if "functions" in example:
            found.legacy = True
            check_functions_list(example["functions"], found)
        roles = _check_messages(example["messages"], found, "", allow_weight=True)
        if "assistant" not in roles:
            found.add(
                ERROR,
                "example_missing_assistant_message",
                "No assistant message: there is nothing to learn from.",
            )
        if "user" not in roles:
            found.add(WARNING, "example_missing_user_message", "No user message.")
        if not {"system", "developer"} & roles:
            found.add(NOTE, "example_missing_system_message", "No system message.")
    if found.legacy:
        found.add(NOTE, LEGACY_CODE, LEGACY_TEXT)
    return found.items


def _shown(role: Any) -> str:
    """A role as the user wrote it, shortened: a role can be any JSON value."""
    text = repr(role) if isinstance(role, str) else json.dumps(role, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def _json_type(value: Any) -> str:
    names = {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _check_unknown_keys(
    example: dict[str, Any], allowed: tuple[str, ...], found: _Findings
) -> None:
    unknown = sorted(k for k in example if k not in allowed)
    if unknown:
        found.add(
            WARNING,
            "example_unrecognized_key",
            f"Unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} at the top "
            "level (ignored by most trainers).",
        )


def _check_messages(
    messages: list[Any], found: _Findings, where: str, *, allow_weight: bool
) -> set[str]:
    """Check each message; return the roles seen."""
    roles: set[str] = set()
    call_ids: set[str] = set()
    called: list[str] = []  # legacy function_call names, in order
    images = 0
    for number, message in enumerate(messages, start=1):
        at = f"{where}message {number}"
        if not isinstance(message, dict):
            found.add(ERROR, "data_type", f"{at.capitalize()} is not an object.")
            continue
        role = message.get("role")
        has_call = "tool_calls" in message or "function_call" in message
        if "role" not in message or ("content" not in message and not has_call):
            missing = "role" if "role" not in message else "content"
            found.add(ERROR, "message_missing_key", f'{at.capitalize()} has no "{missing}".')
        unknown = sorted(k for k in message if k not in MESSAGE_KEYS)
        if unknown:
            found.add(
                ERROR,
                "message_unrecognized_key",
                f"{at.capitalize()} has unknown key{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(unknown)}.",
            )
        known = isinstance(role, str) and (role in ROLES or role in LEGACY_ROLES)
        if role is not None and not known:
            found.add(
                ERROR,
                "unrecognized_role",
                f"{at.capitalize()} has role {_shown(role)}; use one of {', '.join(ROLES)}.",
            )
        if known and isinstance(role, str):
            roles.add(role)
        # An unknown role is reported above; the rest of the message is still checked.
        shown = role if isinstance(role, str) else "no role" if role is None else "?"
        images += _check_content(message, shown, at, found)
        _check_weight(message, shown, at, found, allow_weight)
        if "tool_calls" in message:
            call_ids |= check_tool_calls(message, role, at, found)
        if "function_call" in message:
            found.legacy = True
            called.append(check_function_call(message, role, at, found))
        if role == "tool":
            check_tool_answer(message, at, call_ids, found)
        if role == "function":
            found.legacy = True
            check_function_answer(message, at, called, found)
        elif "name" in message and not isinstance(message["name"], str):
            found.add(ERROR, "invalid_name", f"The name of {at} must be a string.")
    if images > MAX_IMAGES:
        found.add(
            ERROR,
            "too_many_images",
            f"{images} images; an example may hold at most {MAX_IMAGES} (the rest are dropped "
            "or the example is skipped).",
        )
    return roles


def _check_content(message: dict[str, Any], role: str, at: str, found: _Findings) -> int:
    """Check a message's content; return how many images it holds."""
    content = message.get("content")
    has_calls = bool(message.get("tool_calls") or message.get("function_call"))
    if isinstance(content, str):
        if not content.strip() and not has_calls:
            found.add(ERROR, "missing_content", f"{at.capitalize()} ({role}) is empty.")
        return 0
    if content is None:
        if not has_calls and "content" in message:
            found.add(ERROR, "missing_content", f"{at.capitalize()} ({role}) has null content.")
        return 0
    if not isinstance(content, list):
        found.add(
            ERROR,
            "missing_content",
            f"The content of {at} is a {_json_type(content)}; it must be text or a list of "
            "content parts.",
        )
        return 0
    if not content and not has_calls:
        found.add(ERROR, "missing_content", f"{at.capitalize()} ({role}) has no content parts.")
    images = 0
    for index, part in enumerate(content, start=1):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            if not isinstance(part.get("text"), str) or not part["text"].strip():
                found.add(ERROR, "missing_content", f"Text part {index} of {at} is empty.")
        elif kind == "image_url":
            images += 1
            if role != "user":
                found.add(
                    ERROR,
                    "image_not_in_user_message",
                    f"Part {index} of {at} is an image in a {role} message; images may only "
                    "be in user messages.",
                )
            _check_image(part, f"image in part {index} of {at}", found)
        else:
            found.add(
                ERROR,
                "unrecognized_content_part",
                f'Part {index} of {at} has type {kind!r}; use "text" or "image_url".',
            )
    return images


def _check_image(part: dict[str, Any], at: str, found: _Findings) -> None:
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else None
    if not isinstance(url, str) or not url:
        found.add(ERROR, "invalid_image", f"The {at} has no image_url.url.")
        return
    data = _DATA_URL.match(url)
    if data:
        kind = data.group(1).lower().replace("jpg", "jpeg")
    elif url.startswith(("https://", "http://")):
        ext = _URL_EXT.search(url.split("?")[0])
        kind = (ext.group(1).lower().replace("jpg", "jpeg")) if ext else ""
        if not kind:
            return  # the type shows only when the service fetches it
    else:
        found.add(ERROR, "invalid_image", f"The {at} is neither an https URL nor a data URL.")
        return
    if kind not in IMAGE_TYPES:
        found.add(
            ERROR,
            "unsupported_image_type",
            f"The {at} is {kind.upper()}; fine-tuning takes JPEG, PNG or WEBP.",
        )


def _check_weight(
    message: dict[str, Any], role: str, at: str, found: _Findings, allowed: bool
) -> None:
    if "weight" not in message:
        return
    if role != "assistant" or not allowed:
        found.add(
            ERROR,
            "weight_not_allowed",
            f"{at.capitalize()} has a weight; only assistant messages of chat examples may.",
        )
    elif message["weight"] not in (0, 1) or isinstance(message["weight"], bool):
        found.add(
            ERROR, "invalid_weight", f"The weight of {at} is {message['weight']!r}; use 0 or 1."
        )


def _check_dpo(example: dict[str, Any], found: _Findings) -> None:
    _check_unknown_keys(example, DPO_KEYS, found)
    source = example.get("input")
    messages = source.get("messages") if isinstance(source, dict) else None
    if not isinstance(messages, list) or not messages:
        found.add(ERROR, "dpo_missing_input", 'A DPO line needs "input": {"messages": [...]}.')
    else:
        roles = _check_messages(messages, found, "input ", allow_weight=False)
        last = messages[-1]
        if isinstance(last, dict) and last.get("role") != "user":
            found.add(ERROR, "dpo_input_last_not_user", "The input must end with a user message.")
        if "user" not in roles:
            found.add(ERROR, "example_missing_user_message", "The input has no user message.")
    outputs = []
    for key in ("preferred_output", "non_preferred_output"):
        value = example.get(key)
        if (
            not isinstance(value, list)
            or len(value) != 1
            or not isinstance(value[0], dict)
            or value[0].get("role") != "assistant"
        ):
            found.add(
                ERROR,
                "dpo_invalid_output",
                f'"{key}" must be a list of exactly one assistant message.',
            )
            continue
        _check_messages(value, found, f"{key} ", allow_weight=False)
        outputs.append(json.dumps(value[0].get("content"), sort_keys=True))
    if len(outputs) == 2 and outputs[0] == outputs[1]:
        found.add(
            WARNING,
            "dpo_same_outputs",
            "The preferred and non-preferred replies are the same: nothing to learn.",
        )
