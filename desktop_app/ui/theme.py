"""Light, dark or the system's choice: the Fusion style with Parley's own palettes.

The platform's own palette is never used, because it differs from one desktop to the next (and
on plain X11 there is no dark one at all). "system" asks Qt which colour scheme the platform
reports (`QStyleHints.colorScheme()`, Windows, macOS, GNOME and KDE say) and follows it when it
changes; where none is reported it is light.

After a change every open widget is re-polished, icons given with `icons.set_icon` are
re-tinted, text given a tone with `set_tone` gets the new colour of that tone, and
`theme_notifier(app).changed` fires for views that paint with `theme_colors()`.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.ui.palettes import make_palette

_SCHEMES = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}
_NOTIFIER_NAME = "parleyThemeNotifier"
_TONE_PROPERTY = "parleyTone"
TONES = ("muted", "error", "warning", "success", "accent")


class ThemeNotifier(QObject):
    """Keeps the user's choice and follows the platform's scheme when it is "system".

    Signals:
        changed(str): the palette was replaced; the argument is "light" or "dark".
    """

    changed = Signal(str)

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.setObjectName(_NOTIFIER_NAME)
        self.choice = "system"
        self.scheme = ""
        app.styleHints().colorSchemeChanged.connect(self._on_hints_color_scheme_changed)

    def _on_hints_color_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        app = QApplication.instance()
        if self.choice == "system" and isinstance(app, QApplication):
            _apply(app, self)


def theme_notifier(app: QApplication) -> ThemeNotifier:
    """The application's notifier (made on first use, owned by the application)."""
    found = app.findChild(ThemeNotifier, _NOTIFIER_NAME)
    return found if found is not None else ThemeNotifier(app)


def resolved_scheme(app: QApplication, choice: str) -> str:
    """ "light" or "dark": the choice itself, or for "system" what the platform reports."""
    if choice in _SCHEMES:
        return choice
    return "dark" if app.styleHints().colorScheme() == Qt.ColorScheme.Dark else "light"


def apply_theme(app: QApplication, theme: str) -> None:
    """Use the theme `theme` ("system", "light" or "dark") from now on."""
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    notifier = theme_notifier(app)
    notifier.choice = theme if theme in _SCHEMES else "system"
    # Tell the platform too (native dialogs, title bars); Unknown gives the choice back to it.
    hints = app.styleHints()
    blocker = hints.blockSignals(True)
    try:
        hints.setColorScheme(_SCHEMES.get(notifier.choice, Qt.ColorScheme.Unknown))
    finally:
        hints.blockSignals(blocker)
    _apply(app, notifier)


def _apply(app: QApplication, notifier: ThemeNotifier) -> None:
    scheme = resolved_scheme(app, notifier.choice)
    palette = make_palette(scheme)
    if scheme == notifier.scheme and app.palette() == palette:
        return
    notifier.scheme = scheme
    app.setPalette(palette)
    for widget in app.allWidgets():
        if widget.styleSheet():
            # Qt does not hand a new palette to widgets under a style sheet; setting the sheet
            # again recomputes them (and their children) from the new one.
            widget.setStyleSheet(widget.styleSheet())
        else:
            style = widget.style()
            style.unpolish(widget)
            style.polish(widget)
        widget.update()
    if app.allWidgets():  # at start-up there is nothing to re-tint yet (and icons can wait)
        from desktop_app.ui.icons import refresh_icons

        refresh_icons()
    for widget in app.allWidgets():
        tone = widget.property(_TONE_PROPERTY)
        if tone:
            _colour_text(widget, tone)
    notifier.changed.emit(scheme)


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether the palette (the application's by default) is a dark one."""
    palette = palette if palette is not None else QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def mix(base: QColor, other: QColor, amount: float) -> QColor:
    """`base` moved `amount` (0..1) of the way to `other`."""
    return QColor.fromRgbF(
        base.redF() + (other.redF() - base.redF()) * amount,
        base.greenF() + (other.greenF() - base.greenF()) * amount,
        base.blueF() + (other.blueF() - base.blueF()) * amount,
    )


@dataclass(frozen=True)
class ThemeColors:
    """Colours beyond the palette's roles, for views that paint their own surfaces."""

    user_bubble: QColor
    assistant_card: QColor
    border: QColor
    muted_text: QColor
    code_background: QColor
    accent: QColor
    error: QColor
    warning: QColor
    success: QColor
    positive: QColor
    negative: QColor
    neutral: QColor


# Status colours chosen to read as text on the window and on cards (contrast ≥ 4.5:1).
_STATUS = {
    False: {"error": "#c93a3a", "warning": "#975800", "success": "#1d7a50"},
    True: {"error": "#f07a72", "warning": "#e6b04a", "success": "#5ccf94"},
}


_colours_cache: dict[int, ThemeColors] = {}


def theme_colors(palette: QPalette | None = None) -> ThemeColors:
    """The extra colours for the palette (the application's by default), light or dark.

    Cheap enough to call while painting: the answer is kept per palette."""
    palette = palette if palette is not None else QGuiApplication.palette()
    key = palette.cacheKey()
    found = _colours_cache.get(key)
    if found is None:
        if len(_colours_cache) > 16:
            _colours_cache.clear()
        found = _colours_cache[key] = _derive_colours(palette)
    return found


def _derive_colours(palette: QPalette) -> ThemeColors:
    role = QPalette.ColorRole
    dark = is_dark(palette)
    window, base, text = (
        palette.color(role.Window),
        palette.color(role.Base),
        palette.color(role.Text),
    )
    accent = palette.color(role.Highlight)
    status = {name: QColor(value) for name, value in _STATUS[dark].items()}
    muted = palette.color(role.PlaceholderText)
    return ThemeColors(
        user_bubble=mix(base, accent, 0.18 if dark else 0.10),
        assistant_card=mix(window, text, 0.05) if dark else base,
        border=mix(window, text, 0.16 if dark else 0.13),
        muted_text=muted,
        code_background=mix(base, text, 0.07 if dark else 0.045),
        accent=accent,
        error=status["error"],
        warning=status["warning"],
        success=status["success"],
        positive=status["success"],
        negative=status["error"],
        neutral=muted,
    )


def set_tone(widget: QWidget, tone: str) -> None:
    """Draw the widget's text in a theme colour ("muted", "error", "warning", "success",
    "accent"; "" for the normal text colour), and again in the new one after a theme change."""
    if tone and tone not in TONES:
        raise ValueError(f"unknown tone {tone!r}")
    widget.setProperty(_TONE_PROPERTY, tone)
    _colour_text(widget, tone)


def _colour_text(widget: QWidget, tone: str) -> None:
    if not tone:
        widget.setPalette(QPalette())  # nothing of its own: the application's colours
        return
    palette = QPalette()
    colour = getattr(theme_colors(), "muted_text" if tone == "muted" else tone)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text):
        palette.setColor(role, colour)
    widget.setPalette(palette)
