"""Parley's icon for its windows, built from the committed PNGs (so QtSvg is never loaded)."""

from __future__ import annotations

import logging

from PySide6.QtGui import QIcon

from desktop_app.services.resources import icon_files

log = logging.getLogger(__name__)


def app_icon() -> QIcon:
    """Every size of the icon; an empty icon (and a log line) if the files are missing."""
    icon = QIcon()
    try:
        for path in icon_files():
            icon.addFile(str(path))
    except FileNotFoundError as exc:
        log.warning("no app icon: %s", exc)
    return icon
