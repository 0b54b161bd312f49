"""Pure builders for chat requests, so what is sent can be tested without a network."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from desktop_app.core.dialogue import Attachment, Message, Status
from desktop_app.core.image_request import user_content

# Gives the data URL of an image attachment, or None when its file is gone.
ImageResolver = Callable[[Attachment], str | None]


def build_chat_messages(
    system: str, history: Sequence[Message], image_url: ImageResolver | None = None
) -> list[dict[str, Any]]:
    """The `messages` list for chat completions.

    Failed replies (status error) carry no model output and are left out; an interrupted reply
    is kept, since the user saw it and may refer to it. With `image_url`, a user message's
    image attachments are sent along as image parts, so follow-up questions can see them.
    """
    messages: list[dict[str, Any]] = []
    if system.strip():
        messages.append({"role": "system", "content": system.strip()})
    for m in history:
        if m.role == "assistant" and (m.status is Status.ERROR or not m.content):
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
