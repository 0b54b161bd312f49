"""The Images tab: bring images in (drop, paste, open, links), describe one or all, keep them.

Every slow step runs off the UI thread — reading folders, downloading links, decoding and
preparing images (the describer's worker threads) — so a 60-megapixel photo or a hundred files
never freeze the window. A batch describes four images at a time and can be cancelled.

Signals:
    busy_changed(bool): a batch started or ended.
    chat_requested(int): continue this dialogue (an image's) in the Chat tab.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.image_request import DEFAULT_PROMPT, DETAILS, takes_images
from desktop_app.services.failure_text import failure_message
from desktop_app.services.gateway_errors import GatewayError
from desktop_app.services.image_describer import FINISHED, ImageDescriber, ImageItem, ItemState
from desktop_app.services.model_catalog import ModelCatalog
from desktop_app.ui.images.description_panel import DescriptionPanel
from desktop_app.ui.images.drop_zone import DropZone, payload_from_mime
from desktop_app.ui.images.image_batch import RETRYABLE, ImageBatchMixin
from desktop_app.ui.images.image_intake import ImageIntake
from desktop_app.ui.images.images_model import (
    DESCRIPTION,
    IMAGE,
    STATE,
    THUMBNAIL_SIZE,
    ImagesModel,
)
from desktop_app.ui.task_keeper import TaskKeeper
from desktop_app.ui.widgets.icon_buttons import icon_button, labelled_button
from desktop_app.ui.widgets.model_picker import ModelPicker
from desktop_app.ui.widgets.notice_banner import NoticeBanner

if TYPE_CHECKING:
    from desktop_app.services.provider_sessions import ProviderSessions

OPEN_FILTER = (
    "Images (*.png *.jpg *.jpeg *.webp *.gif *.bmp *.tif *.tiff *.heic *.avif *.ico);;All files (*)"
)
SAVE_FILTER = "CSV (*.csv);;JSON Lines (*.jsonl)"


class ImagesTab(ImageBatchMixin, QWidget):
    busy_changed = Signal(bool)
    chat_requested = Signal(int)

    def __init__(
        self,
        describer: ImageDescriber,
        catalog: ModelCatalog,
        default_model: str,
        parent: QWidget | None = None,
        others: ProviderSessions | None = None,
        main_label: Callable[[], str] = str,
    ) -> None:
        """`others`: the providers beside the main one (their models that take images are
        offered under their names); `main_label`: what the main provider is called."""
        super().__init__(parent)
        self.describer = describer
        self.catalog = catalog
        self.others = others
        self.main_label = main_label
        self.model = ImagesModel(self)
        self.tasks = TaskKeeper(on_error=self._on_task_error)
        self._batch: asyncio.Task | None = None
        self._batch_keys: set[int] = set()
        self.intake = ImageIntake(self.model, describer, self.tasks)
        self.intake.added.connect(self._on_intake_added)
        self.intake.notice.connect(self.show_notice)
        self._build()
        self._fill_models([m for m in catalog.cached() if takes_images(m)], default_model)
        self.model.item_updated.connect(self._on_model_item_updated)
        self.model.text_arrived.connect(self._on_model_text_arrived)

    # --- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        self.drop_zone = DropZone()
        self.drop_zone.dropped.connect(
            lambda payload: self.tasks.spawn(self.intake.add_payload(payload))
        )
        self.drop_zone.open_requested.connect(self.open_files)
        self.open_button = self._button("folder", "Open…", "Choose image files", self.open_files)
        self.remove_button = self._button(
            "delete", "", "Remove the selected images (Del)", self.remove
        )
        self.clear_button = self._button(
            "close", "", "Clear: remove every image from the list", self.clear
        )
        self.count_label = QLabel()
        files = QHBoxLayout()
        for widget in (self.open_button, self.remove_button, self.clear_button):
            files.addWidget(widget)
        files.addStretch(1)
        files.addWidget(self.count_label)

        self.banner = NoticeBanner()

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setIconSize(THUMBNAIL_SIZE)
        self.table.verticalHeader().setDefaultSectionSize(70)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(IMAGE, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(STATE, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(IMAGE, 220)
        header.resizeSection(STATE, 150)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)

        self.panel = DescriptionPanel()
        self.panel.edited.connect(self._on_panel_edited)
        self.panel.chat_requested.connect(self.chat_requested)
        self.panel.copied.connect(lambda _t: self.show_notice("Description copied.", "info"))
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        self.prompt_edit = QPlainTextEdit(DEFAULT_PROMPT)
        self.prompt_edit.setMaximumHeight(56)
        self.prompt_edit.setTabChangesFocus(True)
        self.prompt_edit.setToolTip("What to ask about each image")
        self.detail_picker = QComboBox()
        self.detail_picker.addItems(list(DETAILS))
        self.detail_picker.setToolTip(
            "low: a 512-pixel view, fast and cheap; high: up to 2048×768 pixels; "
            "auto: the model decides"
        )
        self.model_picker = ModelPicker()
        self.model_picker.setMinimumContentsLength(16)
        self.model_picker.setToolTip(
            "Models that take images: type part of a name to find it, or any other name to try"
        )
        self.describe_button = self._button(
            "image",
            "Describe selected",
            "Describe the selected images",
            self._spawn(self.describe_selected),
        )
        self.describe_all_button = labelled_button(
            "play", "Describe all", "Describe every image not described yet"
        )
        self.describe_all_button.clicked.connect(self._spawn(self.describe_all))
        self.describe_all_button.setDefault(True)
        self.cancel_button = self._button("stop", "Cancel", "Stop the batch (Esc)", self.cancel)
        self.cancel_button.hide()
        self.progress = QProgressBar()
        self.progress.setFormat("%v of %m")
        self.progress.hide()
        self.save_button = self._button(
            "save", "", "Save the descriptions as CSV or JSON Lines", self.choose_save_file
        )
        settings = QHBoxLayout()
        settings.addWidget(QLabel("Detail:"))
        settings.addWidget(self.detail_picker)
        settings.addWidget(QLabel("Model:"))
        settings.addWidget(self.model_picker, 1)
        controls: tuple[QWidget, ...] = (
            self.describe_button,
            self.describe_all_button,
            self.cancel_button,
            self.progress,
            self.save_button,
        )
        for control in controls:
            settings.addWidget(control)

        layout = QVBoxLayout(self)
        layout.addWidget(self.drop_zone)
        layout.addLayout(files)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        prompt_row = QHBoxLayout()
        prompt_row.addWidget(QLabel("Prompt:"), 0, Qt.AlignmentFlag.AlignTop)
        prompt_row.addWidget(self.prompt_edit, 1)
        layout.addLayout(prompt_row)
        layout.addLayout(settings)

        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        paste = QShortcut(QKeySequence(QKeySequence.StandardKey.Paste), self, context=context)
        paste.activated.connect(self.paste)
        cancel = QShortcut(QKeySequence(QKeySequence.StandardKey.Cancel), self, context=context)
        cancel.activated.connect(self.cancel)
        remove = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table)
        remove.activated.connect(self.remove)
        self._update_buttons()

    def _button(
        self, icon_name: str, text: str, tip: str, slot: Callable[[], object]
    ) -> QAbstractButton:
        """A button with an icon and text, or (no text) an icon with a tooltip."""
        button: QAbstractButton = (
            labelled_button(icon_name, text, tip) if text else icon_button(icon_name, tip)
        )
        button.clicked.connect(lambda: slot())
        return button

    def _spawn(self, make: Callable[[], object]) -> Callable[[], object]:
        return lambda: self.tasks.spawn(make())  # type: ignore[arg-type]

    # --- notices and state ---------------------------------------------------------------

    def show_notice(self, text: str, level: str = "error") -> None:
        self.banner.show_message(text, level)

    def _on_task_error(self, exc: BaseException) -> None:
        self.show_notice(failure_message("That action in the Images tab", exc))
        self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy)
        self._update_buttons()
        self.busy_changed.emit(busy)

    def _update_buttons(self) -> None:
        busy, items = self.busy, self.model.items
        self.describe_button.setEnabled(not busy and self.table.selectionModel().hasSelection())
        self.describe_all_button.setEnabled(not busy and any(i.state in RETRYABLE for i in items))
        self.remove_button.setEnabled(not busy and self.table.selectionModel().hasSelection())
        self.clear_button.setEnabled(not busy and bool(items))
        self.save_button.setEnabled(any(i.description for i in items))
        done = sum(i.state is ItemState.DONE for i in items)
        self.count_label.setText(f"{len(items)} image(s), {done} described" if items else "")

    def _fill_models(self, models: list[str], preferred: str) -> None:
        """The main provider's models that take images, then each other provider's."""
        current, owner = self.model_name or preferred, self.model_picker.provider_id
        if current and not owner and not takes_images(current) and models:
            current = models[0]  # the chat default may not see images; a model that does
        groups = [
            replace(group, models=tuple(m for m in group.models if takes_images(m)))
            for group in (self.others.groups() if self.others is not None else [])
        ]
        self.model_picker.fill(self.main_label(), models, groups, current, owner)

    def show_cached_models(self) -> None:
        """Refill the picker from the caches (another provider's list has arrived)."""
        self._fill_models([m for m in self.catalog.cached() if takes_images(m)], self.model_name)

    async def refresh_models(self) -> None:
        """Models that take images, as the server says, else as the cache's names suggest."""
        if not self.describer.chat.gateway.config.has_key:
            return
        try:
            models = await self.describer.vision_models()
        except GatewayError:
            models = [m for m in self.catalog.cached() if takes_images(m)]
        self._fill_models(models, self.model_name)

    # --- bringing images in --------------------------------------------------------------

    def paste(self) -> None:
        payload = payload_from_mime(QGuiApplication.clipboard().mimeData())
        if payload.empty:
            self.show_notice("The clipboard holds no image, image file or image link.", "info")
            return
        self.tasks.spawn(self.intake.add_payload(payload))

    def open_files(self) -> None:
        dialog = QFileDialog(self, "Open images", self.intake.last_folder, OPEN_FILTER)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.filesSelected.connect(
            lambda names: self.tasks.spawn(self.intake.add_paths([Path(n) for n in names]))
        )
        self.open_dialog = dialog
        dialog.open()  # not exec(): the event loop keeps running

    def remove(self) -> None:
        if self.busy:
            return
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()}, reverse=True)
        for row in rows:
            self.model.remove(self.model.item(row))
        self._update_buttons()

    def clear(self) -> None:
        if not self.busy:
            self.panel.show_item(None)
            self.model.clear()
            self._update_buttons()

    # --- results -------------------------------------------------------------------------

    def choose_save_file(self) -> None:
        dialog = QFileDialog(self, "Save descriptions", self.intake.last_folder, SAVE_FILTER)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")
        dialog.fileSelected.connect(
            lambda name: self.tasks.spawn(self.save_descriptions(Path(name)))
        )
        self.save_dialog = dialog
        dialog.open()

    async def save_descriptions(self, path: Path) -> None:
        try:
            count = await self.describer.save_descriptions(path, self.model.items)
        except OSError as exc:
            self.show_notice(failure_message(f"Saving to {path.name}", exc))
            return
        self.show_notice(f"Saved {count} description(s) to {path}.", "info")

    # --- reacting ------------------------------------------------------------------------

    def _on_intake_added(self, items: list[ImageItem]) -> None:
        if not self.table.currentIndex().isValid():
            self.table.selectRow(self.model.row_of(items[0]))
        self._update_buttons()

    def _on_table_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item = self.model.item(current.row()) if current.isValid() else None
        self.panel.show_item(item, self.model.preview(item) if item else None)
        self._update_buttons()

    def _on_model_item_updated(self, item: ImageItem) -> None:
        if item is self.panel.item:
            self.panel.sync(self.model.preview(item))
        if item.key in self._batch_keys:
            finished = sum(
                i.state in FINISHED for i in self.model.items if i.key in self._batch_keys
            )
            self.progress.setValue(finished)
        self._update_buttons()

    def _on_model_text_arrived(self, item: ImageItem, text: str) -> None:
        if item is self.panel.item:
            self.panel.append(text)

    def _on_panel_edited(self, item: ImageItem, text: str) -> None:
        self.describer.save_edit(item, text)
        self.model.item_changed(item)

    async def shutdown(self) -> None:
        self.cancel()
        self.panel.flush_edit()
        await self.tasks.shutdown()
