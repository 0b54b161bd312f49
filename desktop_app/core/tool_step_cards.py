"""What the transcript shows of one tool call: a line that opens into its arguments and
result, built from the stored `tool` message and the call it answers.

Closed, a step is one quiet line: "▸ add · maths · 0.1 s", with "failed", "denied" or
"stopped" when it did not simply run. Open, it shows the arguments and the result, JSON
pretty-printed, a long result folded to its first lines (Copy gives all of it). Images a tool
returned are the message's attachments and are shown as thumbnails either way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from desktop_app.core.dialogue import Message
from desktop_app.core.tool_calls import STOPPED_TEXT
from desktop_app.core.tool_policy import DENIED_TEXT

FOLD_LINES = 24  # lines of a result shown before the rest is folded
FOLD_CHARS = 4_000


@dataclass(frozen=True)
class StepView:
    name: str
    server: str = ""
    arguments: str = ""  # pretty-printed
    result: str = ""  # pretty-printed, folded
    hidden: int = 0  # characters of the result not shown
    seconds: float | None = None
    state: str = "ran"  # ran | failed | denied | stopped

    @property
    def summary(self) -> str:
        parts = [self.name]
        if self.server:
            parts.append(self.server)
        if self.seconds is not None and self.state != "denied":
            parts.append(seconds_text(self.seconds))
        if self.state != "ran":
            parts.append(self.state)
        return " · ".join(parts)


def seconds_label(seconds: float) -> str:
    """ "2.4 s", "14 s", "3 min" — a duration as the transcript shows it."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"


def seconds_text(seconds: float) -> str:
    """A tool's time: milliseconds under a second, else as `seconds_label`."""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else seconds_label(seconds)


def pretty(text: str) -> str:
    """JSON indented (a tool's result or a call's arguments), anything else as it is."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return text
    try:
        value = json.loads(stripped)
    except ValueError:
        return text
    return json.dumps(value, indent=2, ensure_ascii=False)


def folded(text: str, lines: int = FOLD_LINES, chars: int = FOLD_CHARS) -> tuple[str, int]:
    """The first `lines` lines of `text`, at most `chars` characters of it, and how many
    characters are left out."""
    head = "\n".join(text.split("\n")[:lines])[:chars]
    return head, len(text) - len(head)


def _state(message: Message) -> str:
    info = message.tool_info
    if info.get("decision") == "deny" or message.content == DENIED_TEXT:
        return "denied"
    if message.content == STOPPED_TEXT:
        return "stopped"
    return "failed" if info.get("is_error") else "ran"


def step_view(message: Message, call: Mapping[str, Any] | None) -> StepView:
    """The step a `tool` message records; `call` is the assistant's call it answers
    (chat completions' shape), None when that message is not at hand."""
    info = message.tool_info
    function = call.get("function", {}) if call else {}
    name = str(info.get("name") or function.get("name") or "tool")
    arguments = function.get("arguments") if isinstance(function, Mapping) else None
    result, hidden = folded(pretty(message.content))
    seconds = info.get("seconds")
    return StepView(
        name=name,
        server=str(info.get("source") or ""),
        arguments=pretty(arguments) if isinstance(arguments, str) and arguments else "{}",
        result=result,
        hidden=hidden,
        seconds=float(seconds) if isinstance(seconds, int | float) else None,
        state=_state(message),
    )
