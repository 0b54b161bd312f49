"""Images the user attached to the message being written, prepared off the UI thread.

Each one goes through the same preparation as the Images tab (`core.images.prepare_image`:
verified, decompression-bomb limits, oriented, downscaled to what the model sees, re-encoded
without metadata), in a worker thread, at most PREPARING_AT_ONCE at a time so a drop of many
large photos cannot take all the memory. The thumbnail is made from the prepared image in
the same thread.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from PySide6.QtGui import QImage

from desktop_app.core.images import ImageError, PreparedImage, inspect_image, prepare_image
from desktop_app.ui.images.image_intake import encode_png

log = logging.getLogger(__name__)
PREPARING_AT_ONCE = 2
THUMBNAIL_SIDE = 64
_keys = itertools.count(1)

Source = Path | bytes | QImage


class PendingState(StrEnum):
    PREPARING = "preparing"
    READY = "ready"
    FAILED = "failed"


@dataclass(eq=False)
class PendingImage:
    """One attachment of the message being written."""

    name: str
    source: Source
    key: int = field(default_factory=lambda: next(_keys))
    state: PendingState = PendingState.PREPARING
    prepared: PreparedImage | None = None
    thumbnail: bytes = b""  # PNG
    error: str = ""

    @property
    def path(self) -> Path | None:
        return self.source if isinstance(self.source, Path) else None


def prepare_pending(name: str, source: Source) -> tuple[PreparedImage, bytes]:
    """Blocking: the image ready to send (named) and a PNG thumbnail of it."""
    data = encode_png(source) if isinstance(source, QImage) else source
    prepared = replace(prepare_image(data), name=name)
    thumbnail = inspect_image(prepared.data, THUMBNAIL_SIDE).thumbnail
    return prepared, thumbnail


class ImagePreparer:
    """Runs `prepare_pending` in worker threads, a few at a time."""

    def __init__(self) -> None:
        self._gate: asyncio.Semaphore | None = None

    async def prepare(self, item: PendingImage) -> None:
        """Fill `item` (ready, or failed with a sentence for the user); never raises but
        CancelledError."""
        if self._gate is None:
            self._gate = asyncio.Semaphore(PREPARING_AT_ONCE)
        async with self._gate:
            try:
                item.prepared, item.thumbnail = await asyncio.to_thread(
                    prepare_pending, item.name, item.source
                )
            except ImageError as exc:
                item.state, item.error = PendingState.FAILED, str(exc)
                return
            except MemoryError:
                item.state = PendingState.FAILED
                item.error = "There is not enough memory to prepare this image."
                return
            except Exception:  # a bug must not leave the item (and a waiting send) stuck
                log.exception("preparing %s failed", item.name)
                item.state = PendingState.FAILED
                item.error = "It could not be prepared (the log has the details)."
                return
        item.source = item.path or b""  # the decoded data is not needed any more
        item.state = PendingState.READY
