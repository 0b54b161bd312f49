"""Pure builders for chat requests, so what is sent can be tested without a network."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from desktop_app.core.dialogue import Message, Status


def build_chat_messages(system: str, history: Sequence[Message]) -> list[dict[str, Any]]:
    """The `messages` list for chat completions.

    Failed replies (status error) carry no model output and are left out; an interrupted reply
    is kept, since the user saw it and may refer to it.
    """
    messages: list[dict[str, Any]] = []
    if system.strip():
        messages.append({"role": "system", "content": system.strip()})
    for m in history:
        if m.role == "assistant" and (m.status is Status.ERROR or not m.content):
            continue
        if m.role in ("user", "assistant"):
            messages.append({"role": m.role, "content": m.content})
    return messages
