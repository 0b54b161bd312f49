"""A chat turn from the user's message to the finished reply, with nothing lost on the way.

The user's message is committed before the request is sent. The reply is created as a
`streaming` row at once and checkpointed every 250 ms while it arrives, so a crash or a kill
loses at most a quarter of a second of it. Stop, a dropped connection or a server error keep
whatever text arrived and mark the reply interrupted (or error, when nothing came).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from desktop_app.core.chat_request import build_chat_messages
from desktop_app.core.dialogue import Attachment, Message, Status, make_title
from desktop_app.core.image_request import data_url
from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.services.gateway import Gateway, TextDelta, Usage
from desktop_app.services.gateway_errors import GatewayError
from desktop_app.services.store import Store

CHECKPOINT_INTERVAL = 0.25


@dataclass
class PendingTurn:
    """A reply about to be requested: the rows exist already, the text is still empty."""

    dialogue_id: int
    model: str
    system: str
    user_message: Message | None  # None for Regenerate, which reuses the last user message
    reply: Message
    request: list[dict]


class ChatSession:
    def __init__(
        self,
        store: Store,
        gateway: Gateway,
        sentiment: SentimentAnalyzer,
        checkpoint_interval: float = CHECKPOINT_INTERVAL,
    ) -> None:
        self.store = store
        self.gateway = gateway  # replaced by the app when the provider settings change
        self.sentiment = sentiment
        self.checkpoint_interval = checkpoint_interval

    def prepare(self, dialogue_id: int | None, text: str, model: str, system: str) -> PendingTurn:
        """Commit the user's message (creating the dialogue if needed) and a reply placeholder."""
        if dialogue_id is None:
            dialogue_id = self.store.create_dialogue(make_title(text), model, system)
        else:
            self.store.update_dialogue(dialogue_id, model=model, system=system)
        mood = self.sentiment.analyze(text)
        user = Message(
            "user", text, model=model, sentiment_label=mood.label, sentiment_score=mood.compound
        )
        user.id = self.store.add_message(dialogue_id, user)
        user.dialogue_id = dialogue_id
        return self._pending(dialogue_id, model, system, user)

    def prepare_regenerate(self, dialogue_id: int, model: str, system: str) -> PendingTurn:
        """Hide the last reply (kept in the database) and ask again from the last user message."""
        history = self.store.messages(dialogue_id)
        if not any(m.role == "user" for m in history):
            raise ValueError("There is no message to answer yet.")
        while history and history[-1].role == "assistant":
            last = history.pop()
            if last.id is not None:
                self.store.supersede(last.id)
        self.store.update_dialogue(dialogue_id, model=model, system=system)
        return self._pending(dialogue_id, model, system, None)

    def _pending(
        self, dialogue_id: int, model: str, system: str, user: Message | None
    ) -> PendingTurn:
        history = self.store.messages(dialogue_id)
        request = build_chat_messages(system, history, self.attachment_url)
        reply = Message("assistant", "", model=model, status=Status.STREAMING)
        reply.id = self.store.add_message(dialogue_id, reply)
        reply.dialogue_id = dialogue_id
        return PendingTurn(dialogue_id, model, system, user, reply, request)

    def attachment_url(self, attachment: Attachment) -> str | None:
        """A stored attachment as a data URL (to send it again), or None if its file is gone."""
        try:
            data = self.store.attachment_path(attachment).read_bytes()
        except OSError:
            return None
        return data_url(data, attachment.mime)

    async def stream_reply(self, turn: PendingTurn, on_delta: Callable[[str], None]) -> Message:
        """Stream the reply into the store and `on_delta`; return it finished.

        Raises GatewayError after saving what arrived; re-raises CancelledError (Stop) after
        marking the reply interrupted.
        """
        reply = turn.reply
        reply_id = reply.id
        assert reply_id is not None
        parts: list[str] = []
        saved = 0
        usage = Usage(None, None)

        async def checkpoints() -> None:
            nonlocal saved
            while True:
                await asyncio.sleep(self.checkpoint_interval)
                if len(parts) != saved:
                    saved = len(parts)
                    self.store.checkpoint(reply_id, "".join(parts))

        saver = asyncio.create_task(checkpoints())
        try:
            stream = self.gateway.stream_chat(turn.model, turn.request)
            async with contextlib.aclosing(stream):
                async for event in stream:
                    if isinstance(event, TextDelta):
                        parts.append(event.text)
                        on_delta(event.text)
                    else:
                        usage = event
        except asyncio.CancelledError:
            self._finish(reply, parts, Status.INTERRUPTED, "Stopped.", usage)
            raise
        except GatewayError as exc:
            status = Status.INTERRUPTED if parts else Status.ERROR
            self._finish(reply, parts, status, exc.message, usage)
            raise
        except Exception as exc:  # a bug must not leave the reply "streaming" forever
            status = Status.INTERRUPTED if parts else Status.ERROR
            self._finish(reply, parts, status, f"Unexpected error: {exc}", usage)
            raise
        finally:
            saver.cancel()
        self._finish(reply, parts, Status.COMPLETE, "", usage)
        return reply

    def abandon(self, turn: PendingTurn) -> None:
        """Close a reply whose task was cancelled before it ever ran (Stop pressed at once):
        such a task never enters `stream_reply`, so nothing else would mark it."""
        if turn.reply.status is Status.STREAMING:
            self._finish(turn.reply, [], Status.INTERRUPTED, "Stopped.", Usage(None, None))

    def _finish(
        self, reply: Message, parts: list[str], status: Status, error: str, usage: Usage
    ) -> None:
        reply.content = "".join(parts)
        reply.status = status
        reply.error = error
        reply.prompt_tokens = usage.prompt_tokens
        reply.completion_tokens = usage.completion_tokens
        if reply.content:
            mood = self.sentiment.analyze(reply.content)
            reply.sentiment_label, reply.sentiment_score = mood.label, mood.compound
        assert reply.id is not None
        self.store.finish_message(
            reply.id,
            content=reply.content,
            status=status,
            error=error,
            sentiment_label=reply.sentiment_label,
            sentiment_score=reply.sentiment_score,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
        )
