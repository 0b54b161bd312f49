"""The Chat tab: pick a model, write, read the reply as it streams, stop or regenerate it.

Signals:
    busy_changed(bool): a reply started or ended.
    connection_changed(str): "online", "offline", "key refused" — for the status bar.
    model_changed(str): the model picked for the next message.
    settings_requested(): the user asked to open Settings (from a notice).
    assistant_changed(object): the assistant for the next message (an AssistantProfile, or
        None for plain chat) — set from the Assistants tab, the header, or a re-opened dialogue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.assistants import AssistantProfile
from desktop_app.core.dialogue import Status
from desktop_app.services.chat_session import ChatSession, PendingTurn
from desktop_app.services.gateway_errors import ErrorKind, GatewayError
from desktop_app.services.model_catalog import ModelCatalog
from desktop_app.services.store import StoreError
from desktop_app.ui.chat.assistant_header import AssistantHeader
from desktop_app.ui.chat.composer import Composer
from desktop_app.ui.chat.thumbnails import ThumbnailCache
from desktop_app.ui.chat.transcript_view import TranscriptView
from desktop_app.ui.task_keeper import TaskKeeper
from desktop_app.ui.widgets.notice_banner import NoticeBanner
from desktop_app.ui.widgets.retirement_marks import mark_models, retirement_label, show_retirement

OFFLINE_KINDS = (ErrorKind.OFFLINE, ErrorKind.TIMEOUT)


class ChatTab(QWidget):
    busy_changed = Signal(bool)
    connection_changed = Signal(str)
    model_changed = Signal(str)
    settings_requested = Signal()
    assistant_changed = Signal(object)

    def __init__(
        self,
        chat: ChatSession,
        catalog: ModelCatalog,
        default_model: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.chat = chat
        self.catalog = catalog
        self.dialogue_id: int | None = None
        self.assistant: AssistantProfile | None = None
        self.tasks = TaskKeeper(on_error=self._on_task_error)
        self._reply_task: asyncio.Task | None = None
        self._busy = False
        self._build(default_model)

    # --- layout --------------------------------------------------------------------------

    def _build(self, default_model: str) -> None:
        self.model_picker = QComboBox()
        self.model_picker.setEditable(True)
        self.model_picker.setMinimumContentsLength(18)
        self.model_picker.setToolTip("Model for the next message (type any name the server knows)")
        self.model_picker.currentTextChanged.connect(self.model_changed)
        self.model_picker.currentTextChanged.connect(self._on_model_picker_text_changed)
        self.retirement = retirement_label()
        self.spend_label = QLabel()
        self.spend_label.setStyleSheet("color: #777")
        self.spend_label.setToolTip("What this dialogue has cost so far (regenerated replies too)")
        self._fill_models(self.catalog.cached(), default_model)
        self.new_button = QPushButton("New chat")
        self.new_button.setToolTip("Start a new dialogue (Ctrl+N)")
        self.new_button.clicked.connect(self.new_dialogue)
        self.regenerate_button = QPushButton("Regenerate")
        self.regenerate_button.setToolTip("Ask again for the last reply (Ctrl+R)")
        self.regenerate_button.setEnabled(False)
        self.regenerate_button.clicked.connect(lambda: self.tasks.spawn(self.regenerate()))

        top = QHBoxLayout()
        top.addWidget(QLabel("Model:"))
        top.addWidget(self.model_picker, 1)
        top.addWidget(self.spend_label)
        top.addWidget(self.regenerate_button)
        top.addWidget(self.new_button)

        self.header = AssistantHeader()
        self.header.cleared.connect(lambda: self.set_assistant(None))

        self.system_edit = QPlainTextEdit()
        self.system_edit.setPlaceholderText(
            "System instruction (optional): how the assistant should behave in this dialogue"
        )
        self.system_edit.setMaximumHeight(60)
        self.system_edit.setTabChangesFocus(True)

        self.banner = NoticeBanner()
        self.banner.action_requested.connect(self._on_banner_action_requested)
        self._banner_action: Callable[[], None] | None = None
        self.thumbnails = ThumbnailCache(self.chat.store.attachment_path)
        self.transcript = TranscriptView(thumbnails=self.thumbnails)
        self.transcript.ratable = True
        self.transcript.editable = True
        self.transcript.action_requested.connect(self._on_transcript_action_requested)
        self.transcript.image_opened.connect(self._on_transcript_image_opened)
        self.transcript.code_copied.connect(
            lambda _code: self.show_notice("Code copied to the clipboard.", "info")
        )

        # composer: the box, its attachments and notes; `input` stays the text box
        self.composer = Composer()
        self.input = self.composer.input
        self.composer.submitted.connect(lambda: self.tasks.spawn(self.send()))
        self.model_changed.connect(self.composer.set_model)
        self.composer.set_model(self.model)
        self.setAcceptDrops(True)  # composer: a drop anywhere on the tab attaches
        self.send_button = QPushButton("Send")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(lambda: self.tasks.spawn(self.send()))
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop the reply (Esc)")
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.hide()
        bottom = QHBoxLayout()
        bottom.addWidget(self.composer, 1)  # composer
        buttons = QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        bottom.addLayout(buttons)
        composer = QWidget()
        composer.setLayout(bottom)
        bottom.setContentsMargins(0, 0, 0, 0)

        splitter = QSplitter()
        splitter.setOrientation(splitter.orientation().Vertical)
        splitter.addWidget(self.transcript)
        splitter.addWidget(composer)
        splitter.setStretchFactor(0, 1)
        splitter.setCollapsible(1, False)
        splitter.setSizes([10_000, 90])  # the dialogue gets the room; the box stays small

        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addLayout(top)
        layout.addWidget(self.retirement)
        layout.addWidget(self.system_edit)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)

        stop = QShortcut(QKeySequence(QKeySequence.StandardKey.Cancel), self)
        stop.activated.connect(self.stop)
        self.setFocusProxy(self.input)

    def _fill_models(self, models: list[str], preferred: str) -> None:
        current = self.model_picker.currentText() or preferred
        self.model_picker.blockSignals(True)
        self.model_picker.clear()
        names = list(dict.fromkeys([*models, current] if current else models))
        self.model_picker.addItems(sorted(names))
        self.model_picker.setCurrentText(current)
        self.model_picker.blockSignals(False)
        mark_models(
            self.model_picker,
            self.catalog.retirement,
            self.catalog.today(),
            self.catalog.descriptions(),
        )
        self.model_changed.emit(current)
        self._on_model_picker_text_changed(current)

    def _on_model_picker_text_changed(self, model: str) -> None:
        show_retirement(self.retirement, self.catalog.retirement(model), self.catalog.today())

    def show_cached_models(self) -> None:
        """Refill the picker from the cache (a fine-tuned model was just added to it)."""
        self._fill_models(self.catalog.cached(), self.model)

    # --- notices -------------------------------------------------------------------------

    def show_notice(
        self,
        text: str,
        level: str = "error",
        action: str = "",
        on_action: Callable[[], None] | None = None,
    ) -> None:
        """Say something at the top of the tab; `action` labels a button (default: Settings)."""
        self._banner_action = on_action or self.settings_requested.emit
        self.banner.show_message(text, level, action)

    def _on_banner_action_requested(self) -> None:
        action = self._banner_action
        self.banner.clear()
        if action is not None:
            action()

    def show_setup_hint(self) -> None:
        """What is missing to chat, and how to fix it — shown instead of failing on send."""
        self.show_notice(
            f"No API key is set for {self.chat.gateway.config.label}. Add one in Settings, or "
            "point Parley at a local server (Ollama, LM Studio, llama.cpp). History works "
            "without one.",
            "warning",
            "Open Settings…",
        )

    def show_error(self, error: GatewayError) -> None:
        action = "Open Settings…" if error.kind is ErrorKind.AUTH else ""
        self.show_notice(error.message, "error", action)
        if error.kind in OFFLINE_KINDS:
            self.connection_changed.emit("offline")

    def _on_task_error(self, exc: BaseException) -> None:
        self.show_notice(f"Something went wrong: {exc}", "error")
        self._set_busy(False)

    # --- state ---------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def model(self) -> str:
        return self.model_picker.currentText().strip()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.send_button.setVisible(not busy)
        self.stop_button.setVisible(busy)
        self.regenerate_button.setEnabled(not busy and self.transcript.message_count > 0)
        self.new_button.setEnabled(not busy)
        self.busy_changed.emit(busy)

    def new_dialogue(self) -> None:
        if self._busy:
            return
        self.dialogue_id = None
        self.transcript.clear_dialogue()
        self.spend_label.clear()
        self.banner.clear()
        self.regenerate_button.setEnabled(False)
        self.input.setFocus()

    def set_assistant(self, profile: AssistantProfile | None) -> None:
        """Answer the next message with this assistant: its model and instructions fill the
        picker and the instruction box (both stay editable for this dialogue)."""
        previous, self.assistant = self.assistant, profile
        self.header.show_assistant(profile)
        if profile is not None:
            self.model_picker.setCurrentText(profile.model)
            self.system_edit.setPlainText(profile.instructions)
        elif previous is not None and self._system() == previous.instructions.strip():
            self.system_edit.clear()
        self.assistant_changed.emit(profile)

    def open_dialogue(self, dialogue_id: int) -> None:
        """Continue a stored dialogue (used by History), with the assistant it was held with."""
        dialogue = self.chat.store.get_dialogue(dialogue_id)
        if dialogue is None or self._busy:
            return
        self.dialogue_id = dialogue_id
        self.set_assistant(self.chat.assistant_for_dialogue(dialogue_id))
        self.system_edit.setPlainText(dialogue.system)
        if dialogue.model:
            self.model_picker.setCurrentText(dialogue.model)
        self.transcript.show_messages(dialogue.messages)
        self.regenerate_button.setEnabled(bool(dialogue.messages))
        self.spend_label.clear()
        self.tasks.spawn(self.refresh_spend())
        retiring = self.catalog.retirement(dialogue.model) if dialogue.model else None
        if retiring is not None:
            self.show_notice(
                f"{retiring.sentence(self.catalog.today())} Pick another model above to carry "
                "on with this dialogue.",
                "warning",
            )

    async def refresh_spend(self) -> None:
        """Show what the open dialogue has cost (read off the UI thread)."""
        dialogue_id = self.dialogue_id
        if dialogue_id is None:
            return
        spent = await asyncio.to_thread(self.chat.store.dialogue_spend, dialogue_id)
        if dialogue_id == self.dialogue_id:
            self.spend_label.setText(f"This dialogue: {spent.label}" if spent else "")

    def _on_transcript_action_requested(self, name: str, message_id: int) -> None:
        """An action on a message of the transcript (its bar, its menu, or a key)."""
        if name in ("rate_up", "rate_down"):
            message = self.transcript.message(message_id)
            value = 1 if name == "rate_up" else -1
            self.rate(message_id, 0 if message is not None and message.rating == value else value)
        elif name in ("copy", "copy_plain"):
            self.show_notice("Message copied to the clipboard.", "info")
        elif name == "regenerate":
            self.tasks.spawn(self.regenerate())

    def rate(self, message_id: int, rating: int) -> None:
        """👍/👎 on a reply (0 takes it back): stored at once (Training builds datasets)."""
        try:
            self.chat.store.rate_message(message_id, rating)
        except StoreError as exc:
            self.show_notice(f"The rating could not be saved: {exc}")
            return
        message = self.transcript.message(message_id)
        if message is not None:
            message.rating = rating
            self.transcript.replace_message(message)

    def _on_transcript_image_opened(self, attachment: object) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        path = self.thumbnails.full_path(attachment)  # type: ignore[arg-type]
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    # --- actions -------------------------------------------------------------------------

    def stop(self) -> None:
        if self._reply_task is not None and not self._reply_task.done():
            self._reply_task.cancel()

    async def refresh_models(self) -> None:
        if not self.chat.gateway.config.has_key:
            return
        try:
            models = await self.catalog.refresh()
        except GatewayError as error:
            if error.kind in OFFLINE_KINDS:
                self.connection_changed.emit("offline")
            elif error.kind is ErrorKind.AUTH:
                self.connection_changed.emit("key refused")
                self.show_error(error)  # say so now, not after the user has typed a message
            else:
                self.connection_changed.emit("online")  # reachable, just no model list
            return
        self._fill_models(models, self.model)
        self.connection_changed.emit("online")

    async def send(self) -> None:
        if self.composer.empty or self._busy:  # composer
            return
        if not self.chat.gateway.config.has_key:
            self.show_setup_hint()  # the text stays in the box
            return
        if not self.model:
            self.show_notice("Pick a model first (the list above the dialogue).", "warning")
            return
        if not self.composer.ready_to_send():  # composer: sends itself once images are ready
            return
        text, images = self.composer.message_text(), self.composer.prepared_images()  # composer
        moved = self.dialogue_id is not None and not self.chat.store.is_live(self.dialogue_id)
        if moved:  # trashed or deleted in History meanwhile: never write into it
            self.new_dialogue()
        try:
            turn = self.chat.prepare(
                self.dialogue_id, text, self.model, self._system(), self.assistant, images=images
            )
        except StoreError as exc:
            self.show_notice(f"Your message could not be saved, so it was not sent: {exc}")
            return
        self.composer.clear()  # composer
        self.dialogue_id = turn.dialogue_id
        assert turn.user_message is not None
        self.transcript.add_message(turn.user_message)
        await self._stream(turn)
        if moved and not self.banner.isVisible():  # an error from the reply says more
            self.show_notice(
                "The dialogue shown here was deleted in History, so this message started a "
                "new one.",
                "info",
            )

    async def regenerate(self) -> None:
        if self._busy or self.dialogue_id is None:
            return
        if not self.chat.store.is_live(self.dialogue_id):
            self.show_notice("This dialogue was deleted in History; there is nothing to redo.")
            return
        try:
            turn = self.chat.prepare_regenerate(
                self.dialogue_id, self.model, self._system(), self.assistant
            )
        except (ValueError, StoreError) as exc:
            self.show_notice(str(exc), "warning")
            return
        dialogue = self.chat.store.get_dialogue(self.dialogue_id)
        if dialogue is not None:
            self.transcript.show_messages([m for m in dialogue.messages if m.id != turn.reply.id])
        await self._stream(turn)

    def _system(self) -> str:
        return self.system_edit.toPlainText().strip()

    async def _stream(self, turn: PendingTurn) -> None:
        self.banner.clear()
        self._set_busy(True)
        self.transcript.begin_reply(turn.reply)
        self._reply_task = asyncio.ensure_future(
            self.chat.stream_reply(
                turn, self.transcript.append_reply_text, self.transcript.add_tool_note
            )
        )
        try:
            await self._reply_task
            self.connection_changed.emit("online")
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the tab is closing, not the user pressing Stop
            self.show_notice("Stopped. The part of the reply that arrived is kept.", "info")
        except GatewayError as error:
            self.show_error(error)
        finally:
            self._reply_task = None
            await self.chat.abandon(turn)
            self.transcript.finish_reply(turn.reply)
            self._set_busy(False)
            current = asyncio.current_task()
            if current is None or not current.cancelling():  # not when the tab is closing
                self.tasks.spawn(self.refresh_spend())
            if turn.reply.status is Status.COMPLETE:
                self.input.setFocus()

    # --- composer: a drop anywhere on the tab goes to the composer ------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self.composer.drag_enter(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self.composer.drag_enter(event)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.composer.drag_leave()

    def dropEvent(self, event: QDropEvent) -> None:
        self.composer.drop(event)

    async def shutdown(self) -> None:
        self.stop()
        await self.composer.shutdown()  # composer
        await self.tasks.shutdown()
