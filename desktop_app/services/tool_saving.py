"""Each tool round kept in the store as it ends, so History, exports, search and datasets have
the calls, and a crash after a tool ran loses none of it.

The reply's placeholder becomes the assistant message that asked for the calls (its text and
`tool_calls`), each result a `tool` message after it (the text up to `STORE_LIMIT`, images as
attachments, the step's facts in `tool_info`), and a new placeholder follows the last result
for the next round: the chain a server reads back as the conversation. All of a round goes in
one transaction. `reply` is always the placeholder the next round streams into.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import replace
from typing import Any

from desktop_app.core.dialogue import Message, Status
from desktop_app.core.tool_calls import STOPPED_TEXT, STORE_LIMIT, ToolStep, error_result, truncated
from desktop_app.core.tool_requests import chat_call
from desktop_app.services.store import Store
from desktop_app.services.tool_loop import ToolRound

EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}


def step_info(step: ToolStep) -> dict[str, Any]:
    result = step.result
    info: dict[str, Any] = {"name": step.call.name, "round": step.round}
    if step.spec is not None and step.spec.source:
        info["source"] = step.spec.source
    if step.decision:
        info["decision"] = step.decision
    if result is not None and result.is_error:
        info["is_error"] = True
    if result is not None and result.seconds is not None:
        info["seconds"] = round(result.seconds, 3)
    if result is not None and result.structured is not None:
        info["structured"] = result.structured
    return info


class ToolRoundSaver:
    """The `on_round` of a `ToolLoop` whose reply lives in `store` as `reply` (streaming)."""

    def __init__(self, store: Store, reply: Message, store_limit: int = STORE_LIMIT) -> None:
        assert reply.id is not None and reply.dialogue_id is not None
        self.store, self.reply, self.store_limit = store, reply, store_limit
        self.saved: list[Message] = []  # every message written, in order

    async def __call__(self, this: ToolRound) -> None:
        await asyncio.to_thread(self.save, this)

    def save(self, this: ToolRound) -> None:
        """Write one round whose calls have their results. A step still without one (Stop
        came while it ran) is kept as stopped: every call stored has its answer."""
        reply, store = self.reply, self.store
        assert reply.id is not None and reply.dialogue_id is not None
        steps = [
            s if s.result is not None else replace(s, result=error_result(STOPPED_TEXT))
            for s in this.steps
        ]
        calls = [chat_call(s.call) for s in steps]
        with store.atomic():
            notes = list(this.notes.notes)  # web search, hosted MCP… in this round
            store.finish_message(
                reply.id,
                content=this.text,
                status=Status.COMPLETE,
                reasoning=this.reasoning,
                tool_calls=calls,
                tool_notes=notes,
            )
            reply.content, reply.reasoning, reply.tool_calls = this.text, this.reasoning, calls
            reply.tool_notes = notes
            reply.status = Status.COMPLETE
            self.saved.append(reply)
            parent = reply.id
            for step in steps:
                parent = self._result(step, parent)
            following = Message(
                "assistant",
                "",
                model=reply.model,
                status=Status.STREAMING,
                assistant_id=reply.assistant_id,
                assistant_snapshot=reply.assistant_snapshot,
            )
            following.id = store.add_message(reply.dialogue_id, following, parent_id=parent)
            following.dialogue_id, following.parent_id = reply.dialogue_id, parent
        self.reply = following

    def _result(self, step: ToolStep, parent: int) -> int:
        result = step.result
        assert result is not None and self.reply.dialogue_id is not None
        message = Message(
            "tool",
            truncated(result.content(), self.store_limit),
            model=self.reply.model,
            tool_call_id=step.call.id,
            tool_info=step_info(step),
            status=Status.COMPLETE,
        )
        message.id = self.store.add_message(self.reply.dialogue_id, message, parent_id=parent)
        message.dialogue_id, message.parent_id = self.reply.dialogue_id, parent
        for image in result.images:
            try:
                data = base64.b64decode(image.data, validate=True)
            except (binascii.Error, ValueError):
                continue  # not base64: nothing to keep
            ext = EXTENSIONS.get(image.mime, "bin")
            message.attachments.append(
                self.store.add_attachment(
                    message.id, data, ext, image.mime, f"{step.call.name}.{ext}"
                )
            )
        self.saved.append(message)
        return message.id
