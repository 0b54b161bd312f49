"""Everything that brings images into the Images tab's list, and the slow parts kept off the
UI thread: reading folders, downloading links, encoding pasted pictures and the first decode
of each image (which finds broken files early and makes the thumbnail).

Signals:
    added(list[ImageItem]): new items are in the model.
    notice(str, str): something to tell the user (text, level).
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, Signal
from PySide6.QtGui import QImage

from desktop_app.core.image_formats import FORMAT_NAMES
from desktop_app.services.image_describer import ImageDescriber, ImageItem, ItemState
from desktop_app.services.image_sources import (
    MAX_FOLDER_FILES,
    DownloadError,
    download_image,
    expand_paths,
    name_from_url,
)
from desktop_app.ui.images.drop_zone import DropPayload
from desktop_app.ui.images.images_model import ImagesModel
from desktop_app.ui.task_keeper import TaskKeeper

INSPECTING_AT_ONCE = 2


def encode_png(image: QImage) -> bytes:
    """A pasted or dropped QImage as PNG bytes (run in a worker thread: QImage is reentrant)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs say bytes; str works
    buffer.close()
    return bytes(data.data())


class ImageIntake(QObject):
    added = Signal(list)
    notice = Signal(str, str)

    def __init__(self, model: ImagesModel, describer: ImageDescriber, tasks: TaskKeeper) -> None:
        super().__init__(model)
        self.model = model
        self.describer = describer
        self.tasks = tasks
        self.last_folder = ""
        self._pasted = itertools.count(1)
        self._gate: asyncio.Semaphore | None = None

    async def add_payload(self, payload: DropPayload) -> None:
        """A drop or a paste: files and folders, links, encoded bytes or a QImage."""
        if payload.paths:
            await self.add_paths(payload.paths)
        for url in payload.urls:
            self.add_link(url)
        for ext, data in payload.data:
            self._add([ImageItem(self._pasted_name(ext), data)])
        for image in payload.images:
            item = ImageItem(self._pasted_name("png"), b"", state=ItemState.LOADING)
            self._add([item], inspect=False)
            item.source = await asyncio.to_thread(encode_png, image)
            await self._ready(item)

    async def add_paths(self, paths: list[Path]) -> None:
        if paths:
            self.last_folder = str(paths[0].parent)
        found = await asyncio.to_thread(expand_paths, paths)
        known = self.model.paths()
        new = [ImageItem(p.name, p) for p in found.files if p not in known]
        self._add(new)
        notes = []
        if found.skipped:
            notes.append(
                f"{found.skipped} more image(s) were left out "
                f"(at most {MAX_FOLDER_FILES} are taken at once)."
            )
        if found.unsupported:
            notes.append(
                f"{found.unsupported} file(s) in the folder were left out: not a supported "
                f"image (Parley opens {FORMAT_NAMES})."
            )
        if len(new) < len(found.files):
            notes.append(f"{len(found.files) - len(new)} image(s) were already in the list.")
        if not found.files:
            notes.append("No images were found there.")
        if notes:
            self.notice.emit(" ".join(notes), "info")

    def add_link(self, url: str) -> ImageItem:
        item = ImageItem(name_from_url(url), b"", state=ItemState.LOADING)
        self._add([item], inspect=False)
        self.tasks.spawn(self._download(item, url))
        return item

    async def _download(self, item: ImageItem, url: str) -> None:
        try:
            item.source, item.name = await asyncio.to_thread(download_image, url)
        except DownloadError as exc:
            item.state, item.error = ItemState.FAILED, str(exc)
            self.model.item_changed(item)
            return
        await self._ready(item)

    async def _ready(self, item: ImageItem) -> None:
        item.state = ItemState.QUEUED
        self.model.item_changed(item)
        await self._inspect(item)

    def _add(self, items: list[ImageItem], inspect: bool = True) -> None:
        if not items:
            return
        self.model.add(items)
        if inspect:
            for item in items:
                self.tasks.spawn(self._inspect(item))
        self.added.emit(items)

    async def _inspect(self, item: ImageItem) -> None:
        if self._gate is None:
            self._gate = asyncio.Semaphore(INSPECTING_AT_ONCE)
        async with self._gate:
            await self.describer.inspect(item, self.model)

    def _pasted_name(self, ext: str) -> str:
        return f"pasted image {next(self._pasted)}.{ext}"
