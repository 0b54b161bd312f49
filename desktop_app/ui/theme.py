"""Light, dark or the system's colours, through Qt's own colour scheme (Qt 6.8+)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

_SCHEMES = {
    "light": Qt.ColorScheme.Light,
    "dark": Qt.ColorScheme.Dark,
    "system": Qt.ColorScheme.Unknown,  # Unknown = follow the platform
}


def apply_theme(app: QApplication, theme: str) -> None:
    app.setStyle("Fusion")  # the same look everywhere, and it follows the colour scheme
    app.styleHints().setColorScheme(_SCHEMES.get(theme, Qt.ColorScheme.Unknown))
