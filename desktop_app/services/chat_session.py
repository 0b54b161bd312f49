"""A chat turn from the user's message to the finished reply, with nothing lost on the way.

The user's message is committed before the request is sent. The reply is created as a
`streaming` row at once and checkpointed every 250 ms while it arrives, so a crash or a kill
loses at most a quarter of a second of it. Stop, a dropped connection or a server error keep
whatever text arrived and mark the reply interrupted (or error, when nothing came).

With an assistant, the turn carries its profile (as sent: the model and instructions the Chat
tab shows), goes out on the wire API the settings choose, and the reply records the assistant
and a snapshot of its settings. Plain chats use chat completions unless the setting says
"responses".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass, field, replace

from desktop_app.core.assistant_json import snapshot_json
from desktop_app.core.assistant_request import chat_params, responses_request
from desktop_app.core.assistants import AssistantProfile
from desktop_app.core.chat_request import build_chat_messages
from desktop_app.core.dialogue import Attachment, Message, Status, make_title
from desktop_app.core.image_request import data_url
from desktop_app.core.images import PreparedImage
from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.core.tool_notes import NoteList, ToolNote
from desktop_app.core.wire_apis import AUTO, CHAT_COMPLETIONS, RESPONSES
from desktop_app.services.gateway import ChatEvent, EndpointMissing, Gateway, TextDelta, Usage
from desktop_app.services.gateway_errors import ErrorKind, GatewayError
from desktop_app.services.spend_ledger import SpendLedger
from desktop_app.services.store import Store, StoreError
from desktop_app.services.wire_api import choose_wire_api, remember_responses_missing

CHECKPOINT_INTERVAL = 0.25
SAVE_ATTEMPTS = 60  # one a second: a minute of a busy database before giving up
SAVE_RETRY_DELAY = 1.0

log = logging.getLogger(__name__)


@dataclass
class PendingTurn:
    """A reply about to be requested: the rows exist already, the text is still empty."""

    dialogue_id: int
    model: str
    system: str
    user_message: Message | None  # None for Regenerate, which reuses the last user message
    reply: Message
    request: list[dict]
    assistant: AssistantProfile | None = None  # as sent: with the turn's model and system
    wire_api: str = field(default=CHAT_COMPLETIONS)  # the API the reply came through


def _assistant_id(assistant: AssistantProfile | None) -> int | None:
    return assistant.id if assistant is not None else None


class ChatSession:
    def __init__(
        self,
        store: Store,
        gateway: Gateway,
        sentiment: SentimentAnalyzer,
        checkpoint_interval: float = CHECKPOINT_INTERVAL,
        wire_api: str = AUTO,
        ledger: SpendLedger | None = None,
    ) -> None:
        self.store = store
        self.ledger = ledger  # prices each finished reply; None records no spend
        self.gateway = gateway  # replaced by the app when the provider settings change
        self.sentiment = sentiment
        self.checkpoint_interval = checkpoint_interval
        self.wire_api = wire_api  # the setting: auto / responses / chat_completions
        self._saving: set[asyncio.Task[None]] = set()

    def prepare(
        self,
        dialogue_id: int | None,
        text: str,
        model: str,
        system: str,
        assistant: AssistantProfile | None = None,
        images: Sequence[PreparedImage] = (),
    ) -> PendingTurn:
        """Commit the user's message (creating the dialogue if needed), its `images` as
        attachments, and a reply placeholder; the request built from the store carries them."""
        if dialogue_id is None:
            dialogue_id = self.store.create_dialogue(
                make_title(text), model, system, _assistant_id(assistant)
            )
        else:
            self.store.update_dialogue(
                dialogue_id, model=model, system=system, assistant_id=_assistant_id(assistant)
            )
        mood = self.sentiment.analyze(text)
        user = Message(
            "user", text, model=model, sentiment_label=mood.label, sentiment_score=mood.compound
        )
        user.id = self.store.add_message(dialogue_id, user)
        user.dialogue_id = dialogue_id
        try:  # stored before the request is built, so they go out with it
            for im in images:
                user.attachments.append(
                    self.store.add_attachment(user.id, im.data, im.ext, im.mime, im.name)
                )
        except StoreError:
            self.store.supersede(user.id)  # not half a message: the composer still holds it all
            raise
        return self._pending(dialogue_id, model, system, user, assistant)

    def prepare_regenerate(
        self,
        dialogue_id: int,
        model: str,
        system: str,
        assistant: AssistantProfile | None = None,
    ) -> PendingTurn:
        """Hide the last reply (kept in the database) and ask again from the last user message."""
        history = self.store.messages(dialogue_id)
        if not any(m.role == "user" for m in history):
            raise ValueError("There is no message to answer yet.")
        while history and history[-1].role == "assistant":
            last = history.pop()
            if last.id is not None:
                self.store.supersede(last.id)
        self.store.update_dialogue(
            dialogue_id, model=model, system=system, assistant_id=_assistant_id(assistant)
        )
        return self._pending(dialogue_id, model, system, None, assistant)

    def _pending(
        self,
        dialogue_id: int,
        model: str,
        system: str,
        user: Message | None,
        assistant: AssistantProfile | None = None,
    ) -> PendingTurn:
        history = self.store.messages(dialogue_id)
        request = build_chat_messages(system, history, self.attachment_url)
        sent = None if assistant is None else replace(assistant, model=model, instructions=system)
        reply = Message(
            "assistant",
            "",
            model=model,
            status=Status.STREAMING,
            assistant_id=_assistant_id(sent),
            assistant_snapshot=snapshot_json(sent) if sent is not None else "",
        )
        reply.id = self.store.add_message(dialogue_id, reply)
        reply.dialogue_id = dialogue_id
        return PendingTurn(dialogue_id, model, system, user, reply, request, sent)

    def attachment_url(self, attachment: Attachment) -> str | None:
        """A stored attachment as a data URL (to send it again), or None if its file is gone."""
        try:
            data = self.store.attachment_path(attachment).read_bytes()
        except OSError:
            return None
        return data_url(data, attachment.mime)

    def assistant_for_dialogue(self, dialogue_id: int) -> AssistantProfile | None:
        """The assistant a stored dialogue was last held with, if it still exists."""
        dialogue = self.store.get_dialogue(dialogue_id)
        if dialogue is None or dialogue.assistant_id is None:
            return None
        return self.store.get_assistant(dialogue.assistant_id)

    async def _events(self, turn: PendingTurn) -> AsyncGenerator[ChatEvent, None]:
        """The reply's events from the chosen wire API; in "auto", a server without the
        Responses API is remembered and the turn goes out again as chat completions."""
        config = self.gateway.config
        profile = turn.assistant
        if profile is None and self.wire_api == RESPONSES:
            profile = AssistantProfile("", turn.model, turn.system)
        wire = choose_wire_api(self.store, self.wire_api, config.cache_key)
        if profile is not None and wire == RESPONSES:
            turn.wire_api = RESPONSES
            stream = self.gateway.stream_responses(responses_request(profile, turn.request))
            try:
                async with contextlib.aclosing(stream):
                    async for event in stream:
                        yield event
                return
            except EndpointMissing as exc:
                if self.wire_api != AUTO:
                    raise GatewayError(
                        ErrorKind.NOT_SUPPORTED,
                        "This server has no Responses API. In Settings, set the wire API to "
                        "Automatic or Chat completions.",
                        exc.status,
                    ) from exc
                remember_responses_missing(self.store, config.cache_key)
        turn.wire_api = CHAT_COMPLETIONS
        params = {}
        if turn.assistant is not None:
            tokens = "max_tokens" if config.is_local else "max_completion_tokens"
            params = chat_params(turn.assistant, tokens)
        stream = self.gateway.stream_chat(turn.model, turn.request, **params)
        async with contextlib.aclosing(stream):
            async for event in stream:
                yield event

    async def stream_reply(
        self,
        turn: PendingTurn,
        on_delta: Callable[[str], None],
        on_note: Callable[[ToolNote], None] | None = None,
    ) -> Message:
        """Stream the reply into the store and `on_delta` (tool notes into `on_note`); return
        it finished.

        Raises GatewayError after saving what arrived; re-raises CancelledError (Stop) after
        marking the reply interrupted.
        """
        reply = turn.reply
        reply_id = reply.id
        assert reply_id is not None
        parts: list[str] = []
        notes = NoteList()
        saved = 0
        usage = Usage(None, None)

        async def checkpoints() -> None:
            """Save what arrived every interval, in a worker thread: a database locked by
            another writer (a History import) delays a checkpoint, never the window, and a
            failed one is simply tried again at the next tick."""
            nonlocal saved
            while True:
                await asyncio.sleep(self.checkpoint_interval)
                count = len(parts)
                if count == saved:
                    continue
                try:
                    await asyncio.to_thread(self.store.checkpoint, reply_id, "".join(parts))
                    saved = count
                except StoreError as exc:
                    log.warning("checkpoint of reply %s failed, will retry: %s", reply_id, exc)

        saver = asyncio.create_task(checkpoints())
        try:
            stream = self._events(turn)
            async with contextlib.aclosing(stream):
                async for event in stream:
                    if isinstance(event, TextDelta):
                        parts.append(event.text)
                        on_delta(event.text)
                    elif isinstance(event, ToolNote):
                        notes.upsert(event)
                        if on_note is not None:
                            on_note(event)
                    else:
                        usage = event
        except asyncio.CancelledError:
            saver.cancel()
            await self._finish(turn, parts, Status.INTERRUPTED, "Stopped.", usage, notes.notes)
            raise
        except GatewayError as exc:
            saver.cancel()
            status = Status.INTERRUPTED if parts else Status.ERROR
            await self._finish(turn, parts, status, exc.message, usage, notes.notes)
            raise
        except Exception as exc:  # a bug must not leave the reply "streaming" forever
            saver.cancel()
            status = Status.INTERRUPTED if parts else Status.ERROR
            text = f"Unexpected error: {exc}"
            await self._finish(turn, parts, status, text, usage, notes.notes)
            raise
        finally:
            saver.cancel()
        await self._finish(turn, parts, Status.COMPLETE, "", usage, notes.notes)
        return reply

    async def abandon(self, turn: PendingTurn) -> None:
        """Close a reply whose task was cancelled before it ever ran (Stop pressed at once):
        such a task never enters `stream_reply`, so nothing else would mark it."""
        if turn.reply.status is Status.STREAMING:
            await self._finish(turn, [], Status.INTERRUPTED, "Stopped.", Usage(None, None))

    async def flush(self, timeout: float = 10.0) -> None:
        """Wait for finished replies still being saved (called when the app closes)."""
        if self._saving:
            await asyncio.wait(set(self._saving), timeout=timeout)

    async def _finish(
        self,
        turn: PendingTurn,
        parts: list[str],
        status: Status,
        error: str,
        usage: Usage,
        notes: list[ToolNote] | None = None,
    ) -> None:
        reply = turn.reply
        reply.content = "".join(parts)
        reply.tool_notes = list(notes or [])
        reply.status = status
        reply.error = error
        reply.prompt_tokens = usage.prompt_tokens
        reply.completion_tokens = usage.completion_tokens
        if reply.content:
            mood = self.sentiment.analyze(reply.content)
            reply.sentiment_label, reply.sentiment_score = mood.label, mood.compound
        # Saved in its own task: a second Stop or the app closing while it waits must not
        # lose it (shutdown waits for it through `flush`).
        saving = asyncio.ensure_future(self._save_finished(turn, usage))
        self._saving.add(saving)
        saving.add_done_callback(self._saving.discard)
        await asyncio.shield(saving)

    async def _save_finished(self, turn: PendingTurn, usage: Usage) -> None:
        """Write the finished reply in a worker thread, retrying while the database is busy
        (another writer can hold it for seconds); the text is in memory meanwhile."""
        reply = turn.reply
        assert reply.id is not None
        for attempt in range(1, SAVE_ATTEMPTS + 1):
            try:
                await asyncio.to_thread(
                    self.store.finish_message,
                    reply.id,
                    content=reply.content,
                    status=reply.status,
                    error=reply.error,
                    sentiment_label=reply.sentiment_label,
                    sentiment_score=reply.sentiment_score,
                    prompt_tokens=usage.prompt_tokens,
                    completion_tokens=usage.completion_tokens,
                    tool_notes=reply.tool_notes,
                )
                break
            except StoreError as exc:
                log.warning("saving reply %s failed (try %d): %s", reply.id, attempt, exc)
                if attempt == SAVE_ATTEMPTS:
                    raise
                await asyncio.sleep(SAVE_RETRY_DELAY)
        if self.ledger is not None:
            try:
                self.ledger.record(reply, usage, turn.request)
            except StoreError as exc:  # the reply is safe; only its cost line is missing
                log.warning("recording the cost of reply %s failed: %s", reply.id, exc)
