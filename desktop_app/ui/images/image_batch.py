"""Describing in the Images tab: one batch at a time (four images at once), progress, Cancel.

`describe` runs the describer's batch as a future the tab keeps, so Cancel (or closing the tab)
can stop it; when it ends, a summary of what failed or was cancelled goes to the banner.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QComboBox, QPlainTextEdit, QProgressBar, QTableView

from desktop_app.core.image_request import DEFAULT_PROMPT
from desktop_app.services.image_describer import ImageDescriber, ImageItem, ItemState
from desktop_app.services.provider_pool import UnknownProvider
from desktop_app.ui.images.images_model import ImagesModel
from desktop_app.ui.widgets.model_picker import ModelPicker
from desktop_app.ui.widgets.notice_banner import NoticeBanner

if TYPE_CHECKING:
    from desktop_app.services.chat_session import ChatSession
    from desktop_app.services.provider_sessions import ProviderSessions

RETRYABLE = (ItemState.QUEUED, ItemState.FAILED, ItemState.CANCELLED)


class ImageBatchMixin:
    """Mixed into ImagesTab, whose describer, model, table, pickers, progress and banner it uses."""

    describer: ImageDescriber
    model: ImagesModel
    table: QTableView
    prompt_edit: QPlainTextEdit
    detail_picker: QComboBox
    model_picker: ModelPicker
    others: ProviderSessions | None
    progress: QProgressBar
    banner: NoticeBanner
    show_notice: Callable[..., None]
    _set_busy: Callable[[bool], None]
    _batch: asyncio.Task[Any] | None
    _batch_keys: set[int]

    @property
    def busy(self) -> bool:
        return self._batch is not None

    @property
    def model_name(self) -> str:
        return self.model_picker.model_id.strip()

    def selected_items(self) -> list[ImageItem]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.item(r) for r in rows]

    async def describe_selected(self) -> None:
        await self.describe(
            [i for i in self.selected_items() if i.state not in (ItemState.LOADING,)]
        )

    async def describe_all(self) -> None:
        await self.describe([i for i in self.model.items if i.state in RETRYABLE])

    async def describe(self, items: list[ImageItem]) -> None:
        """Describe `items` as one batch (four at a time), with progress and Cancel."""
        if self.busy or not items:
            return
        if not self.model_name:
            self.show_notice("Pick a model that takes images first.", "warning")
            return
        session = await self._session()
        if session is None:
            return
        prompt = self.prompt_edit.toPlainText().strip() or DEFAULT_PROMPT
        detail = self.detail_picker.currentText()
        self.banner.clear()
        self._batch_keys = {item.key for item in items}
        self.progress.setRange(0, len(items))
        self.progress.setValue(0)
        self._batch = asyncio.ensure_future(
            self.describer.describe_all(items, prompt, self.model_name, detail, self.model, session)
        )
        self._set_busy(True)
        cancelled = False
        try:
            await self._batch
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the tab is closing, not the user pressing Cancel
            cancelled = True
        finally:
            self._batch = None
            self._batch_keys = set()
            self._set_busy(False)
        self._report(items, cancelled)

    async def _session(self) -> ChatSession | None:
        """The session of the chosen model's provider (the main one's, or another's), or
        None with the reason shown: a provider gone from Settings, or one without its key."""
        provider_id = self.model_picker.provider_id
        session = self.describer.chat
        if provider_id and self.others is not None:
            try:
                session = await self.others.session(provider_id)
            except UnknownProvider:
                self.show_notice(
                    "The provider of this model is no longer in Settings. Pick another model.",
                    "warning",
                )
                return None
        if not session.gateway.config.has_key:
            where = session.gateway.config.label
            self.show_notice(
                f"No API key is set for {where}. Add one in Settings (Ctrl+,) first.", "warning"
            )
            return None
        return session

    def _report(self, items: list[ImageItem], cancelled: bool) -> None:
        done = sum(i.state is ItemState.DONE for i in items)
        failed = [i for i in items if i.state is ItemState.FAILED]
        parts = [f"Described {done} of {len(items)} image(s)."]
        if failed:
            parts.append(f"{len(failed)} failed — their state says why.")
        if cancelled:
            parts.append("Cancelled; descriptions that were streaming keep what arrived.")
        if failed or cancelled:
            self.show_notice(" ".join(parts), "warning" if failed else "info")

    def cancel(self) -> None:
        if self._batch is not None and not self._batch.done():
            self._batch.cancel()
