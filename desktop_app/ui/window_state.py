"""The window's geometry and every splitter's position, kept between runs with QSettings.

UI state lives apart from the user's settings (DESIGN: "Settings are one dataclass; UI state
lives in QSettings"): an INI file, `ui-state.ini`, in the config folder, which is PARLEY_HOME's
`config/` when that is set, so tests and portable installs never touch the user's own. The file
is private to the user like everything else there.

Splitters are found by the tab they are in and their order in it, so a tab needs no names for
them; a splitter whose saved state no longer fits (a tab gained a pane) keeps its default.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter, QWidget

FILE_NAME = "ui-state.ini"
GEOMETRY_KEY = "window/geometry"


class WindowState:
    """Reads and writes the state of one main window."""

    def __init__(self, config_dir: Path) -> None:
        self.path = config_dir / FILE_NAME
        self._settings = QSettings(str(self.path), QSettings.Format.IniFormat)

    def restore_geometry(self, window: QMainWindow) -> bool:
        """Put the window where it was; False when nothing usable was saved."""
        saved = self._settings.value(GEOMETRY_KEY)
        return isinstance(saved, QByteArray) and window.restoreGeometry(saved)

    def save_geometry(self, window: QMainWindow) -> None:
        self._settings.setValue(GEOMETRY_KEY, window.saveGeometry())

    def restore_splitters(self, tab: str, page: QWidget) -> int:
        """Restore the splitters of a tab's page; returns how many had a saved state."""
        restored = 0
        for index, splitter in enumerate(page.findChildren(QSplitter)):
            saved = self._settings.value(_key(tab, index))
            if isinstance(saved, QByteArray) and splitter.restoreState(saved):
                restored += 1
        return restored

    def save_splitters(self, tab: str, page: QWidget) -> None:
        for index, splitter in enumerate(page.findChildren(QSplitter)):
            self._settings.setValue(_key(tab, index), splitter.saveState())

    def value(self, key: str, default: object = None) -> object:
        """A small piece of UI state (the last conversation, a collapsed panel)."""
        found = self._settings.value(key, default)
        if isinstance(default, bool) and isinstance(found, str):
            return found == "true"
        if isinstance(default, int) and not isinstance(default, bool) and isinstance(found, str):
            return int(found) if found.lstrip("-").isdigit() else default
        return found

    def set_value(self, key: str, value: object) -> None:
        self._settings.setValue(key, value)

    def sync(self) -> None:
        """Write to disk now (QSettings otherwise writes when it likes), readable by the user
        only."""
        self._settings.sync()
        if self.path.exists() and os.name == "posix":
            with contextlib.suppress(OSError):
                self.path.chmod(0o600)


def _key(tab: str, index: int) -> str:
    return f"splitters/{tab.lower()}/{index}"
