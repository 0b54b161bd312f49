"""The window fits an 800×600 screen on every tab, never resizes itself, and comes back where
it was left (geometry and splitters), with its state kept under PARLEY_HOME."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QAbstractButton, QApplication, QSplitter

from desktop_app.ui.main_window import MIN_SIZE
from desktop_app.ui.window_state import FILE_NAME
from tests.support.loop import run_until

# An 800×600 screen less the window's frame, its title bar and a desktop panel.
FITS = QSize(780, 540)
LONG_NOTICE = (
    "The server answered with an error that takes many words to explain, and the explanation "
    "goes on: what failed, why it failed, and what you can do about it in Settings. "
) * 6


def fits(size: QSize, room: QSize = FITS) -> bool:
    return size.width() <= room.width() and size.height() <= room.height()


def show_every_tab(window) -> list[tuple[str, QSize]]:  # type: ignore[no-untyped-def]
    hints = []
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        QApplication.processEvents()
        hints.append((window.tabs.tabText(index), window.minimumSizeHint()))
    return hints


def test_the_window_fits_800_by_600_on_every_tab_even_with_a_notice(qloop, parley) -> None:  # type: ignore[no-untyped-def]
    window = parley.window
    assert fits(MIN_SIZE) and fits(window.minimumSize())
    too_big = [(tab, hint) for tab, hint in show_every_tab(window) if not fits(hint)]
    assert too_big == []
    banners = [window.tabs.widget(index).banner for index in range(window.tabs.count())]
    for banner in banners:
        banner.show_message(LONG_NOTICE, "warning", "Open Settings…")
    too_big = [(tab, hint) for tab, hint in show_every_tab(window) if not fits(hint)]
    assert too_big == []
    assert len(banners) == 6 and not any(banner.isHidden() for banner in banners)


def test_a_long_notice_does_not_grow_the_window(qloop, parley) -> None:  # type: ignore[no-untyped-def]
    window = parley.window
    window.resize(MIN_SIZE)
    QApplication.processEvents()
    before = window.size()
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        page = window.tabs.widget(index)
        page.banner.show_message(LONG_NOTICE, "error")
        QApplication.processEvents()
        assert window.size() == before, window.tabs.tabText(index)
    window.statusBar().showMessage(LONG_NOTICE)
    QApplication.processEvents()
    assert window.size() == before


def test_geometry_and_splitters_come_back_after_a_restart(
    qloop, start_parley, parley_home: Path
) -> None:  # type: ignore[no-untyped-def]
    first = start_parley()
    run_until(qloop, lambda: first.tasks.running == 0)
    first.window.resize(760, 590)
    history = first.window.tab("History")
    splitter = history.findChild(QSplitter)
    QApplication.processEvents()
    splitter.setSizes([250, 490])
    QApplication.processEvents()
    chosen = splitter.sizes()
    first.window.close()  # what the user does; the state is saved then
    state_file = parley_home / "config" / FILE_NAME
    assert state_file.is_file() and state_file.stat().st_mode & 0o077 == 0

    second = start_parley()
    run_until(qloop, lambda: second.tasks.running == 0)
    assert second.window.size() == QSize(760, 590)
    again = second.window.tab("History").findChild(QSplitter)
    assert again.sizes() == chosen


def test_every_icon_button_says_what_it_does(qloop, parley) -> None:  # type: ignore[no-untyped-def]
    """An icon with no words needs a tooltip (for the mouse) and an accessible name (for
    screen readers); buttons with words get an accessible name from them."""
    window = parley.window
    show_every_tab(window)
    buttons = [
        button for button in window.findChildren(QAbstractButton) if button.property("parleyIcon")
    ]
    icon_only = [button for button in buttons if not button.text()]
    assert len(buttons) >= 25 and len(icon_only) >= 10
    silent = [
        button.property("parleyIcon")
        for button in icon_only
        if not (button.toolTip() and button.accessibleName())
    ]
    assert silent == []
