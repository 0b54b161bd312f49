"""The icons of Parley's controls: 24 px line drawings, tinted with the palette's text colour.

The drawings are committed as black-on-transparent PNGs (resources/icons/ui/<name>-<size>.png,
made from the SVGs beside them by resources/render_icons.py; the bundle has no QtSvg). `icon`
colours them for the current palette — text colour when normal, the disabled text colour when
disabled, the highlighted text colour when selected — and keeps one QIcon per name and set of
colours, so asking again is cheap and a theme change gives new colours.

A QIcon does not change after it was made, so a widget given one keeps its old colours when
the theme changes. `set_icon(widget, name)` remembers the name on the widget (or action), and
`refresh_icons()`, which the theme calls after every change, gives each such widget its icon
again. Code that paints icons itself calls `icon(name)` while painting.

Unknown names raise KeyError under tests and in the screenshot script (PARLEY_STRICT=1); in the
app they log a warning and show the "info" icon, so a typo is never an invisible button.
"""

from __future__ import annotations

import functools
import logging
import os

from PySide6.QtCore import QObject
from PySide6.QtGui import (
    QAction,
    QColor,
    QGuiApplication,
    QIcon,
    QImage,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import QAbstractButton, QApplication

from desktop_app.services.resources import resources_dir

log = logging.getLogger(__name__)

SIZES = (16, 24, 32, 48)
FALLBACK = "info"
STRICT_VARIABLE = "PARLEY_STRICT"
_PROPERTY = "parleyIcon"
_Mode = QIcon.Mode
_cache: dict[tuple[str, tuple[int, ...]], QIcon] = {}


@functools.cache
def icon_names() -> frozenset[str]:
    """Every icon the resources hold (one PNG per size each)."""
    folder = resources_dir() / "icons" / "ui"
    return frozenset(path.stem.rsplit("-", 1)[0] for path in folder.glob("*-24.png"))


def _strict() -> bool:
    return os.environ.get(STRICT_VARIABLE) == "1"


@functools.lru_cache(maxsize=512)
def _drawing(name: str, size: int) -> QImage:
    """The committed black drawing, read once."""
    path = resources_dir() / "icons" / "ui" / f"{name}-{size}.png"
    return QImage(str(path)).convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


def _tinted(name: str, size: int, colour: QColor) -> QPixmap:
    image = _drawing(name, size).copy()
    painter = QPainter(image)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
    painter.fillRect(image.rect(), colour)
    painter.end()
    return QPixmap.fromImage(image)


def _colours(colour: QColor | None) -> dict[QIcon.Mode, QColor]:
    palette = QGuiApplication.palette()
    group, role = QPalette.ColorGroup, QPalette.ColorRole
    normal = colour if colour is not None else palette.color(group.Active, role.WindowText)
    return {  # Active (hovered) falls back to Normal
        _Mode.Normal: normal,
        _Mode.Disabled: palette.color(group.Disabled, role.WindowText),
        _Mode.Selected: palette.color(group.Active, role.HighlightedText),
    }


def icon(name: str, colour: QColor | None = None) -> QIcon:
    """The icon `name` in the palette's text colour (or in `colour`, e.g. the accent).

    Sharp at 1x and 2x: it holds pixmaps of 16, 24, 32 and 48 px, and Qt picks the one that
    fits the size asked for times the screen's pixel ratio.
    """
    if name not in icon_names():
        if _strict():
            raise KeyError(f"Parley has no icon named {name!r}")
        log.warning("no icon named %r; showing %r instead", name, FALLBACK)
        if FALLBACK not in icon_names():  # a broken install: the files are missing
            return _standard_fallback()
        name = FALLBACK
    colours = _colours(colour)
    key = (name, tuple(c.rgba() for c in colours.values()))
    cached = _cache.get(key)
    if cached is not None:
        return cached
    result = QIcon()
    for mode, tint in colours.items():
        for size in SIZES:
            result.addPixmap(_tinted(name, size, tint), mode)
    _cache[key] = result
    return result


def set_icon(target: QAbstractButton | QAction, name: str, colour: QColor | None = None) -> None:
    """Give a button or action the icon `name`, and again after every theme change."""
    target.setIcon(icon(name, colour))
    target.setProperty(_PROPERTY, name)
    tint = colour.name(QColor.NameFormat.HexArgb) if colour is not None else ""
    target.setProperty(f"{_PROPERTY}Colour", tint)


def refresh_icons() -> int:
    """Re-tint every icon given with `set_icon` for the current palette; returns how many."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return 0
    count = 0
    for widget in app.allWidgets():
        targets: list[QObject] = [widget, *widget.actions()]
        for target in targets:
            name = target.property(_PROPERTY)
            if name and isinstance(target, (QAbstractButton, QAction)):
                colour = target.property(f"{_PROPERTY}Colour")
                target.setIcon(icon(name, QColor(colour) if colour else None))
                count += 1
    return count


def _standard_fallback() -> QIcon:
    """What shows when even the fallback icon's files are missing (a broken install)."""
    from PySide6.QtWidgets import QStyle  # not at import: its enums take milliseconds to load

    return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxQuestion)
