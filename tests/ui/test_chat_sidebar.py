"""The Chat tab's conversation list driven as a user would: type, click, press keys, use menus."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QContextMenuEvent, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu, QWidget

from desktop_app.core.dialogue import Message
from desktop_app.services.history_store import PAGE_SIZE, HistoryStore
from desktop_app.ui.chat.sidebar import (
    DEFAULT_WIDTH,
    MESSAGES_HEADING,
    MINIMUM_WIDTH,
    NO_MATCH_TEXT,
    TITLES_HEADING,
    ChatSidebar,
)
from desktop_app.ui.history.dialogues_model import HEADER_ROLE
from tests.support.history_data import add, build_big_store, dialogue
from tests.support.loop import run, run_until

NOW = time.time()  # one "now" for the data and the list's clock: no midnight between them
# A popup menu on the offscreen platform (headless tests) asks it to raise the menu and grab
# the keyboard, which it cannot, and it says so; that says nothing about the sidebar.
OFFSCREEN_POPUP = pytest.mark.qt_log_ignore(
    "This plugin does not support raise", "This plugin does not support grabbing the keyboard"
)


@pytest.fixture
def store(paths) -> HistoryStore:  # type: ignore[no-untyped-def]
    store = HistoryStore.open(paths.database, paths.attachments_dir)
    add(
        store,
        dialogue(
            "Old trip",
            ("user", "plan a trip to Lisbon", "neutral"),
            ("assistant", "Lisbon has trams and whales offshore", "positive"),
            age_days=40,
            now=NOW,
        ),
        dialogue("Taxes 2026", ("user", "what can I deduct", "neutral"), age_days=10, now=NOW),
        dialogue("Pasta recipe", ("user", "my pasta is terrible", "negative"), age_days=1, now=NOW),
        dialogue("Whale facts", ("user", "tell me about whales", "neutral"), now=NOW),
    )
    store.set_pinned([2], True)
    yield store
    store.close()


def open_sidebar(qloop, store: HistoryStore, rows: int) -> ChatSidebar:  # type: ignore[no-untyped-def]
    window = QWidget()  # the Chat tab stand-in: Ctrl+B is a shortcut of the window
    sidebar = ChatSidebar(store, window, clock=lambda: NOW)
    sidebar.test_window = window  # type: ignore[attr-defined]  # keeps the window alive
    window.resize(DEFAULT_WIDTH + 400, 600)
    sidebar.resize(DEFAULT_WIDTH, 600)
    window.show()
    window.activateWindow()
    run_until(qloop, lambda: len(sidebar.model.dialogue_rows()) >= rows)
    return sidebar


@pytest.fixture
def sidebar(qtbot, qloop, store: HistoryStore) -> ChatSidebar:  # type: ignore[no-untyped-def]
    # Not qtbot.addWidget: the sidebar must shut its tasks down while it still exists.
    sidebar = open_sidebar(qloop, store, 4)
    yield sidebar
    close(qloop, sidebar)


def close(qloop, sidebar: ChatSidebar) -> None:  # type: ignore[no-untyped-def]
    run(qloop, sidebar.shutdown())
    window = sidebar.window()
    window.close()
    window.deleteLater()


def titles(sidebar: ChatSidebar) -> list[str]:
    return [r.title for r in sidebar.model.dialogue_rows()]


def headings(sidebar: ChatSidebar) -> list[str]:
    model = sidebar.model
    found = (model.index(i, 0).data(HEADER_ROLE) for i in range(model.rowCount()))
    return [h for h in found if h]


def row_center(sidebar: ChatSidebar, title: str) -> QPoint:
    index = next(
        sidebar.model.index_of(r.id) for r in sidebar.model.dialogue_rows() if r.title == title
    )
    return sidebar.list_view.visualRect(index).center()


def click(qtbot, sidebar: ChatSidebar, title: str, button=Qt.MouseButton.LeftButton) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(sidebar.list_view.viewport(), button, pos=row_center(sidebar, title))


def open_menu(qloop, sidebar: ChatSidebar, title: str) -> QMenu:  # type: ignore[no-untyped-def]
    """Right-click a row; the menu pops up (it is never exec()'d). QTest's clicks make no
    context-menu event (the platform does, on a real right click), so it is sent here."""
    sidebar.menu = None
    viewport = sidebar.list_view.viewport()
    pos = row_center(sidebar, title)
    QTest.mouseClick(viewport, Qt.MouseButton.RightButton, pos=pos)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, viewport.mapToGlobal(pos))
    QApplication.sendEvent(viewport, event)
    run_until(qloop, lambda: sidebar.menu is not None and sidebar.menu.isVisible())
    assert sidebar.menu is not None
    return sidebar.menu


def choose_in_menu(qtbot, menu: QMenu, text: str) -> None:  # type: ignore[no-untyped-def]
    action = next(a for a in menu.actions() if a.text().replace("&", "").startswith(text))
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())


def current_title(sidebar: ChatSidebar) -> str | None:
    row = sidebar.model.row_at(sidebar.list_view.currentIndex())
    return row.title if row else None


def trashed(store: HistoryStore) -> list[str]:
    return [r.title for r in store.dialogue_rows(trash=True)]


def test_rows_are_newest_first_under_headings_with_pinned_on_top(
    sidebar: ChatSidebar, qtmodeltester
) -> None:
    qtmodeltester.check(sidebar.model)
    assert titles(sidebar) == ["Taxes 2026", "Whale facts", "Pasta recipe", "Old trip"]
    assert headings(sidebar)[:3] == ["Pinned", "Today", "Yesterday"]
    assert len(headings(sidebar)) == 4
    assert sidebar.empty_label.isHidden()
    assert sidebar.sizeHint().width() == DEFAULT_WIDTH
    assert sidebar.minimumWidth() == MINIMUM_WIDTH


def test_typing_narrows_by_title_then_by_message_text_and_esc_clears(
    qtbot, qloop, sidebar: ChatSidebar, qtmodeltester, monkeypatch
) -> None:
    searched: list[str] = []
    real = sidebar.store.find_by_title
    monkeypatch.setattr(
        sidebar.store, "find_by_title", lambda text: searched.append(text) or real(text)
    )
    qtbot.keyClicks(sidebar.filter_edit, "whale")
    run_until(qloop, lambda: headings(sidebar) == [TITLES_HEADING, MESSAGES_HEADING])
    assert titles(sidebar) == ["Whale facts", "Old trip"]  # "whales offshore", in a reply
    assert searched == ["whale"]  # once, after typing paused; not once per key
    qtmodeltester.check(sidebar.model)

    sidebar.filter_edit.clear()
    qtbot.keyClicks(sidebar.filter_edit, "recipe")  # titles only: no heading over them
    run_until(qloop, lambda: titles(sidebar) == ["Pasta recipe"])
    assert headings(sidebar) == []

    sidebar.filter_edit.setText("whale")
    qtbot.keyClicks(sidebar.filter_edit, "s in space")
    run_until(qloop, lambda: sidebar.model.found and not sidebar.model.dialogue_rows())
    assert sidebar.empty_label.isVisible() and sidebar.empty_label.text() == NO_MATCH_TEXT

    qtbot.keyClick(sidebar.filter_edit, Qt.Key.Key_Escape)
    assert sidebar.filter_edit.text() == ""
    run_until(qloop, lambda: len(titles(sidebar)) == 4)
    assert not sidebar.model.found and sidebar.empty_label.isHidden()


def test_the_newest_filter_wins_over_a_slower_older_one(
    qtbot, qloop, sidebar: ChatSidebar, monkeypatch
) -> None:
    release, started = threading.Event(), threading.Event()
    real = sidebar.store.find_by_text

    def slow_for_whales(text: str, *args):  # type: ignore[no-untyped-def]
        if text == "whale":
            started.set()
            release.wait(5)
        return real(text, *args)

    monkeypatch.setattr(sidebar.store, "find_by_text", slow_for_whales)
    qtbot.keyClicks(sidebar.filter_edit, "whale")
    run_until(qloop, started.is_set)
    sidebar.filter_edit.clear()
    qtbot.keyClicks(sidebar.filter_edit, "pasta")
    run_until(qloop, lambda: titles(sidebar) == ["Pasta recipe"])
    release.set()
    run_until(qloop, lambda: sidebar.tasks.running == 0)
    assert titles(sidebar) == ["Pasta recipe"]


def test_clicking_or_enter_chooses_a_dialogue_and_arrows_skip_headings(
    qtbot, sidebar: ChatSidebar
) -> None:
    with qtbot.waitSignal(sidebar.dialogue_chosen) as chosen:
        click(qtbot, sidebar, "Pasta recipe")
    assert chosen.args == [3] and sidebar.open_id == 3

    view = sidebar.list_view
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert current_title(sidebar) == "Whale facts"
    qtbot.keyClick(view, Qt.Key.Key_Up)  # over the "Today" heading
    assert current_title(sidebar) == "Taxes 2026"
    qtbot.keyClick(view, Qt.Key.Key_Up)  # the "Pinned" heading above: nowhere to go
    assert current_title(sidebar) == "Taxes 2026"
    for _ in range(3):
        qtbot.keyClick(view, Qt.Key.Key_Down)
    assert current_title(sidebar) == "Old trip"
    with qtbot.waitSignal(sidebar.dialogue_chosen) as chosen:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert chosen.args == [1]


def test_focus_goes_from_the_filter_to_the_list(qtbot, sidebar: ChatSidebar) -> None:
    sidebar.filter_edit.setFocus()
    qtbot.keyClick(sidebar.filter_edit, Qt.Key.Key_Down)
    assert sidebar.list_view.hasFocus() and current_title(sidebar) == "Taxes 2026"
    sidebar.filter_edit.setFocus()
    qtbot.keyClick(sidebar.filter_edit, Qt.Key.Key_Tab)
    assert sidebar.list_view.hasFocus()
    for button in (sidebar.collapse_button, sidebar.expand_button, sidebar.strip_new_button):
        assert button.accessibleName() and not button.text()
    assert sidebar.list_view.accessibleName() == "Conversations"


def test_select_dialogue_highlights_the_open_one_without_a_signal(
    qtbot, sidebar: ChatSidebar
) -> None:
    with qtbot.assertNotEmitted(sidebar.dialogue_chosen):
        sidebar.select_dialogue(1)
    assert sidebar.open_id == 1 and current_title(sidebar) == "Old trip"
    selected = sidebar.list_view.selectionModel().selectedRows()
    assert [sidebar.model.row_at(i).title for i in selected] == ["Old trip"]
    sidebar.select_dialogue(None)
    assert sidebar.open_id is None
    assert not sidebar.list_view.selectionModel().selectedRows()


def test_f2_renames_in_place(qtbot, qloop, sidebar: ChatSidebar, store: HistoryStore) -> None:
    click(qtbot, sidebar, "Pasta recipe")
    qtbot.keyClick(sidebar.list_view, Qt.Key.Key_F2)
    editor = sidebar.list_view.findChild(QLineEdit)
    assert editor is not None and editor.text() == "Pasta recipe"
    editor.selectAll()
    qtbot.keyClicks(editor, "Carbonara, properly")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    run_until(qloop, lambda: "Carbonara, properly" in titles(sidebar))
    assert store.dialogue_row(3).title == "Carbonara, properly"
    assert titles(sidebar)[2] == "Carbonara, properly"  # renaming does not make it new


@OFFSCREEN_POPUP
def test_rename_in_the_menu_opens_the_title_for_editing(qtbot, qloop, sidebar) -> None:  # type: ignore[no-untyped-def]
    editing: list[str] = []

    def on_focus_changed(_old: QWidget | None, new: QWidget | None) -> None:
        if isinstance(new, QLineEdit) and sidebar.list_view.viewport().isAncestorOf(new):
            editing.append(new.text())

    app = QApplication.instance()
    app.focusChanged.connect(on_focus_changed)
    try:
        choose_in_menu(qtbot, open_menu(qloop, sidebar, "Old trip"), "Rename")
        # The offscreen platform takes the activation away with the closing menu (a window
        # manager gives it back), which ends the editing again: what counts is that it began.
        run_until(qloop, lambda: editing)
    finally:
        app.focusChanged.disconnect(on_focus_changed)
    assert editing == ["Old trip"] and current_title(sidebar) == "Old trip"


def test_a_refresh_waits_while_a_title_is_edited(
    qtbot, qloop, sidebar: ChatSidebar, store: HistoryStore, paths
) -> None:
    click(qtbot, sidebar, "Old trip")
    qtbot.keyClick(sidebar.list_view, Qt.Key.Key_F2)
    editor = sidebar.list_view.findChild(QLineEdit)
    assert editor is not None and editor.isVisible()
    other = HistoryStore.open(paths.database, paths.attachments_dir)  # the Chat tab's writes
    add(other, dialogue("Meanwhile", ("user", "hello", "neutral"), now=NOW + 5))
    other.close()
    run(qloop, sidebar.refresh())
    assert "Meanwhile" not in titles(sidebar)  # the title being typed is not thrown away
    editor.selectAll()
    qtbot.keyClicks(editor, "Lisbon")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    run_until(qloop, lambda: titles(sidebar)[:2] == ["Taxes 2026", "Meanwhile"])
    run_until(qloop, lambda: "Lisbon" in titles(sidebar))
    assert store.dialogue_row(1).title == "Lisbon"


@OFFSCREEN_POPUP
def test_pin_and_unpin_from_the_menu(qtbot, qloop, sidebar: ChatSidebar, store) -> None:  # type: ignore[no-untyped-def]
    choose_in_menu(qtbot, open_menu(qloop, sidebar, "Old trip"), "Pin")
    run_until(qloop, lambda: titles(sidebar)[1] == "Old trip")
    assert store.dialogue_row(1).pinned
    assert headings(sidebar)[0] == "Pinned" and headings(sidebar)[1] == "Today"
    assert titles(sidebar)[:2] == ["Taxes 2026", "Old trip"]  # the pinned, newest first
    assert current_title(sidebar) == "Old trip"
    click(qtbot, sidebar, "Taxes 2026")
    sidebar.menu = None
    qtbot.keyClick(sidebar.list_view, Qt.Key.Key_Menu)  # the keyboard's way to the menu
    run_until(qloop, lambda: sidebar.menu is not None and sidebar.menu.isVisible())
    assert sidebar.menu is not None
    qtbot.keyClick(sidebar.menu, Qt.Key.Key_P)  # Un&pin
    run_until(qloop, lambda: titles(sidebar)[0] == "Old trip")
    assert not store.dialogue_row(2).pinned
    assert titles(sidebar) == ["Old trip", "Whale facts", "Pasta recipe", "Taxes 2026"]


@OFFSCREEN_POPUP
def test_delete_then_undo_with_the_button(qtbot, qloop, sidebar: ChatSidebar, store) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(sidebar.dialogue_deleted) as deleted:
        choose_in_menu(qtbot, open_menu(qloop, sidebar, "Pasta recipe"), "Delete")
    assert deleted.args == [3]
    assert "Pasta recipe" not in titles(sidebar)
    assert trashed(store) == ["Pasta recipe"]  # History's trash
    assert sidebar.undo_bar.isVisible()
    assert sidebar.undo_bar.label.text() == "“Pasta recipe” moved to the trash."
    with qtbot.waitSignal(sidebar.dialogue_restored) as restored:
        qtbot.mouseClick(sidebar.undo_bar.undo_button, Qt.MouseButton.LeftButton)
    assert restored.args == [3]
    assert titles(sidebar) == ["Taxes 2026", "Whale facts", "Pasta recipe", "Old trip"]
    assert trashed(store) == [] and sidebar.undo_bar.isHidden()
    assert current_title(sidebar) == "Pasta recipe"


def test_delete_key_then_ctrl_z(qtbot, qloop, sidebar: ChatSidebar, store) -> None:  # type: ignore[no-untyped-def]
    click(qtbot, sidebar, "Whale facts")
    with qtbot.waitSignal(sidebar.dialogue_deleted):
        qtbot.keyClick(sidebar.list_view, Qt.Key.Key_Delete)
    run_until(qloop, lambda: "Whale facts" not in titles(sidebar))
    assert trashed(store) == ["Whale facts"]
    assert current_title(sidebar) == "Pasta recipe"  # the cursor stays where it was
    with qtbot.waitSignal(sidebar.dialogue_restored):
        qtbot.keyClick(sidebar.list_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    run_until(qloop, lambda: "Whale facts" in titles(sidebar))
    assert trashed(store) == [] and sidebar.undo_bar.isHidden()
    with qtbot.assertNotEmitted(sidebar.dialogue_restored):  # nothing left to undo
        qtbot.keyClick(sidebar.list_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        QTest.qWait(50)


def test_dismissing_the_bar_ends_the_offer(qtbot, qloop, sidebar: ChatSidebar, store) -> None:  # type: ignore[no-untyped-def]
    click(qtbot, sidebar, "Old trip")
    qtbot.keyClick(sidebar.list_view, Qt.Key.Key_Delete)
    run_until(qloop, sidebar.undo_bar.isVisible)
    qtbot.mouseClick(sidebar.undo_bar.close_button, Qt.MouseButton.LeftButton)
    assert sidebar.undo_bar.isHidden() and not sidebar.last_deleted
    assert trashed(store) == ["Old trip"]


def test_ctrl_b_collapses_to_a_strip_and_back(qtbot, sidebar: ChatSidebar) -> None:
    qtbot.waitActive(sidebar.window())
    sidebar.list_view.setFocus()
    with qtbot.waitSignal(sidebar.collapsed_changed) as changed:
        qtbot.keyClick(sidebar.list_view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert changed.args == [True] and sidebar.collapsed
    assert sidebar.panel.isHidden() and sidebar.strip.isVisible()
    assert sidebar.width() < MINIMUM_WIDTH // 2
    with qtbot.waitSignal(sidebar.new_chat_requested):
        qtbot.mouseClick(sidebar.strip_new_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(sidebar.collapsed_changed) as changed:
        qtbot.mouseClick(sidebar.expand_button, Qt.MouseButton.LeftButton)
    assert changed.args == [False] and not sidebar.collapsed and sidebar.panel.isVisible()
    with qtbot.assertNotEmitted(sidebar.collapsed_changed):
        sidebar.set_collapsed(False)  # already shown
    sidebar.set_collapsed(True)
    sidebar.focus_filter()  # a search shortcut shows the column again
    assert not sidebar.collapsed and sidebar.filter_edit.hasFocus()


def test_new_chat_button(qtbot, sidebar: ChatSidebar) -> None:
    assert sidebar.new_button.text() == "New chat" and not sidebar.new_button.icon().isNull()
    with qtbot.waitSignal(sidebar.new_chat_requested):
        qtbot.mouseClick(sidebar.new_button, Qt.MouseButton.LeftButton)


def test_refresh_puts_a_new_dialogue_on_top_only_when_the_store_changed(
    qloop, sidebar: ChatSidebar, paths
) -> None:
    resets: list[bool] = []
    sidebar.model.modelReset.connect(lambda: resets.append(True))
    run(qloop, sidebar.refresh())
    assert resets == []  # nothing changed: nothing reloaded
    chat = HistoryStore.open(paths.database, paths.attachments_dir)  # another connection
    add(chat, dialogue("Brand new", ("user", "hi", "neutral"), now=NOW))
    chat.close()
    run(qloop, sidebar.refresh())
    assert titles(sidebar)[:2] == ["Taxes 2026", "Brand new"] and resets == [True]

    chat = HistoryStore.open(paths.database, paths.attachments_dir)
    chat.add_message(1, Message("user", "back from Lisbon"))  # a new message in an old one
    chat.close()
    run(qloop, sidebar.refresh())
    assert titles(sidebar)[:3] == ["Taxes 2026", "Old trip", "Brand new"]
    assert headings(sidebar)[1] == "Today"


def test_a_streaming_dialogue_carries_a_mark(qloop, sidebar: ChatSidebar) -> None:
    highlight = sidebar.palette().color(QPalette.ColorRole.Highlight).rgb()

    def marked(title: str) -> bool:
        image = sidebar.list_view.viewport().grab().toImage()
        y = row_center(sidebar, title).y()
        return any(image.pixel(x, y) == highlight for x in range(image.width()))

    assert not marked("Pasta recipe")
    sidebar.mark_streaming(3, True)
    assert sidebar.is_streaming(3)
    run_until(qloop, lambda: marked("Pasta recipe"))
    assert not marked("Whale facts")
    sidebar.mark_streaming(3, False)
    run_until(qloop, lambda: not marked("Pasta recipe"))


def test_paging_through_a_thousand_dialogues(qloop, qtbot, tmp_path: Path, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    build_big_store(tmp_path / "parley.db", 1000)
    store = HistoryStore.open(tmp_path / "parley.db", tmp_path / "attachments")
    sidebar = open_sidebar(qloop, store, 1)
    try:
        assert len(sidebar.model.dialogue_rows()) <= 2 * PAGE_SIZE
        qtmodeltester.check(sidebar.model)  # and again after every page that comes in
        bar = sidebar.list_view.verticalScrollBar()
        model = sidebar.model

        def drag_to_the_end(before: int) -> bool:
            """The user keeps the scroll bar at the bottom until more rows come."""
            bar.setValue(bar.maximum())
            return model.rowCount() > before or not model.canFetchMore()

        while model.canFetchMore():
            before = model.rowCount()
            run_until(qloop, lambda before=before: drag_to_the_end(before), timeout=5)
        assert [r.id for r in sidebar.model.dialogue_rows()] == list(range(1, 1001))
        bar.setValue(bar.maximum())
        scrolled = bar.value()
        sidebar.reload_in_place()  # what a refresh does: the place in the list is kept
        assert len(sidebar.model.dialogue_rows()) == 1000 and bar.value() == scrolled
        qtbot.keyClicks(sidebar.filter_edit, "Dialogue 999")
        run_until(qloop, lambda: titles(sidebar) == ["Dialogue 999"])
    finally:
        close(qloop, sidebar)
        store.close()


def test_usable_at_two_hundred_pixels(qloop, sidebar: ChatSidebar) -> None:
    sidebar.window().resize(MINIMUM_WIDTH, 500)
    sidebar.resize(MINIMUM_WIDTH, 500)
    QTest.qWait(0)
    assert sidebar.new_button.isVisible() and sidebar.filter_edit.width() > 120
    assert sidebar.list_view.viewport().width() > 150
    assert sidebar.new_button.width() + sidebar.collapse_button.width() <= MINIMUM_WIDTH


def test_rows_take_their_colours_from_the_palette(qloop, sidebar: ChatSidebar) -> None:
    """Dark mode is a palette (the offscreen platform has no colour scheme of its own)."""
    app = QApplication.instance()
    light = app.palette()
    dark = QPalette(light)
    for role, color in (
        (QPalette.ColorRole.Base, QColor(30, 30, 30)),
        (QPalette.ColorRole.Text, QColor(235, 235, 235)),
        (QPalette.ColorRole.PlaceholderText, QColor(140, 140, 140)),
    ):
        dark.setColor(role, color)
    app.setPalette(dark)
    try:
        QTest.qWait(0)
        image = sidebar.list_view.viewport().grab().toImage()
        row = sidebar.list_view.visualRect(sidebar.model.index_of(3))
        colours = {
            image.pixel(x, y)
            for x in range(row.left(), row.right())
            for y in range(row.top(), row.bottom())
        }
        assert image.pixelColor(2, row.center().y()) == dark.color(QPalette.ColorRole.Base)
        assert dark.color(QPalette.ColorRole.Text).rgb() in colours  # the title
        assert dark.color(QPalette.ColorRole.PlaceholderText).rgb() in colours  # the date
    finally:
        app.setPalette(light)
