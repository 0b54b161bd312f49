"""Dropping files and data on a widget as the window system delivers a drag-and-drop."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from tests.support.loop import run


def file_urls(*paths: Path) -> QMimeData:
    """What a file manager puts in a drag of these files."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def drop_on(loop: asyncio.AbstractEventLoop, widget: QWidget, mime: QMimeData) -> bool:
    """Drag `mime` over `widget` and drop it there, as the window system delivers it: to the
    widget under the pointer, passed up to its parents while ignored. Whether it was taken."""
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime, buttons, keys)
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, buttons, keys)

    async def deliver() -> None:  # the drop starts tasks, so deliver it on the running loop
        QApplication.sendEvent(widget, drop)

    run(loop, deliver())
    return drop.isAccepted()
