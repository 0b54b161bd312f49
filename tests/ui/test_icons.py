"""Control icons: every name committed at every size, tinted by the palette, sharp at 2x."""

from __future__ import annotations

import logging
import re
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QToolButton

from desktop_app.services.resources import resources_dir
from desktop_app.ui import icons

REPO_ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    *("send", "stop", "attach", "image", "copy", "edit", "regenerate", "delete"),
    *("thumb-up", "thumb-down", "thumb-up-filled", "thumb-down-filled"),
    *("chevron-left", "chevron-right", "chevron-down", "chevron-up"),
    *("new-chat", "sidebar", "pin", "search", "settings", "more", "close", "check"),
    *("reasoning", "tool", "warning", "info", "error", "undo"),
}


@pytest.fixture
def palette(qapp: QApplication) -> Iterator[QPalette]:
    """The application's palette, put back afterwards (other tests must not see a red one)."""
    saved = QPalette(qapp.palette())
    yield QPalette(saved)
    qapp.setPalette(saved)


def with_text(qapp: QApplication, palette: QPalette, colour: str, disabled: str = "#888") -> None:
    palette.setColor(QPalette.ColorGroup.All, QPalette.ColorRole.WindowText, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor(disabled))
    qapp.setPalette(palette)


def opaque_colours(icon: QIcon, mode: QIcon.Mode = QIcon.Mode.Normal) -> set[str]:
    image = icon.pixmap(QSize(24, 24), 1.0, mode).toImage()
    return {
        image.pixelColor(x, y).name()
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).alpha() == 255
    }


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", header[16:24])


def test_every_required_icon_is_committed_at_every_size_from_its_svg() -> None:
    folder = resources_dir() / "icons" / "ui"
    assert icons.icon_names() >= REQUIRED
    for name in icons.icon_names():
        assert (folder / f"{name}.svg").is_file(), name
        for size in icons.SIZES:
            assert png_size(folder / f"{name}-{size}.png") == (size, size), (name, size)


def test_icons_take_the_palette_text_colour_and_change_with_it(qapp, palette) -> None:  # type: ignore[no-untyped-def]
    with_text(qapp, palette, "#ff0000", disabled="#00ff00")
    red = icons.icon("send")
    assert opaque_colours(red) == {"#ff0000"}
    assert opaque_colours(red, QIcon.Mode.Disabled) == {"#00ff00"}
    assert icons.icon("send").cacheKey() == red.cacheKey()  # one per palette, not per call
    with_text(qapp, palette, "#0000ff")
    assert opaque_colours(icons.icon("send")) == {"#0000ff"}
    assert opaque_colours(icons.icon("send", QColor("#123456"))) == {"#123456"}


def test_icons_are_drawn_for_2x_screens_not_scaled_up(qapp) -> None:  # type: ignore[no-untyped-def]
    icon = icons.icon("check")
    pixmap = icon.pixmap(QSize(24, 24), 2.0)
    assert (pixmap.width(), pixmap.height()) == (48, 48)
    sharp = pixmap.toImage()
    # the committed 48 px drawing, not a blurred 24 px one: same alpha everywhere
    committed = icons._tinted("check", 48, QColor("black")).toImage()
    assert all(
        sharp.pixelColor(x, y).alpha() == committed.pixelColor(x, y).alpha()
        for x in range(48)
        for y in range(48)
    )


def test_an_unknown_name_raises_in_tests_and_shows_the_fallback_in_the_app(
    qapp, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(KeyError, match="no icon named 'sned'"):
        icons.icon("sned")
    monkeypatch.delenv(icons.STRICT_VARIABLE)
    with caplog.at_level(logging.WARNING, logger=icons.__name__):
        shown = icons.icon("sned")
    assert shown.cacheKey() == icons.icon(icons.FALLBACK).cacheKey()
    assert not shown.isNull()
    assert "sned" in caplog.text


def test_set_icon_buttons_are_retinted_after_a_palette_change(qapp, qtbot, palette) -> None:  # type: ignore[no-untyped-def]
    with_text(qapp, palette, "#ff0000")
    button = QToolButton()
    qtbot.addWidget(button)
    icons.set_icon(button, "copy")
    assert opaque_colours(button.icon()) == {"#ff0000"}
    with_text(qapp, palette, "#0000ff")
    assert icons.refresh_icons() >= 1
    assert opaque_colours(button.icon()) == {"#0000ff"}


def test_every_icon_the_code_names_exists() -> None:
    """A typo would show the fallback in the app; catch it here, for every literal name."""
    calls = r"\b(?:icon|set_icon\([^,()]+,|icon_button|labelled_button|self\._button)\(?"
    pattern = re.compile(calls + r"""\s*["']([a-z0-9-]+)["']""")
    used: set[str] = set()
    for path in (REPO_ROOT / "desktop_app").rglob("*.py"):
        used.update(pattern.findall(path.read_text(encoding="utf-8")))
    assert len(used) >= 20  # the pattern finds the names the tabs use
    assert used - icons.icon_names() == set()
