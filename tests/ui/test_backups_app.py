"""Backups in the running app: the daily one, File → Restore from backup…, and what a damaged,
empty or read-only data file offers at start-up."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from PySide6.QtCore import Qt

from desktop_app.core.dialogue import Message
from desktop_app.services.backups import backups_folder, list_backups, write_backup
from desktop_app.services.paths import AppPaths
from desktop_app.services.settings import Settings
from desktop_app.services.store import Store
from desktop_app.ui.history.history_tab import HistoryTab
from desktop_app.ui.restore_dialog import RestoreDialog
from desktop_app.ui.store_problem_page import StoreProblemPage
from tests.support.loop import run, run_until
from tests.support.read_only import read_only

START = datetime(2026, 12, 31, 23, 30)  # a backup a day later is in another year


class Clock:
    def __init__(self, start: datetime) -> None:
        self.time = start

    def __call__(self) -> datetime:
        return self.time


def fill(store: Store, titles: list[str]) -> None:
    for title in titles:
        dialogue = store.create_dialogue(title)
        store.add_message(dialogue, Message("user", f"question in {title}"))
        store.add_message(dialogue, Message("assistant", f"answer in {title}"))


def make_backup(paths: AppPaths, titles: list[str], when: datetime) -> None:
    """A backup holding `titles`, as a Parley of an earlier day left it."""
    scratch = paths.cache_dir / "earlier.db"
    store = Store.open(scratch, paths.attachments_dir)
    fill(store, titles)
    store.close()
    write_backup(scratch, backups_folder(paths.database), now=when, reason="daily")


def history_titles(parley) -> list[str]:  # type: ignore[no-untyped-def]
    tab = parley.window.tab("History")
    assert isinstance(tab, HistoryTab)
    tab.model.reload()
    return sorted(r.title for r in tab.model.dialogue_rows())


def choose_and_confirm(qloop, qtbot, parley, row: int = 0) -> None:  # type: ignore[no-untyped-def]
    run_until(qloop, lambda: isinstance(parley.data_care.dialog, RestoreDialog))
    dialog = parley.data_care.dialog
    run_until(qloop, dialog.isVisible)
    item = dialog.backups.item(row)
    rect = dialog.backups.visualItemRect(item)
    qtbot.mouseClick(dialog.backups.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    run_until(qloop, lambda: dialog.confirmation is not None and dialog.confirmation.isVisible())
    changes = parley.data_care.changes
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    run_until(qloop, lambda: parley.data_care.changes > changes)
    assert parley.chat_tab is not None


def test_a_backup_is_written_at_start_and_then_once_a_day(qloop, start_parley, paths) -> None:  # type: ignore[no-untyped-def]
    clock = Clock(START)
    parley = start_parley(Settings(backups_kept=2), now=clock)
    folder = backups_folder(paths.database)
    run_until(qloop, lambda: len(list_backups(folder)) == 1)
    assert list_backups(folder)[0].taken_at == START
    clock.time = START + timedelta(hours=23)
    parley.data_care.timer.check()
    run(qloop, parley.data_care.timer.shutdown())  # waits for any backup under way
    assert len(list_backups(folder)) == 1  # not a day yet
    for day in (1, 2):
        clock.time = START + timedelta(days=day, minutes=1)
        parley.data_care.timer.start()
        run(qloop, parley.data_care.timer.shutdown())  # the backup of that day is written
        assert list_backups(folder)[0].taken_at == clock.time
    # Two kept, as set: the first is gone.
    assert [b.taken_at for b in list_backups(folder)] == [
        START + timedelta(days=2, minutes=1),
        START + timedelta(days=1, minutes=1),
    ]


def test_restore_from_the_menu_brings_every_dialogue_back(qloop, qtbot, parley, paths) -> None:  # type: ignore[no-untyped-def]
    fill(parley.store, ["Walrus", "Narwhal", "Puffin"])
    run(qloop, parley.data_care.timer.back_up())
    # Then the history is lost (an update gone wrong, a mistaken purge).
    conn = sqlite3.connect(paths.database, isolation_level=None)
    conn.execute("DELETE FROM messages")
    conn.execute("DELETE FROM dialogues")
    conn.close()
    assert history_titles(parley) == []

    parley.window.restore_action.trigger()
    run_until(qloop, lambda: isinstance(parley.data_care.dialog, RestoreDialog))
    dialog = parley.data_care.dialog
    run_until(qloop, dialog.isVisible)
    assert "3 dialogues, 6 messages" in dialog.backups.item(0).text()
    choose_and_confirm(qloop, qtbot, parley)

    assert history_titles(parley) == ["Narwhal", "Puffin", "Walrus"]
    sidebar = parley.chat_tab.sidebar
    run_until(qloop, lambda: len(sidebar.model.dialogue_rows()) == 3)
    assert "restored" in parley.chat_tab.banner.text
    (aside,) = paths.data_dir.glob("parley.db.before-restore-*[0-9]")
    conn = sqlite3.connect(aside)  # the emptied file, kept
    assert conn.execute("SELECT COUNT(*) FROM dialogues").fetchone()[0] == 0
    conn.close()
    # The restored data is live: a new dialogue is saved in it.
    dialogue = parley.store.create_dialogue("After the restore")
    assert parley.store.is_live(dialogue)


def test_a_damaged_file_offers_a_backup(qloop, qtbot, start_parley, paths) -> None:  # type: ignore[no-untyped-def]
    make_backup(paths, ["Kept by the backup"], START)
    paths.database.write_bytes(b"\x00garbage, not a database" * 500)
    parley = start_parley()
    page = parley.window.tab("Chat")
    assert isinstance(page, StoreProblemPage)
    assert page.title.text() == "Parley's data file is damaged"
    assert "file is not a database" not in page.message.text()  # no raw SQLite text
    assert page.restore_button.isVisible() and page.fresh_button.isVisible()
    assert parley.window.connection_label.text() == "Data not opened"  # not "Starting…"
    qtbot.mouseClick(page.restore_button, Qt.MouseButton.LeftButton)
    choose_and_confirm(qloop, qtbot, parley)
    assert history_titles(parley) == ["Kept by the backup"]
    (aside,) = paths.data_dir.glob("parley.db.before-restore-*[0-9]")
    assert aside.read_bytes().startswith(b"\x00garbage")


def test_a_damaged_file_can_be_set_aside_to_start_fresh(qloop, qtbot, start_parley, paths) -> None:  # type: ignore[no-untyped-def]
    paths.database.write_bytes(b"garbage" * 500)
    parley = start_parley()
    page = parley.window.tab("Chat")
    assert isinstance(page, StoreProblemPage)
    assert not page.restore_button.isVisible()  # there is no backup
    assert "no backup" in page.message.text()
    qtbot.mouseClick(page.fresh_button, Qt.MouseButton.LeftButton)
    run_until(qloop, lambda: parley.data_care.changes == 1)
    (aside,) = paths.data_dir.glob("parley.db.damaged-*[0-9]")
    assert aside.read_bytes() == b"garbage" * 500
    assert "damaged file is kept" in parley.chat_tab.banner.text
    assert history_titles(parley) == []


def test_an_empty_file_with_backups_is_damaged(qloop, start_parley, paths) -> None:  # type: ignore[no-untyped-def]
    make_backup(paths, ["Before the file was emptied"], START)
    paths.database.write_bytes(b"")
    parley = start_parley()
    page = parley.window.tab("Chat")
    assert isinstance(page, StoreProblemPage)
    assert "empty" in page.message.text() and page.restore_button.isVisible()
    assert paths.database.stat().st_size == 0  # left as it was, for the user to decide


def test_an_empty_file_without_backups_is_said_once(qloop, start_parley, paths) -> None:  # type: ignore[no-untyped-def]
    paths.database.write_bytes(b"")
    parley = start_parley()
    assert parley.chat_tab is not None
    assert "was empty" in parley.chat_tab.banner.text
    run(qloop, parley.shutdown())
    again = start_parley()
    assert "was empty" not in again.chat_tab.banner.text


def test_a_read_only_folder_opens_history_read_only(qloop, start_parley, paths) -> None:  # type: ignore[no-untyped-def]
    store = Store.open(paths.database, paths.attachments_dir)
    fill(store, ["Readable still"])
    store.close()
    with read_only(paths.data_dir):
        parley = start_parley()
        page = parley.window.tab("Chat")
        assert isinstance(page, StoreProblemPage)
        assert page.title.text() == "Parley's data is read-only"
        assert "unable to open database file" not in page.message.text()
        assert "nothing new can be saved" in page.message.text()
        assert history_titles(parley) == ["Readable still"]
        history = parley.window.tab("History")
        assert "read-only" in history.banner.text
        # Reading and exporting are offered; nothing that would have to write is.
        assert not history.export_button.isHidden()
        assert history.import_button.isHidden() and history.trash_button.isHidden()
        assert all(b.isHidden() for b in history.reader.buttons)
        assert parley.window.connection_label.text() == "Read-only"
        run(qloop, parley.shutdown())


def test_a_read_only_file_is_said_so(qloop, start_parley, paths) -> None:  # type: ignore[no-untyped-def]
    store = Store.open(paths.database, paths.attachments_dir)
    fill(store, ["In a file nobody may change"])
    store.close()
    with read_only(paths.database):
        parley = start_parley()
        assert parley.chat_tab is None
        assert "read-only" in parley.window.tab("Chat").message.text()
        assert history_titles(parley) == ["In a file nobody may change"]
        run(qloop, parley.shutdown())


def test_the_dialog_lists_backups_and_leaves_out_unreadable_ones(qtbot, paths) -> None:  # type: ignore[no-untyped-def]
    make_backup(paths, ["One", "Two"], START)
    folder = backups_folder(paths.database)
    (folder / "parley-2027-01-01_120000-daily.db").write_bytes(b"not a database")
    from desktop_app.services.backups import describe_backups

    dialog = RestoreDialog(describe_backups(folder))
    qtbot.addWidget(dialog)
    unreadable, good = dialog.backups.item(0), dialog.backups.item(1)
    assert "Friday 1 January 2027, 12:00 (daily)" in unreadable.text()
    assert "cannot be read" in unreadable.text()
    assert not unreadable.flags() & Qt.ItemFlag.ItemIsEnabled
    assert good.text() == "Thursday 31 December 2026, 23:30 (daily)\n2 dialogues, 4 messages"
    assert dialog.backups.currentItem() is good and dialog.restore_button.isEnabled()
    chosen: list[str] = []
    dialog.restore_chosen.connect(chosen.append)
    dialog.open()
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert dialog.confirmation is not None
    dialog.confirmation.reject()  # Cancel: nothing is restored
    assert chosen == [] and dialog.isVisible()


def test_an_empty_backup_says_it_is_empty(qtbot, paths) -> None:  # type: ignore[no-untyped-def]
    make_backup(paths, [], START)
    from desktop_app.services.backups import describe_backups

    dialog = RestoreDialog(describe_backups(backups_folder(paths.database)))
    qtbot.addWidget(dialog)
    assert dialog.backups.item(0).text().endswith("\nempty: no dialogues")


def test_the_dialog_says_when_there_is_no_backup(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = RestoreDialog([])
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.empty.isVisible() and not dialog.restore_button.isEnabled()


def test_an_upgrade_that_fails_is_explained_and_changes_nothing(  # type: ignore[no-untyped-def]
    qloop, start_parley, paths, monkeypatch
) -> None:
    from desktop_app.services import migrations

    store = Store.open(paths.database, paths.attachments_dir)
    fill(store, ["Before the upgrade"])
    store.close()
    before = paths.database.read_bytes()
    broken = (*migrations.MIGRATIONS, "DROP TABLE messages; SELECT no_such_function();")
    monkeypatch.setattr(migrations, "MIGRATIONS", broken)
    monkeypatch.setattr(migrations, "LATEST", len(broken))
    parley = start_parley()
    page = parley.window.tab("Chat")
    assert isinstance(page, StoreProblemPage)
    assert page.title.text() == "Parley could not upgrade its data"
    assert "left it as it was" in page.message.text()
    assert "no_such_function" not in page.message.text()
    assert paths.database.read_bytes() == before
    assert len(list_backups(backups_folder(paths.database))) == 1
