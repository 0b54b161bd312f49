"""The Chat tab: the conversations on the left, the open one in the middle, the box below.

Pick a model, write (with images), read the reply as it streams, stop it, regenerate any reply,
edit and resend a message, switch between versions, delete with Undo. A reply goes on being
written (and saved) while another conversation is open; coming back shows it where it is.

Signals:
    busy_changed(bool): a reply started or ended in the conversation shown.
    connection_changed(str): "online", "offline", "key refused" — for the status bar.
    model_changed(str): the model picked for the next message.
    settings_requested(): the user asked to open Settings (from a notice).
    assistant_changed(object): the assistant for the next message (an AssistantProfile, or
        None for plain chat) — set from the Assistants tab, the header, or a re-opened dialogue.
    dialogue_opened(object): the conversation shown changed (its id, or None for a new one).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from desktop_app.core.assistants import AssistantProfile
from desktop_app.core.dialogue import Attachment, Message, Status
from desktop_app.services.chat_session import ChatSession, PendingTurn
from desktop_app.services.failure_text import failure_message, report_failure
from desktop_app.services.gateway_errors import GatewayError
from desktop_app.services.model_catalog import ModelCatalog
from desktop_app.services.provider_pool import UnknownProvider
from desktop_app.services.store import StoreError, StoreFull
from desktop_app.ui.chat.chat_controls import ChatControls
from desktop_app.ui.chat.made_files import MadeFiles
from desktop_app.ui.chat.message_commands import BUSY_TEXT, MessageCommands
from desktop_app.ui.chat.reply_jobs import ReplyJob, ReplySink, ReplyView, replay
from desktop_app.ui.chat.thumbnails import ThumbnailCache
from desktop_app.ui.chat.transcript_view import TranscriptView
from desktop_app.ui.task_keeper import TaskKeeper

if TYPE_CHECKING:
    from desktop_app.services.provider_sessions import ProviderSessions


class ChatTab(ChatControls, QWidget):
    busy_changed = Signal(bool)
    connection_changed = Signal(str)
    model_changed = Signal(str)
    settings_requested = Signal()
    assistant_changed = Signal(object)
    dialogue_opened = Signal(object)

    def __init__(
        self,
        chat: ChatSession,
        catalog: ModelCatalog,
        default_model: str,
        parent: QWidget | None = None,
        others: ProviderSessions | None = None,
    ) -> None:
        """`others`: the providers beside the main one (their models join the picker under
        their names, and a message to one of them goes through it)."""
        super().__init__(parent)
        self.chat = chat
        self.catalog = catalog
        self.others = others
        self.dialogue_id: int | None = None
        self.assistant: AssistantProfile | None = None
        self.editing: Message | None = None  # the user's message being edited and resent
        self.tasks = TaskKeeper(on_error=self._on_task_error)
        self.jobs: dict[int, ReplyJob] = {}
        self.sidebar: Any = None
        self.commands = MessageCommands(self)
        self._busy = False
        self._opening_provider = False  # another provider's session is being made for a send
        self.thumbnails = ThumbnailCache(self.chat.store.attachment_path)
        self.transcript = TranscriptView(thumbnails=self.thumbnails)
        self.transcript.ratable = True
        self.transcript.editable = True
        self.transcript.action_requested.connect(self.commands.run)
        self.transcript.image_opened.connect(self._on_transcript_image_opened)
        self.made_files = MadeFiles(self)
        self.transcript.file_requested.connect(self.made_files.choose)
        self.transcript.code_copied.connect(
            lambda _code: self.show_notice("Code copied to the clipboard.", "info")
        )
        main = self.build_controls(default_model, self.transcript)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(main)
        self.splitter.setStretchFactor(0, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self.setAcceptDrops(True)  # a drop anywhere on the tab attaches to the message
        self.setFocusProxy(self.input)

    # --- the conversation list ---------------------------------------------------------------

    def attach_sidebar(self, sidebar: Any) -> None:
        """Put the conversation list on the left (it has its own store connection)."""
        self.sidebar = sidebar
        self.splitter.insertWidget(0, sidebar)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setSizes([260, 10_000])
        sidebar.dialogue_chosen.connect(self.open_dialogue)
        sidebar.new_chat_requested.connect(self.new_dialogue)
        sidebar.dialogue_deleted.connect(self._on_sidebar_dialogue_deleted)
        self.addAction(sidebar.toggle_action)
        sidebar.select_dialogue(self.dialogue_id)

    def show_sentiment(self, shown: bool) -> None:
        """The sentiment marks on messages (a setting)."""
        if self.transcript.show_sentiment != shown:
            self.transcript.show_sentiment = shown
            self.transcript.refresh_cards()

    def _on_sidebar_dialogue_deleted(self, dialogue_id: int) -> None:
        if dialogue_id == self.dialogue_id:
            self.new_dialogue()

    def _sidebar_changed(self) -> None:
        if self.sidebar is not None:
            self.sidebar.refresh()
            self.sidebar.select_dialogue(self.dialogue_id)

    # --- state -----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """A reply is being written in the conversation shown."""
        return self._busy

    def _update_busy(self) -> None:
        busy = self.dialogue_id is not None and self.dialogue_id in self.jobs
        self.show_busy(busy)
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)

    def _on_task_error(self, exc: BaseException) -> None:
        # The task keeper has logged it, with its traceback.
        text = failure_message("That action in the Chat tab", exc)
        self.show_notice(f"{text} What you wrote is kept.", "error")
        self._update_busy()

    def shown_view(self, dialogue_id: int) -> ReplyView | None:
        return self.transcript if dialogue_id == self.dialogue_id else None

    def new_dialogue(self) -> None:
        self.cancel_edit()
        self.dialogue_id = None
        self.transcript.clear_dialogue()
        self.spend_label.set_texts("")
        self.banner.clear()
        self._update_busy()
        self.dialogue_opened.emit(None)
        if self.sidebar is not None:
            self.sidebar.select_dialogue(None)
        self.input.setFocus()

    def set_assistant(self, profile: AssistantProfile | None) -> None:
        """Answer the next message with this assistant: its model and instructions fill the
        picker and the instruction box (both stay editable for this dialogue)."""
        previous, self.assistant = self.assistant, profile
        self.header.show_assistant(profile)
        if profile is not None:
            self.show_model(profile.model)
            self.system_edit.setPlainText(profile.instructions)
        elif previous is not None and self._system() == previous.instructions.strip():
            self.system_edit.clear()
        self.assistant_changed.emit(profile)

    def open_dialogue(self, dialogue_id: int) -> None:
        """Show a stored dialogue (from the list, History, or at start), with the assistant
        it was held with. A reply still being written elsewhere goes on; one being written in
        this dialogue is shown where it has got to."""
        if dialogue_id == self.dialogue_id:
            return
        dialogue = self.chat.store.get_dialogue(dialogue_id)
        if dialogue is None:
            return
        self.cancel_edit()
        self.banner.clear()
        self.dialogue_id = dialogue_id
        self.set_assistant(self.chat.assistant_for_dialogue(dialogue_id))
        self.system_edit.setPlainText(dialogue.system)
        if dialogue.model:
            self.show_model(dialogue.model, self._still_configured(dialogue.provider))
        job = self.jobs.get(dialogue_id)
        running = job.turn.reply.id if job is not None else None
        self.transcript.show_messages([m for m in dialogue.messages if m.id != running])
        if job is not None:
            replay(job, self.transcript)
        self._update_busy()
        self.dialogue_opened.emit(dialogue_id)
        if self.sidebar is not None:
            self.sidebar.select_dialogue(dialogue_id)
        self.spend_label.set_texts("")
        self.tasks.spawn(self.refresh_spend())
        retiring = self.catalog.retirement(dialogue.model) if dialogue.model else None
        if retiring is not None:
            self.show_notice(
                f"{retiring.sentence(self.catalog.today())} Pick another model above to carry "
                "on with this dialogue.",
                "warning",
            )

    def show_branch(self, messages: list[Message], focus: int | None = None) -> None:
        """Show the dialogue's branch anew (after a version switch, an edit, a delete)."""
        self.transcript.show_messages(messages)
        if focus is not None:
            index = self.transcript.item_index(focus)
            if index is not None:
                self.transcript.scroll_to_item(index)
        self.regenerate_button.setEnabled(bool(messages))

    async def refresh_spend(self) -> None:
        """Show what the open dialogue has cost (read off the UI thread)."""
        dialogue_id = self.dialogue_id
        if dialogue_id is None:
            return
        spent = await asyncio.to_thread(self.chat.store.dialogue_spend, dialogue_id)
        if dialogue_id == self.dialogue_id:
            label = spent.label if spent else ""
            self.spend_label.set_texts(f"This dialogue: {label}" if label else "", label)

    def _on_transcript_image_opened(self, attachment: Attachment) -> None:
        """A thumbnail was clicked: the image at full size, in a window of its own."""
        from desktop_app.ui.chat.image_preview import ImagePreview

        self.preview = ImagePreview(self.thumbnails.full_path(attachment), attachment.name, self)
        self.preview.show()

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

    def _still_configured(self, provider_id: str) -> str:
        """The dialogue's provider if Settings still lists it; else '' (the main one), said
        in a notice, so the next message does not go somewhere the user did not expect."""
        if not provider_id or (self.others is not None and self.others.pool.entry(provider_id)):
            return provider_id
        self.show_notice(
            "The provider this dialogue was held with is no longer in Settings; the next "
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

        job.task = asyncio.ensure_future(
            session.stream_reply(
                turn, sink.text, sink.note, sink.reasoning, on_save_problem, on_notice
            )
        )
        try:
            await job.task
            self.connection_changed.emit("online")
            if shown(turn.dialogue_id) is not None:
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
            if shown(turn.dialogue_id) is not None:
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

    # --- a drop anywhere on the tab goes to the composer -------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self.composer.drag_enter(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self.composer.drag_enter(event)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.composer.drag_leave()

    def dropEvent(self, event: QDropEvent) -> None:
        self.composer.drop(event)

    async def shutdown(self) -> None:
        for job in list(self.jobs.values()):
            job.stop()
        await self.composer.shutdown()
        if self.sidebar is not None:
            await self.sidebar.shutdown()
        await self.tasks.shutdown()
