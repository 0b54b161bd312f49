"""Sending from the Chat tab: a new message, an edited one resent, or another version of a
reply; the reply streamed in a job of its own while any dialogue is shown, with Stop, and what
went wrong said in the banner. A mixin of ChatTab (which owns the dialogue shown and the
conversation list), over its controls (`ChatControls`)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from desktop_app.core.assistants import AssistantProfile
from desktop_app.core.dialogue import Message, Status
from desktop_app.services.chat_session import ChatSession, PendingTurn
from desktop_app.services.failure_text import report_failure
from desktop_app.services.gateway_errors import GatewayError
from desktop_app.services.provider_pool import UnknownProvider
from desktop_app.services.store import StoreError, StoreFull
from desktop_app.ui.chat.chat_controls import ChatControls
from desktop_app.ui.chat.message_commands import BUSY_TEXT
from desktop_app.ui.chat.reply_jobs import ReplyJob, ReplySink, ReplyView


class ReplySending(ChatControls):
    if TYPE_CHECKING:  # provided by ChatTab
        dialogue_id: int | None
        assistant: AssistantProfile | None
        jobs: dict[int, ReplyJob]
        sidebar: Any
        _busy: bool
        _opening_provider: bool
        dialogue_opened: Any  # the tab's signal

        def _update_busy(self) -> None: ...
        def _sidebar_changed(self) -> None: ...
        def shown_view(self, dialogue_id: int) -> ReplyView | None: ...
        def equip_tools(
            self, turn: PendingTurn, job: ReplyJob, session: ChatSession
        ) -> None: ...
        def after_tool_turn(self, turn: PendingTurn, job: ReplyJob) -> bool: ...
        async def add_knowledge(self, turn: PendingTurn, session: ChatSession) -> bool: ...
        def show_branch(self, messages: list[Message], focus: int | None = None) -> None: ...
        async def refresh_spend(self) -> None: ...

    # --- sending -----------------------------------------------------------------------------

    def stop(self) -> None:
        job = self.jobs.get(self.dialogue_id) if self.dialogue_id is not None else None
        if job is not None:
            job.stop()
        elif self.editing is not None:
            self.cancel_edit()

    def _can_send(self, composed: bool = True) -> bool:
        if (composed and self.composer.empty) or self._busy or self._opening_provider:
            return False
        if not self.provider_id and not self.chat.gateway.config.has_key:
            self.show_setup_hint()  # the text stays in the box
            return False
        if not self.model:
            self.show_notice("Pick a model first (the list above the dialogue).", "warning")
            return False
        # else it sends itself once images are ready
        return self.composer.ready_to_send() if composed else True

    async def send(self, written: str = "") -> None:
        """Send what the composer holds — or `written`, a message Parley writes for the user
        (Continue), which leaves the composer and an edit in progress as they are."""
        if not self._can_send(composed=not written):
            return
        session = await self._session()
        if session is None:
            return
        text = written or self.composer.message_text()
        images = [] if written else self.composer.prepared_images()
        moved = self.dialogue_id is not None and not self.chat.store.is_live(self.dialogue_id)
        if moved:  # trashed or deleted in History meanwhile: never write into it
            self.new_dialogue()
        editing = None if written else self.editing
        try:
            if editing is not None and editing.id is not None and self.dialogue_id is not None:
                turn = session.prepare_edit(
                    self.dialogue_id, editing.id, text, self.model, self._system(), self.assistant
                )
            else:
                turn = session.prepare(
                    self.dialogue_id, text, self.model, self._system(), self.assistant, images
                )
        except ValueError as exc:  # an edit that empties the message
            self.show_notice(str(exc), "warning")
            return
        except StoreFull:
            self.show_notice(
                "The disk is full, so your message was not saved and not sent; it is still in "
                "the box. Free some space, then send it again."
            )
            return
        except StoreError as exc:
            self.show_notice(
                report_failure("Saving your message", exc)
                + " It was not sent; it is still in the box."
            )
            return
        if not written:
            self.composer.clear()
            self.cancel_edit(keep_text=True)
        created = self.dialogue_id is None
        self.dialogue_id = turn.dialogue_id
        if editing is not None:
            branch = self.chat.store.messages(turn.dialogue_id)
            self.show_branch([m for m in branch if m.id != turn.reply.id])
        else:
            assert turn.user_message is not None
            self.transcript.add_message(turn.user_message)
        if created:
            self.dialogue_opened.emit(turn.dialogue_id)
        self._sidebar_changed()
        await self._stream(turn, session)
        if moved and not self.banner.isVisible():  # an error from the reply says more
            self.show_notice(
                "The dialogue shown here was deleted in History, so this message started a "
                "new one.",
                "info",
            )

    async def regenerate(self, reply_id: int | None = None) -> None:
        """Write another version of a reply (by default the last one); the old one stays."""
        if self.dialogue_id is None:
            return
        if self._busy:
            self.show_notice(BUSY_TEXT, "warning")
            return
        if not self.chat.store.is_live(self.dialogue_id):
            self.show_notice("This dialogue was deleted in History; there is nothing to redo.")
            return
        session = await self._session()
        if session is None:
            return
        try:
            turn = session.prepare_regenerate(
                self.dialogue_id, self.model, self._system(), self.assistant, reply_id
            )
        except StoreFull:
            self.show_notice("The disk is full, so no new reply was asked for. Free some space.")
            return
        except ValueError as exc:
            self.show_notice(str(exc), "warning")
            return
        except StoreError as exc:
            self.show_notice(report_failure("Preparing another version", exc), "warning")
            return
        branch = self.chat.store.messages(self.dialogue_id)
        self.show_branch([m for m in branch if m.id != turn.reply.id])
        await self._stream(turn, session)

    def _system(self) -> str:
        return self.system_edit.toPlainText().strip()

    def _still_configured(
        self, provider_id: str, whose: str = "The provider this dialogue was held with"
    ) -> str:
        """The dialogue's (or assistant's) provider if Settings still lists it; else '' (the
        main one), said in a notice, so the next message does not go somewhere the user did
        not expect."""
        if not provider_id or (self.others is not None and self.others.pool.entry(provider_id)):
            return provider_id
        self.show_notice(
            f"{whose} is no longer in Settings; the next "
            f"message goes to {self.chat.gateway.config.label} unless you pick another model "
            "above.",
            "info",
        )
        return ""

    async def _session(self) -> ChatSession | None:
        """The session for the provider of the chosen model (the main one's, or another's
        made on first use); None, with a notice, when it cannot send."""
        provider_id = self.provider_id
        if not provider_id or self.others is None:
            return self.chat
        self._opening_provider = True  # a second Enter meanwhile sends nothing twice
        try:
            session = await self.others.session(provider_id)
        except UnknownProvider:
            self.show_notice(
                "The provider of this model is no longer in Settings. Pick another model above.",
                "warning",
            )
            return None
        finally:
            self._opening_provider = False
        if not session.gateway.config.has_key:
            self.show_notice(
                f"No API key is set for {session.gateway.config.label}. Add one in Settings "
                "(Other providers → Change…).",
                "warning",
                "Open Settings…",
            )
            return None
        return session

    async def _stream(self, turn: PendingTurn, session: ChatSession) -> None:
        self.banner.clear()
        job = self.jobs[turn.dialogue_id] = ReplyJob(turn)
        self.equip_tools(turn, job, session)
        sink = ReplySink(job, self.shown_view)
        self._update_busy()
        if self.sidebar is not None:
            self.sidebar.mark_streaming(turn.dialogue_id, True)
        self.transcript.begin_reply(turn.reply)
        shown = self.shown_view

        def on_save_problem(problem: str) -> None:
            if shown(turn.dialogue_id) is None:
                return
            if problem:
                self.show_notice(problem, "warning")
            else:
                self.show_notice("There is space again: the reply is being saved.", "info")

        def on_notice(notice: str) -> None:
            if shown(turn.dialogue_id) is not None:
                self.show_notice(notice, "info")

        async def reply() -> Message | None:
            if not await self.add_knowledge(turn, session):
                return None  # refused before asking: kept as failed, the banner says why
            return await session.stream_reply(
                turn, sink.text, sink.note, sink.reasoning, on_save_problem, on_notice
            )

        job.task = asyncio.ensure_future(reply())
        try:
            written = await job.task
            if written is not None:
                self.connection_changed.emit("online")
            if written is not None and shown(turn.dialogue_id) is not None:
                self.show_ending(turn.reply)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the tab is closing, not the user pressing Stop
            if shown(turn.dialogue_id) is not None:
                self.show_notice("Stopped. The part of the reply that arrived is kept.", "info")
        except GatewayError as error:
            if shown(turn.dialogue_id) is not None:
                self.show_error(error)
        except StoreError as error:  # the reply is shown, but not in the history
            self.show_notice(
                "The disk is full, so this reply could not be saved: it is shown here but "
                "will not be in your history. Copy what you need, free some space, and ask "
                "again."
                if isinstance(error, StoreFull)
                else f"This reply could not be saved: it is shown here but will not be in "
                f"your history. {error}"
            )
        finally:
            await session.abandon(turn)
            del self.jobs[turn.dialogue_id]
            if not self.after_tool_turn(turn, job) and shown(turn.dialogue_id) is not None:
                self.transcript.finish_reply(turn.reply)
            if self.sidebar is not None:
                self.sidebar.mark_streaming(turn.dialogue_id, False)
            self._update_busy()
            current = asyncio.current_task()
            if current is None or not current.cancelling():  # not when the tab is closing
                self.tasks.spawn(self.refresh_spend())
                self._sidebar_changed()
            if turn.reply.status is Status.COMPLETE and shown(turn.dialogue_id) is not None:
                self.input.setFocus()
