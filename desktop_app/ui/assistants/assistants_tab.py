"""The Assistants tab: the user's assistants — create, duplicate, edit, delete (with undo),
import/export as JSON, make one active for the Chat tab — and the server's old ones to copy.

Every button starts a public coroutine through the tab's TaskKeeper; each says what happened
in the tab's banner, never in a dialog or a traceback.

Signals:
    activation_requested(object): "Set active" for this AssistantProfile.
    assistant_saved(object): an AssistantProfile was saved (the Chat tab refreshes it if active).
    assistant_deleted(int): the assistant with this id was deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QListView,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.assistants import AssistantProfile, duplicate, unique_name, validate
from desktop_app.services.assistant_remote import AssistantRemote, AssistantsApiMissing
from desktop_app.services.failure_text import failure_message, report_failure
from desktop_app.services.gateway_errors import GatewayError
from desktop_app.services.knowledge_bases import KnowledgeBases
from desktop_app.services.provider_sessions import ModelGroup
from desktop_app.services.store import StoreError
from desktop_app.ui.assistants.assistant_editor import AssistantEditor, FieldError
from desktop_app.ui.assistants.assistant_transfers import (
    AssistantRecordsLike,
    AssistantTransfersMixin,
)
from desktop_app.ui.assistants.assistants_model import AssistantsModel
from desktop_app.ui.assistants.knowledge_panel import GatewayFor, KnowledgePanel
from desktop_app.ui.assistants.server_assistants_panel import ServerAssistantsPanel
from desktop_app.ui.task_keeper import TaskKeeper
from desktop_app.ui.widgets.file_dialogs import open_file_dialog
from desktop_app.ui.widgets.icon_buttons import icon_button, labelled_button
from desktop_app.ui.widgets.notice_banner import NoticeBanner
from desktop_app.ui.widgets.retirement_marks import RetirementLookup


class AssistantsTab(AssistantTransfersMixin, QWidget):
    activation_requested = Signal(object)
    assistant_saved = Signal(object)
    assistant_deleted = Signal(int)

    def __init__(
        self,
        records: AssistantRecordsLike,
        remote: AssistantRemote,
        known_models: Callable[[], list[str]],
        default_model: str,
        parent: QWidget | None = None,
        retirement: RetirementLookup | None = None,
        model_tips: Callable[[], dict[str, str]] | None = None,
        today: Callable[[], date] = date.today,
        other_models: Callable[[], list[ModelGroup]] | None = None,
        main_label: Callable[[], str] | None = None,
    ) -> None:
        """`other_models`: the other providers' models, offered under their names (an
        assistant may run on any of them); `main_label`: what the main provider is called."""
        super().__init__(parent)
        self.other_models = other_models or list
        self.main_label = main_label or str
        self.retirement = retirement  # model → its retirement if due soon (flags assistants)
        self.today = today
        self.records = records
        self.remote = remote
        self.known_models = known_models
        self.model_tips = model_tips or dict
        self.default_model = default_model
        self.tasks = TaskKeeper(
            on_error=lambda exc: self.show_notice(
                failure_message("That action in the Assistants tab", exc)
            )
        )
        self.model = AssistantsModel(self, retirement, today)
        self.file_dialog: QFileDialog | None = None
        self._build()
        self.refresh()

    # --- layout --------------------------------------------------------------------------

    def _button(
        self, icon_name: str, tip: str, make: Callable[[], object], text: str = ""
    ) -> QAbstractButton:
        button: QAbstractButton = (
            labelled_button(icon_name, text, tip) if text else icon_button(icon_name, tip)
        )
        button.clicked.connect(lambda: self.tasks.spawn(make()))  # type: ignore[arg-type]
        return button

    def _build(self) -> None:
        self.banner = NoticeBanner()
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.selectionModel().currentChanged.connect(self._on_view_current_changed)
        self.view.doubleClicked.connect(lambda _i: self.tasks.spawn(self.set_active_selected()))
        self.new_button = self._button("plus", "Create an assistant", self.new_assistant)
        self.duplicate_button = self._button(
            "copy", "Duplicate: copy the selected assistant", self.duplicate_selected
        )
        self.delete_button = self._button(
            "delete", "Delete the selected assistant (can be undone)", self.delete_selected
        )
        self.activate_button = self._button(
            "star",
            "Use the selected assistant in the Chat tab",
            self.set_active_selected,
            text="Set active",
        )
        self.import_button = icon_button(
            "download", "Import assistants from a JSON file (also the seed's format)"
        )
        self.import_button.clicked.connect(self.open_import_dialog)
        self.export_button = icon_button("upload", "Export every assistant to a JSON file")
        self.export_button.clicked.connect(self.open_export_dialog)
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.view, 1)
        line = QHBoxLayout()
        for button in (
            self.new_button,
            self.duplicate_button,
            self.delete_button,
            self.import_button,
            self.export_button,
        ):
            line.addWidget(button)
        line.addStretch(1)
        line.addWidget(self.activate_button)
        left.addLayout(line)
        self.server_panel = ServerAssistantsPanel()
        self.server_panel.load_requested.connect(
            lambda: self.tasks.spawn(self.load_server_assistants())
        )
        self.server_panel.copy_requested.connect(
            lambda assistant_id: self.tasks.spawn(self.copy_server_assistant(assistant_id))
        )
        server_box = QGroupBox("Server assistants")
        QVBoxLayout(server_box).addWidget(self.server_panel)
        left.addWidget(server_box)
        left_widget = QWidget()
        left_widget.setLayout(left)

        self.editor = AssistantEditor(retirement=self.retirement, today=self.today)
        self.editor.save_requested.connect(lambda: self.tasks.spawn(self.save()))
        self.editor.revert_requested.connect(lambda: self.tasks.spawn(self.revert()))
        self.editor.add_files_requested.connect(self.open_files_dialog)
        splitter = QSplitter()
        splitter.addWidget(left_widget)
        splitter.addWidget(self.editor)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([280, 700])

        self.pages = QTabWidget()  # Assistants, and Knowledge once `add_knowledge` is called
        self.pages.setDocumentMode(True)
        self.pages.setTabBarAutoHide(True)
        self.pages.addTab(splitter, "Assistants")
        self.knowledge: KnowledgePanel | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.pages, 1)

    def add_knowledge(
        self,
        bases: KnowledgeBases,
        gateway_for: GatewayFor,
        providers: Callable[[], list[tuple[str, str]]],
        models: Callable[[str], list[str]],
    ) -> KnowledgePanel:
        """The Knowledge page beside the assistants (see KnowledgePanel)."""
        self.knowledge = KnowledgePanel(
            bases, gateway_for, providers, models, self.tasks, self.show_notice
        )
        self.pages.addTab(self.knowledge, "Knowledge")

        def offer_bases() -> None:
            self.editor.set_knowledge_bases([(b.id, b.name) for b in bases.all()])

        self.knowledge.bases_changed.connect(offer_bases)
        offer_bases()
        return self.knowledge

    def show_knowledge(self) -> None:
        """The Knowledge page (from the Chat tab's "Manage knowledge…")."""
        if self.knowledge is not None:
            self.pages.setCurrentWidget(self.knowledge)

    # --- notices -------------------------------------------------------------------------

    def show_notice(
        self,
        text: str,
        level: str = "error",
        action: str = "",
        on_action: Callable[[], None] | None = None,
        details: str = "",
    ) -> None:
        self.banner.show_message(text, level, action, on_action, details)

    def show_server_error(self, error: GatewayError, context: str = "") -> None:
        """A server's answer: its reason by the first sentence, the rest behind Details…."""
        text, details = error.trimmed(context)
        self.show_notice(text, details=details)

    # --- list and selection ----------------------------------------------------------------

    def refresh(self, select_id: int | None = None) -> None:
        """Reload from the store, keeping (or moving) the selection."""
        keep = select_id if select_id is not None else self.selected_id
        self.model.set_profiles(self.records.list_assistants())
        self.refresh_models()
        row = self.model.row_of(keep)
        if row < 0 and self.model.rowCount():
            row = 0
        if row >= 0:
            self.select_row(row)
        else:
            self.editor.load(AssistantProfile(unique_name("New assistant", []), self.default_model))

    @property
    def selected_id(self) -> int | None:
        profile = self.model.profile(self.view.currentIndex().row())
        return profile.id if profile else None

    @property
    def selected(self) -> AssistantProfile | None:
        return self.model.profile(self.view.currentIndex().row())

    def select_row(self, row: int) -> None:
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.view.selectionModel().setCurrentIndex(self.model.index(row), flags)

    def _on_view_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        profile = self.model.profile(current.row())
        if profile is not None:
            self.editor.load(profile)

    def showEvent(self, event: QShowEvent) -> None:
        # The model list (and the retirement dates in it) may have been fetched since.
        self.refresh_models()
        self.model.refresh_marks()
        super().showEvent(event)

    def refresh_models(self) -> None:
        """Offer the known models (a fine-tuned one may just have been made)."""
        self.editor.set_models(
            self.known_models(), self.model_tips(), self.other_models(), self.main_label()
        )

    def mark_active(self, profile: AssistantProfile | None) -> None:
        """Show which assistant the Chat tab uses (it may change there too)."""
        self.model.set_active(profile.id if profile else None)

    def set_tools_available(self, available: bool, reason: str = "") -> None:
        self.editor.set_tools_available(available, reason)

    def set_mcp_servers(self, names: list[str]) -> None:
        """The MCP servers in Settings → Tools, by name, for the editor to offer."""
        self.editor.set_mcp_servers(names)

    # --- create, edit, delete ------------------------------------------------------------

    async def new_assistant(self) -> None:
        """A blank assistant in the editor; it is stored when saved."""
        self.view.selectionModel().clearCurrentIndex()
        self.view.clearSelection()
        names = [p.name for p in self.model.profiles]
        self.editor.load(AssistantProfile(unique_name("New assistant", names), self.default_model))
        self.editor.name.setFocus()
        self.editor.name.selectAll()

    async def save(self) -> AssistantProfile | None:
        try:
            profile = self.editor.profile()
        except FieldError as exc:
            self.editor.show_problems([exc.problem])
            return None
        problems = validate(profile, self.known_models())
        if problems:
            self.editor.show_problems(problems)
            self.show_notice("Fix the marked fields, then save again.", "warning")
            return None
        try:
            saved = self.records.save_assistant(profile)
        except StoreError as exc:
            self.show_notice(report_failure("Saving the assistant", exc))
            return None
        self.editor.clear_problems()
        self.banner.clear()
        self.refresh(saved.id)
        self.assistant_saved.emit(saved)
        return saved

    async def revert(self) -> None:
        profile = self.selected
        if profile is not None:
            self.editor.load(profile)
        else:
            await self.new_assistant()

    async def duplicate_selected(self) -> None:
        profile = self.selected
        if profile is None:
            return
        copy = self.records.save_assistant(
            duplicate(profile, [p.name for p in self.model.profiles])
        )
        self.refresh(copy.id)
        self.show_notice(f"Made “{copy.name}”; edit it and save.", "info")

    async def delete_selected(self) -> None:
        profile = self.selected
        if profile is None or profile.id is None:
            return
        self.records.delete_assistant(profile.id)
        self.refresh()
        self.assistant_deleted.emit(profile.id)
        self.show_notice(
            f"Deleted “{profile.name}”.", "info", "Undo", lambda: self.undo_delete(profile)
        )

    def undo_delete(self, profile: AssistantProfile) -> None:
        assert profile.id is not None
        self.records.restore_assistant(profile.id)
        self.refresh(profile.id)

    async def set_active_selected(self) -> None:
        profile = self.selected
        if profile is not None:
            self.activation_requested.emit(profile)
            self.show_notice(f"“{profile.name}” now answers in the Chat tab.", "info")

    # --- the server ------------------------------------------------------------------------

    async def load_server_assistants(self) -> None:
        self.server_panel.load_button.setEnabled(False)
        try:
            items = await self.remote.list_server_assistants()
        except AssistantsApiMissing as exc:
            self.server_panel.show_unavailable(str(exc))
        except GatewayError as exc:
            self.server_panel.show_unavailable(*exc.trimmed())
        else:
            self.server_panel.show_items(items)
        finally:
            self.server_panel.load_button.setEnabled(True)

    async def copy_server_assistant(self, assistant_id: str) -> AssistantProfile | None:
        try:
            profile = await self.remote.copy_server_assistant(assistant_id, self.default_model)
        except AssistantsApiMissing as exc:
            self.server_panel.show_unavailable(str(exc))
            return None
        except GatewayError as exc:
            self.show_server_error(exc)
            return None
        [saved] = self.records.add_assistants([profile])
        self.refresh(saved.id)
        self.show_notice(
            f"Copied “{saved.name}” from the server; it is now a local assistant.", "info"
        )
        return saved

    # --- files for file search ---------------------------------------------------------------

    def open_files_dialog(self) -> None:
        self.file_dialog = open_file_dialog(
            self,
            "Add files for file search",
            lambda paths: self.tasks.spawn(self.add_files(paths)),
            many=True,
        )

    async def add_files(self, paths: Sequence[str | Path]) -> None:
        """Upload to the assistant's vector store and save it (it must be saved first)."""
        profile = self.selected
        if profile is None:
            self.show_notice("Save the assistant first, then add files to it.", "warning")
            return
        self.editor.add_files_button.setEnabled(False)
        try:
            updated = await self.remote.add_files(profile, [Path(p) for p in paths])
        except GatewayError as exc:
            self.show_server_error(exc)
            return
        finally:
            self.editor.add_files_button.setEnabled(True)
        self.records.save_assistant(updated)
        self.editor.set_files(updated)  # what is typed but not saved stays in the form
        self.model.replace(updated)
        self.assistant_saved.emit(updated)
        count = len(paths)
        self.show_notice(f"Added {count} file{'s' if count != 1 else ''} for file search.", "info")

    async def shutdown(self) -> None:
        await self.tasks.shutdown()
