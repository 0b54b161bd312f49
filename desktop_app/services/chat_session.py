"""A chat turn from the user's message to the finished reply, with nothing lost on the way.

The user's message is committed before the request is sent, in one transaction with its
images and the reply's placeholder, so a full disk keeps all of them or none. The reply is
created as a `streaming` row at once and checkpointed every 250 ms while it arrives, so a crash
or a kill loses at most a quarter of a second of it; a full disk meanwhile is said to the user.
Stop, a dropped connection or a server error keep whatever text arrived and mark the reply
interrupted (or error, when nothing came). A stream that ends is a finished
reply only when the server said so (`reply_endings.settle`): one that just stops is cut, and
the token limit, a refusal or a reply with no text are kept as such (`Message.ending`), with
the sentence the user is told in `error`.

A reasoning model's thoughts (a reasoning field or Responses summaries, or a leading `<think>`
block in the text) are kept apart from the answer, checkpointed with it and stored with the
reply, with how long the model thought, how long the first token took and how fast the reply
streamed, all measured on the session's monotonic clock.

With an assistant, the turn carries its profile (as sent: the model and instructions the Chat
tab shows), goes out on the wire API the settings choose, and the reply records the assistant
and a snapshot of its settings. Plain chats use chat completions unless the setting says
"responses".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from desktop_app.core.assistant_json import snapshot_json
from desktop_app.core.assistants import AssistantProfile
from desktop_app.core.chat_request import build_chat_messages
from desktop_app.core.dialogue import Attachment, Message, Status, make_title
from desktop_app.core.image_request import data_url
from desktop_app.core.images import PreparedImage
from desktop_app.core.reply_endings import Ending, Outcome, settle
from desktop_app.core.reply_parts import Clock, ReplyParts
from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.core.think_tags import Piece
from desktop_app.core.tool_notes import NoteList, ToolNote
from desktop_app.core.wire_apis import AUTO
from desktop_app.services.branch_store import CURRENT, Parent
from desktop_app.services.failure_text import report_failure
from desktop_app.services.gateway import (
    Gateway,
    ReasoningDelta,
    StreamEnd,
    TextDelta,
    Usage,
)
from desktop_app.services.gateway_errors import ErrorKind, GatewayError
from desktop_app.services.pending_turn import PendingTurn
from desktop_app.services.reply_saving import finish_reply
from desktop_app.services.save_problems import NOT_CHECKPOINTED, SaveProblems
from desktop_app.services.spend_ledger import SpendLedger
from desktop_app.services.store import Store, StoreError, StoreFull
from desktop_app.services.turn_events import turn_events

__all__ = ["CHECKPOINT_INTERVAL", "ChatSession", "PendingTurn"]

if TYPE_CHECKING:
    from desktop_app.services.tool_turns import RoundSaved

CHECKPOINT_INTERVAL = 0.25
SAVE_ATTEMPTS = 60  # one a second: a minute of a busy database before giving up
SAVE_RETRY_DELAY = 1.0

log = logging.getLogger(__name__)


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
        clock: Clock = time.monotonic,
        provider_id: str = "",
    ) -> None:
        self.store = store
        # The id in Settings of the provider this session sends through ('' the main one):
        # each dialogue it writes to records it, so the dialogue goes on with that provider.
        self.provider_id = provider_id
        self.clock = clock  # monotonic: the reply's timing figures, never a date
        self.ledger = ledger  # prices each finished reply; None records no spend
        self.gateway = gateway  # replaced by the app when the provider settings change
        self.sentiment = sentiment
        self.checkpoint_interval = checkpoint_interval
        self.wire_api = wire_api  # the setting: auto / responses / chat_completions
        self.save_attempts, self.save_retry_delay = SAVE_ATTEMPTS, SAVE_RETRY_DELAY
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
        attachments, and a reply placeholder, all in one transaction: a failure (a full disk)
        keeps none of it, so the composer, which still holds everything, can send it again
        without a copy. The request built from the store carries them."""
        with self.store.atomic():
            if dialogue_id is None:
                dialogue_id = self.store.create_dialogue(
                    make_title(text), model, system, _assistant_id(assistant), self.provider_id
                )
            else:
                self._hold_with(dialogue_id, model, system, assistant)
            user = self._user_message(text, model)
            user.id = self.store.add_message(dialogue_id, user)
            user.dialogue_id = dialogue_id
            for im in images:  # stored before the request is built, so they go out with it
                user.attachments.append(
                    self.store.add_attachment(user.id, im.data, im.ext, im.mime, im.name)
                )
            return self._pending(dialogue_id, model, system, user, assistant)

    def prepare_edit(
        self,
        dialogue_id: int,
        user_message_id: int,
        new_text: str,
        model: str,
        system: str,
        assistant: AssistantProfile | None = None,
    ) -> PendingTurn:
        """Edit-and-resend: commit the new text as another version of the user's message
        (the old one and everything after it stay, on their own branch), with its images,
        and a reply placeholder; the request is the branch before it plus the new text."""
        text = new_text.strip()
        if not text:
            raise ValueError(
                "An edited message cannot be empty. Write something, or delete the message."
            )
        path = self.store.path_to(user_message_id)
        original = path[-1] if path else None
        if original is None or original.dialogue_id != dialogue_id or original.role != "user":
            raise ValueError("That message is no longer in this dialogue.")
        with self.store.atomic():  # the new version and its reply's placeholder, or neither
            self._hold_with(dialogue_id, model, system, assistant)
            user = self._user_message(text, model)
            user.id = self.store.add_message(dialogue_id, user, parent_id=original.parent_id)
            user.dialogue_id, user.parent_id = dialogue_id, original.parent_id
            user.attachments = self.store.copy_attachments(original, user.id)
            self._place(user)
            return self._pending(dialogue_id, model, system, user, assistant)

    def prepare_regenerate(
        self,
        dialogue_id: int,
        model: str,
        system: str,
        assistant: AssistantProfile | None = None,
        reply_id: int | None = None,
    ) -> PendingTurn:
        """Ask again: a new version of the reply `reply_id` (by default, the last one: the
        reply to the last user message of the branch shown), made from the branch before it.
        The old reply stays as a sibling; the new one is shown."""
        if reply_id is None:
            branch = self.store.messages(dialogue_id)
            users = [m for m in branch if m.role == "user"]
            if not users:
                raise ValueError("There is no message to answer yet.")
            parent: int | None = users[-1].id
            history = branch[: branch.index(users[-1]) + 1]
        else:
            path = self.store.path_to(reply_id)
            reply = path[-1] if path else None
            if reply is None or reply.dialogue_id != dialogue_id or reply.role != "assistant":
                raise ValueError("That reply is no longer in this dialogue.")
            parent, history = reply.parent_id, path[:-1]
            if not any(m.role == "user" for m in history):
                raise ValueError("There is no message to answer yet.")
        with self.store.atomic():
            self._hold_with(dialogue_id, model, system, assistant)
            return self._pending(dialogue_id, model, system, None, assistant, history, parent)

    def _hold_with(
        self, dialogue_id: int, model: str, system: str, assistant: AssistantProfile | None
    ) -> None:
        """Record on a stored dialogue what its next turn is held with: the model, the system
        instruction, the assistant and this session's provider (within the caller's
        transaction)."""
        self.store.update_dialogue(
            dialogue_id,
            model=model,
            system=system,
            assistant_id=_assistant_id(assistant),
            provider=self.provider_id,
        )

    def _user_message(self, text: str, model: str) -> Message:
        """A new user message (not stored yet), with the mood of its text."""
        mood = self.sentiment.analyze(text)
        return Message(
            "user", text, model=model, sentiment_label=mood.label, sentiment_score=mood.compound
        )

    def _pending(
        self,
        dialogue_id: int,
        model: str,
        system: str,
        user: Message | None,
        assistant: AssistantProfile | None = None,
        history: list[Message] | None = None,
        parent: Parent = CURRENT,
    ) -> PendingTurn:
        """The reply placeholder after `parent` (by default the current leaf, with the current
        branch as `history`), and the request made from that history."""
        if history is None:
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
        reply.id = self.store.add_message(dialogue_id, reply, parent_id=parent)
        reply.dialogue_id = dialogue_id
        reply.parent_id = history[-1].id if history else None
        self._place(reply)
        return PendingTurn(dialogue_id, model, system, user, reply, request, sent)

    def _place(self, message: Message) -> None:
        """Number a new message among its versions (the switcher shows "2/2" at once)."""
        assert message.id is not None
        versions = self.store.sibling_ids(message.id)
        if message.id in versions:
            message.version, message.versions = versions.index(message.id) + 1, len(versions)

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

    async def stream_reply(
        self,
        turn: PendingTurn,
        on_delta: Callable[[str], None],
        on_note: Callable[[ToolNote], None] | None = None,
        on_reasoning: Callable[[str], None] | None = None,
        on_save_problem: Callable[[str], None] | None = None,
        on_notice: Callable[[str], None] | None = None,
    ) -> Message:
        """Stream the reply into the store and `on_delta` (tool notes into `on_note`, what the
        model thought into `on_reasoning`); return it finished. A full disk is said through
        `on_save_problem` (a sentence; "" once saving works again), never only in the log;
        a change of wire API the user should know about through `on_notice`.

        Raises GatewayError after saving what arrived; re-raises CancelledError (Stop) after
        marking the reply interrupted; raises StoreFull if the finished reply could not be
        saved for lack of space (its text is still in `turn.reply`).
        """
        reply = turn.reply
        assert reply.id is not None
        reply_id: int = reply.id
        notes = NoteList()
        for note in turn.notes:  # known before the request: shown at once, kept with it
            notes.upsert(note)
            if on_note is not None:
                on_note(note)
        saved = 0
        usage = Usage(None, None)
        told = SaveProblems(on_save_problem)
        end: StreamEnd | None = None  # None at the end: the server never said it finished

        def show(pieces: list[Piece]) -> None:
            for piece in pieces:
                if piece.kind == "text":
                    on_delta(piece.text)
                elif on_reasoning is not None:
                    on_reasoning(piece.text)

        async def checkpoints() -> None:
            """Save what arrived every interval, in a worker thread: a database locked by
            another writer (a History import) delays a checkpoint, never the window, and a
            failed one is simply tried again at the next tick."""
            nonlocal saved
            while True:
                await asyncio.sleep(self.checkpoint_interval)
                count = parts.count
                if count == saved:
                    continue
                try:
                    await asyncio.to_thread(
                        self.store.checkpoint, reply_id, parts.content, parts.reasoning
                    )
                    saved = count
                    told.say("")
                except StoreError as exc:
                    log.warning("checkpoint of reply %s failed, will retry: %s", reply_id, exc)
                    if isinstance(exc, StoreFull):
                        told.say(NOT_CHECKPOINTED)

        parts = ReplyParts(self.clock)  # the request goes out now
        saver = asyncio.create_task(checkpoints())

        limit = ""  # the tool loop stopped at its bound of rounds: the sentence to show

        def next_round(saved_round: RoundSaved) -> None:
            """A tool round is in the store: the rest streams into its new placeholder."""
            nonlocal reply, reply_id, notes, saved, usage, parts, end
            show(parts.close())
            record_round(self, turn, saved_round, usage)
            reply = saved_round.reply
            assert reply.id is not None
            reply_id = reply.id
            notes, usage, saved, end = NoteList(), Usage(None, None), 0, None
            for note in turn.notes:  # the knowledge the turn was given goes with its answer
                notes.upsert(note)
            parts = ReplyParts(self.clock)

        try:
            if turn.tools is not None:
                from desktop_app.services.tool_turns import (
                    STEP_EVENTS,
                    LimitReached,
                    RoundSaved,
                    record_round,
                    tell,
                    tool_turn_events,
                )

                stream: Any = tool_turn_events(self, turn)
            else:
                stream = turn_events(self, turn, on_notice)
            async with contextlib.aclosing(stream):
                async for event in stream:
                    if turn.tools is not None and isinstance(event, STEP_EVENTS):
                        if isinstance(event, RoundSaved):
                            next_round(event)
                        tell(turn, event)
                    elif turn.tools is not None and isinstance(event, LimitReached):
                        limit = event.notice
                    elif isinstance(event, TextDelta):
                        show(parts.add_text(event.text))
                    elif isinstance(event, ReasoningDelta):
                        show(parts.add_reasoning(event.text))
                    elif isinstance(event, ToolNote):
                        notes.upsert(event)
                        if on_note is not None:
                            on_note(event)
                    elif isinstance(event, StreamEnd):
                        end = event
                    elif isinstance(event, Usage):
                        usage = event
        except asyncio.CancelledError:
            saver.cancel()
            parts.close()  # kept, not shown: the window may be closing
            if turn.reply is not reply:  # Stop kept a tool round: the rest had not begun
                parts = ReplyParts(self.clock)
            stopped = Outcome(Status.INTERRUPTED, Ending.NONE, "Stopped.")
            await finish_reply(self, turn, parts, stopped, usage, notes.notes, told)
            raise
        except GatewayError as exc:
            saver.cancel()
            held = parts.close()
            cut = exc.kind is ErrorKind.CUT
            status = Status.INTERRUPTED if parts.arrived or cut else Status.ERROR
            outcome = Outcome(status, Ending.CUT if cut else Ending.NONE, exc.message)
            await finish_reply(self, turn, parts, outcome, usage, notes.notes, told)
            show(held)  # after saving: a failing callback must not cost the reply
            raise
        except Exception as exc:  # a bug must not leave the reply "streaming" forever
            saver.cancel()
            parts.close()  # not shown: the consumer may be what failed
            status = Status.INTERRUPTED if parts.arrived else Status.ERROR
            text = report_failure("Writing the reply", exc)
            outcome = Outcome(status, Ending.NONE, text)
            await finish_reply(self, turn, parts, outcome, usage, notes.notes, told)
            raise
        finally:
            saver.cancel()
        show(parts.close())
        # A stream that ended is not a finished reply unless the server said so: a cut, the
        # token limit, a refusal, or no text at all are kept as such, with a sentence for it.
        outcome = settle(
            end.reason if end is not None else None,
            bool(parts.content.strip()),
            end is not None and end.refused,
        )
        if limit:
            outcome = Outcome(Status.INTERRUPTED, Ending.NONE, limit)
        await finish_reply(self, turn, parts, outcome, usage, notes.notes, told)
        return reply

    async def refuse(self, turn: PendingTurn, message: str) -> None:
        """Close a reply that will not be asked for (what it needed does not fit): saved as
        failed with the sentence, so the message and the reason stay in the history."""
        outcome = Outcome(Status.ERROR, Ending.NONE, message)
        await finish_reply(self, turn, None, outcome, Usage(None, None), list(turn.notes))

    async def abandon(self, turn: PendingTurn) -> None:
        """Close a reply whose task was cancelled before it ever ran (Stop pressed at once):
        such a task never enters `stream_reply`, so nothing else would mark it."""
        if turn.reply.status is Status.STREAMING:
            stopped = Outcome(Status.INTERRUPTED, Ending.NONE, "Stopped.")
            await finish_reply(self, turn, None, stopped, Usage(None, None))

    async def flush(self, timeout: float = 10.0) -> None:
        """Wait for finished replies still being saved (called when the app closes)."""
        if self._saving:
            await asyncio.wait(set(self._saving), timeout=timeout)
