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
from desktop_app.core.dialogue import Attachment, Message
from desktop_app.services.chat_session import ChatSession
from desktop_app.services.failure_text import failure_message
from desktop_app.services.model_catalog import ModelCatalog
from desktop_app.ui.chat.chat_knowledge import ChatKnowledge
from desktop_app.ui.chat.chat_tools import ChatTools
from desktop_app.ui.chat.made_files import MadeFiles
from desktop_app.ui.chat.message_commands import MessageCommands
from desktop_app.ui.chat.reply_jobs import ReplyJob, ReplyView, replay
from desktop_app.ui.chat.reply_sending import ReplySending
from desktop_app.ui.chat.thumbnails import ThumbnailCache
from desktop_app.ui.chat.transcript_view import TranscriptView
from desktop_app.ui.task_keeper import TaskKeeper

if TYPE_CHECKING:
    from desktop_app.services.provider_sessions import ProviderSessions


class ChatTab(ReplySending, ChatTools, ChatKnowledge, QWidget):
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
        self.build_tool_controls()
        self.build_knowledge_controls()
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
        self.forget_unsaved_tools()
        self.forget_unsaved_knowledge()
        self.show_dialogue_tools()
        self.show_dialogue_knowledge()
        self.show_tool_activity()
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
            whose = f"The provider “{profile.name}” runs on"
            self.show_model(profile.model, self._still_configured(profile.provider, whose))
            self.system_edit.setPlainText(profile.instructions)
        elif previous is not None and self._system() == previous.instructions.strip():
            self.system_edit.clear()
        if self.dialogue_id is None:  # a new chat takes the assistant's tools and knowledge
            self.forget_unsaved_tools()
            self.forget_unsaved_knowledge()
            self.show_dialogue_tools()
            self.show_dialogue_knowledge()
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
        self.show_dialogue_tools()
        self.show_dialogue_knowledge()
        self.show_tool_activity()
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
        self.forget_knowledge_indexes()
        await self.composer.shutdown()
        if self.sidebar is not None:
            await self.sidebar.shutdown()
        await self.tasks.shutdown()
