"""Pure builders for chat requests, so what is sent can be tested without a network."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from desktop_app.core.dialogue import Attachment, Message, Status
from desktop_app.core.image_request import user_content
from desktop_app.core.tool_calls import MODEL_LIMIT, truncated

# Gives the data URL of an image attachment, or None when its file is gone.
ImageResolver = Callable[[Attachment], str | None]


def build_chat_messages(
    system: str, history: Sequence[Message], image_url: ImageResolver | None = None
) -> list[dict[str, Any]]:
    """The `messages` list for chat completions.

    Failed replies (status error) carry no model output and are left out; an interrupted reply
    is kept, since the user saw it and may refer to it. With `image_url`, a user message's
    image attachments are sent along as image parts, so follow-up questions can see them.
    A reply that called tools goes with its `tool_calls`, each result as a `tool` message
    (cut for the model as the tool loop cuts it); a call left without its result, or a result
    without its call, is left out (a server refuses either).
    """
    answered = {m.tool_call_id for m in history if m.role == "tool" and m.tool_call_id}
    asked = {c["id"] for m in history if m.role == "assistant" for c in m.tool_calls}
    messages: list[dict[str, Any]] = []
    if system.strip():
        messages.append({"role": "system", "content": system.strip()})
    for m in history:
        calls = [c for c in m.tool_calls if c["id"] in answered] if m.role == "assistant" else []
        if m.role == "assistant" and (m.status is Status.ERROR or not (m.content or calls)):
            continue
        if calls:
            messages.append(
                {"role": "assistant", "content": m.content or None, "tool_calls": calls}
            )
            continue
        if m.role == "tool":
            if m.tool_call_id in asked:
                content = truncated(m.content, MODEL_LIMIT)
                messages.append(
                    {"role": "tool", "tool_call_id": m.tool_call_id, "content": content}
                )
            continue
        if m.role == "user" and image_url is not None and m.attachments:
            urls = [
                url
                for a in m.attachments
                if a.mime.startswith("image/") and (url := image_url(a)) is not None
            ]
            messages.append({"role": "user", "content": user_content(m.content, urls)})
        elif m.role in ("user", "assistant"):
            messages.append({"role": m.role, "content": m.content})
    return messages
