"""The Chat tab's controls around the transcript: the model bar, the assistant header, the
system instruction, the notice banner, the bar that says a message is being edited, and the
composer with Send and Stop. A mixin of ChatTab (which owns the conversation logic)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.dialogue import Message
from desktop_app.core.providers import provider_label
from desktop_app.core.reply_endings import CONTINUE_TEXT, ending_notice
from desktop_app.services.gateway_errors import ErrorKind, GatewayError
from desktop_app.ui.chat.assistant_header import AssistantHeader
from desktop_app.ui.chat.composer import Composer
from desktop_app.ui.icons import set_icon
from desktop_app.ui.widgets.fitting_label import FittingLabel
from desktop_app.ui.widgets.model_picker import ModelPicker
from desktop_app.ui.widgets.notice_banner import NoticeBanner
from desktop_app.ui.widgets.retirement_marks import mark_models, retirement_label, show_retirement

if TYPE_CHECKING:
    from desktop_app.services.chat_session import ChatSession
    from desktop_app.services.model_catalog import ModelCatalog
    from desktop_app.services.provider_sessions import ProviderSessions
    from desktop_app.ui.task_keeper import TaskKeeper

# The connection state an error shows: a server that answered before and now only keeps the
# user waiting is "not answering", not "offline" (the network may be fine).
MODELS_FAILED = "Parley could not get the list of models from this server."
CONNECTION_AFTER = {ErrorKind.OFFLINE: "offline", ErrorKind.TIMEOUT: "no answer"}


class ChatControls:
    if TYPE_CHECKING:  # provided by ChatTab
        chat: ChatSession
        catalog: ModelCatalog
        others: ProviderSessions | None
        tasks: TaskKeeper
        editing: Message | None
        transcript: Any
        model_changed: Any  # the tab's signals
        connection_changed: Any
        settings_requested: Any
        tools_button: Any  # ChatTools's, made before these controls
        knowledge_button: Any  # ChatKnowledge's, likewise
        tool_activity: Any
        approval: Any

        async def send(self, written: str = "") -> None: ...
        async def regenerate(self, reply_id: int | None = None) -> None: ...
        def new_dialogue(self) -> None: ...
        def stop(self) -> None: ...
        def set_assistant(self, profile: Any) -> None: ...

    def build_controls(self, default_model: str, transcript: QWidget) -> QWidget:
        """The middle column: bars above the transcript, the composer below it."""
        self.model_picker = ModelPicker()
        self.model_picker.setMinimumContentsLength(14)
        self.model_picker.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.model_picker.setToolTip(
            "Model for the next message: type part of a name to find it, or any name the "
            "server knows"
        )
        self.model_picker.setAccessibleName("Model")
        self.model_picker.currentTextChanged.connect(self._on_model_picker_text_changed)
        self.retirement = retirement_label()
        self.spend_label = FittingLabel()  # narrow: "103 tokens · $0.00003", never "103 toke"
        self.spend_label.setEnabled(False)  # drawn in the palette's muted text colour
        self.spend_label.setToolTip("What this dialogue has cost so far (every version counts)")
        cached = self.catalog.cached()
        # A model this server has never listed (the OpenAI preset's default, say, on a first
        # start against llama.cpp) gives way to the server's own when its list arrives.
        self._new_provider = default_model not in cached
        self._default_model = default_model
        self._fill_models(cached, default_model)
        self.new_button = self._tool("new-chat", "New chat", "Start a new dialogue (Ctrl+N)")
        self.new_button.clicked.connect(self.new_dialogue)
        self.regenerate_button = self._tool(
            "regenerate", "Regenerate", "Write another version of the last reply (Ctrl+R)"
        )
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
        self.system_edit.setMaximumHeight(52)
        self.system_edit.setTabChangesFocus(True)
        self.system_edit.setAccessibleName("System instruction")
        self.banner = NoticeBanner()

        self.composer = Composer()
        self.input = self.composer.input
        self.composer.submitted.connect(lambda: self.tasks.spawn(self.send()))
        self.model_changed.connect(self.composer.set_model)
        self.composer.set_model(self.model)
        self.send_button = QPushButton("Send")
        set_icon(self.send_button, "send")
        self.send_button.setDefault(True)
        self.send_button.setToolTip("Send the message (Enter)")
        self.send_button.clicked.connect(lambda: self.tasks.spawn(self.send()))
        self.stop_button = QPushButton("Stop")
        set_icon(self.stop_button, "stop")
        self.stop_button.setToolTip("Stop the reply (Esc)")
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.hide()
        self.edit_bar = self._edit_bar()
        bottom = QHBoxLayout()
        bottom.setContentsMargins(0, 0, 0, 0)
        bottom.addWidget(self.composer, 1)
        buttons = QVBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        bottom.addLayout(buttons)

        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(8, 6, 8, 8)
        heading = QHBoxLayout()  # who answers, and what it may use
        heading.addWidget(self.header, 1)
        heading.addWidget(self.tools_button)
        heading.addWidget(self.knowledge_button)
        layout.addLayout(heading)
        layout.addLayout(top)
        layout.addWidget(self.retirement)
        layout.addWidget(self.system_edit)
        layout.addWidget(self.banner)
        layout.addWidget(transcript, 1)
        layout.addWidget(self.tool_activity)
        layout.addWidget(self.approval)
        layout.addWidget(self.edit_bar)
        layout.addLayout(bottom)
        stop = QShortcut(QKeySequence(QKeySequence.StandardKey.Cancel), column)
        stop.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        stop.activated.connect(self.stop)
        return column

    @staticmethod
    def _tool(icon: str, text: str, tip: str) -> QToolButton:
        button = QToolButton()
        set_icon(button, icon)
        button.setText(text)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setToolTip(tip)
        button.setAccessibleName(text)
        return button

    def _edit_bar(self) -> QWidget:
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.edit_label = QLabel(
            "Editing your message: Enter sends it as a new version (the old one is kept)."
        )
        self.edit_label.setWordWrap(True)
        cancel = self._tool("close", "Cancel", "Stop editing; the message stays as it was (Esc)")
        cancel.clicked.connect(lambda: self.cancel_edit())
        row.addWidget(self.edit_label, 1)
        row.addWidget(cancel)
        bar.hide()
        return bar

    # --- editing a message -----------------------------------------------------------------

    def begin_edit(self, message: Message) -> None:
        """Put a message of the user's in the box, to send it again changed."""
        self.editing = message
        self.composer.clear()
        self.input.setPlainText(message.content)
        self.edit_bar.show()
        self.input.setFocus()
        cursor = self.input.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.input.setTextCursor(cursor)

    def cancel_edit(self, keep_text: bool = False) -> None:
        if self.editing is None:
            return
        self.editing = None
        self.edit_bar.hide()
        if not keep_text:
            self.composer.clear()

    # --- models ------------------------------------------------------------------------------

    @property
    def model(self) -> str:
        """The model id to send: the chosen item's (its text may be a shorter label, a file
        name for a llama.cpp path), or what the user typed."""
        return self.model_picker.model_id

    @property
    def provider_id(self) -> str:
        """The provider the chosen model is another provider's ('' the main one's, and a
        name typed that is not listed goes to the main provider)."""
        return self.model_picker.provider_id

    def show_model(self, model_id: str, provider_id: str = "") -> None:
        """Put `model_id` (of `provider_id`, '' the main provider) in the picker: its item if
        listed, else the id as typed text."""
        self.model_picker.show_model(model_id, provider_id)

    def switch_provider(self, default_model: str) -> None:
        """Another server from now on: its models replace the last one's, and the picker
        starts at the settings' default — or, once the server's list arrives without that
        one, at the list's first model. A name left from the old server would be refused by
        a server that checks names, and stored (and priced) as a model that never answered
        by one that ignores them."""
        self._new_provider = True
        self._default_model = default_model
        self._fill_models(self.catalog.cached(), default_model, keep_current=False)

    def _fill_models(self, models: list[str], preferred: str, keep_current: bool = True) -> None:
        """The main provider's models, then each other provider's under its name."""
        owner = self.provider_id if keep_current else ""
        current = (self.model if keep_current else "") or preferred
        groups = self.others.groups() if self.others is not None else []
        config = self.chat.gateway.config
        main_label = provider_label(config.provider, config.base_url or "")
        self.model_picker.fill(main_label, models, groups, current, owner)
        mark_models(
            self.model_picker,
            self.catalog.retirement,
            self.catalog.today(),
            self.catalog.descriptions(),
        )
        self._on_model_picker_text_changed(current)

    def _on_model_picker_text_changed(self, _text: str) -> None:
        model = self.model
        self.model_changed.emit(model)
        show_retirement(self.retirement, self.catalog.retirement(model), self.catalog.today())

    def show_cached_models(self) -> None:
        """Refill the picker from the cache (a fine-tuned model was just added to it)."""
        self._fill_models(self.catalog.cached(), self.model)

    async def refresh_models(self) -> None:
        if not self.chat.gateway.config.has_key:
            return
        try:
            models = await self.catalog.refresh()
        except GatewayError as error:
            if error.kind in CONNECTION_AFTER:
                self.connection_changed.emit(CONNECTION_AFTER[error.kind])
            elif error.kind is ErrorKind.AUTH:
                self.connection_changed.emit("key refused")
                self.show_error(error)  # say so now, not after the user has typed a message
            elif error.kind in (ErrorKind.BAD_REQUEST, ErrorKind.SERVER):
                # It answers, but not with models: a gateway with no key may say "No connected
                # db." to everything. Not "Connected": say what it said, now.
                self.connection_changed.emit("server error")
                self.show_error(error, MODELS_FAILED)
            else:
                self.connection_changed.emit("online")
            return
        # The first list from a new server decides the model — except on Azure, where the
        # name to send is a deployment's, which the list of models does not hold.
        if self._new_provider and self.chat.gateway.config.provider != "azure":
            self._new_provider = False
            choices = [self.model, self._default_model, *models[:1]]
            preferred = next((m for m in choices if m in models), self.model)
            self._fill_models(models, preferred, keep_current=False)
        else:
            self._fill_models(models, self.model)
        self.connection_changed.emit("online")

    # --- notices and busy state --------------------------------------------------------------

    def show_busy(self, busy: bool) -> None:
        self.send_button.setVisible(not busy)
        self.stop_button.setVisible(busy)
        self.regenerate_button.setEnabled(not busy and self.transcript.message_count > 0)

    def show_notice(
        self,
        text: str,
        level: str = "error",
        action: str = "",
        on_action: Callable[[], None] | None = None,
        details: str = "",
    ) -> None:
        """Say something at the top of the tab; `action` labels a button (default: Settings);
        `details` wait behind "Details…"."""
        self.banner.show_message(
            text, level, action, on_action or self.settings_requested.emit, details
        )

    def show_setup_hint(self) -> None:
        """What is missing to chat, and how to fix it — shown instead of failing on send."""
        self.show_notice(
            f"No API key is set for {self.chat.gateway.config.label}. Add one in Settings, or "
            "point Parley at a local server (Ollama, LM Studio, llama.cpp). History works "
            "without one.",
            "warning",
            "Open Settings…",
        )

    def show_ending(self, reply: Message) -> None:
        """Say how a reply ended when it did not plainly finish (cut, at the token limit —
        with Continue —, refused, without text); a finished one says nothing."""
        notice = ending_notice(reply.status, reply.ending, reply.error)
        if notice is None:
            return
        if notice.offers_continue:

            def ask_for_the_rest() -> None:
                self.tasks.spawn(self.send(CONTINUE_TEXT))

            self.show_notice(notice.text, notice.level, "Continue", ask_for_the_rest)
        elif notice.offers_regenerate and reply.id is not None:
            reply_id = reply.id

            def try_again() -> None:
                self.tasks.spawn(self.regenerate(reply_id))

            self.show_notice(notice.text, notice.level, "Regenerate", try_again)
        else:
            self.show_notice(notice.text, notice.level)

    def show_error(self, error: GatewayError, context: str = "") -> None:
        """The error's sentence, after `context` (what Parley was doing) when there is one;
        an error at start-up is about the set-up, so Settings is offered."""
        message, details = error.trimmed(context)
        action = "Open Settings…" if context else ""
        if error.kind is ErrorKind.AUTH or "in Settings" in message:
            action = "Open Settings…"  # a sentence that sends the user there offers the way
        elif error.status in (400, 403) and not self.chat.gateway.config.api_key:
            # Gateways without their key refuse with reasons that do not mention it.
            message += " If this server needs an API key, set it in Settings."
            action = "Open Settings…"
        self.show_notice(message, "error", action, details=details)
        if error.kind in CONNECTION_AFTER:
            self.connection_changed.emit(CONNECTION_AFTER[error.kind])
