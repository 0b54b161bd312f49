"""Backups: consistent copies by the online backup API, kept N at a time, taken before every
upgrade, listed with their counts and restored with the current file kept aside."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.core.dialogue import Message
from desktop_app.services import migrations
from desktop_app.services.backups import (
    BackupError,
    list_backups,
    read_counts,
    write_backup,
)
from desktop_app.services.database_files import restore_backup, set_aside
from desktop_app.services.migrations import LATEST, MIGRATIONS
from desktop_app.services.store import Store
from desktop_app.services.store_errors import DAMAGED, READ_ONLY, UPGRADE_FAILED, StoreError
from tests.support.old_databases import link_like_parley

WHEN = datetime(2027, 1, 1, 0, 0, 5)


def filled(tmp_path: Path, dialogues: int = 3) -> Path:
    database = tmp_path / "data" / "parley.db"
    store = Store.open(database, tmp_path / "att")
    for i in range(dialogues):
        d = store.create_dialogue(f"Talk {i}")
        store.add_message(d, Message("user", f"hello {i}"))
        store.add_message(d, Message("assistant", f"hi {i}"))
    store.close()
    return database


def dump(database: Path) -> list[str]:
    conn = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        return [f"version {version}", *conn.iterdump()]
    finally:
        conn.close()


def test_a_backup_is_a_complete_checked_copy_named_with_its_date(tmp_path: Path) -> None:
    database = filled(tmp_path)
    backup = write_backup(database, tmp_path / "backups", now=WHEN, reason="daily")
    assert backup.name == "parley-2027-01-01_000005-daily.db"
    assert dump(backup) == dump(database)
    (info,) = list_backups(tmp_path / "backups")
    assert (info.path, info.taken_at, info.reason_text) == (backup, WHEN, "daily")
    assert read_counts(backup).dialogues == 3 and read_counts(backup).messages == 6
    assert not list((tmp_path / "backups").glob(".*"))  # no partial file left behind


def test_only_the_newest_are_kept(tmp_path: Path) -> None:
    database = filled(tmp_path, 1)
    folder = tmp_path / "backups"
    for day in range(5):
        write_backup(database, folder, now=WHEN + timedelta(days=day), reason="daily", keep=3)
    kept = list_backups(folder)
    assert [b.taken_at.day for b in kept] == [5, 4, 3]
    assert len(list(folder.iterdir())) == 3


def test_a_backup_taken_while_replies_are_written_is_consistent(tmp_path: Path) -> None:
    database = filled(tmp_path, 1)
    store = Store.open(database, tmp_path / "att")
    dialogue = store.create_dialogue("Busy")
    stop = threading.Event()

    def write() -> None:
        while not stop.is_set():
            store.add_message(dialogue, Message("user", "x" * 2000))

    writer = threading.Thread(target=write)
    writer.start()
    try:
        backup = write_backup(
            database, tmp_path / "backups", now=WHEN, reason="daily", step_pages=1, pause=0.0
        )
    finally:
        stop.set()
        writer.join()
        store.close()
    conn = sqlite3.connect(backup)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM dialogues").fetchone()[0] == 2
    finally:
        conn.close()


def old_database(tmp_path: Path, version: int) -> Path:
    database = tmp_path / "data" / "parley.db"
    database.parent.mkdir(parents=True)
    with sqlite3.connect(database) as conn:
        conn.executescript("\n".join(MIGRATIONS[:version]) + f"\nPRAGMA user_version = {version};")
        conn.execute(
            "INSERT INTO dialogues (id, title, model, created_at, updated_at) "
            "VALUES (7, 'Old talk', 'gpt-4', 1.0, 2.0)"
        )
        conn.execute(
            "INSERT INTO messages (dialogue_id, role, content, created_at, updated_at) "
            "VALUES (7, 'user', 'remember the walrus', 1.0, 1.0)"
        )
        link_like_parley(conn)
    return database


def test_an_upgrade_is_preceded_by_a_backup_of_the_old_file(tmp_path: Path) -> None:
    database = old_database(tmp_path, LATEST - 2)
    before = dump(database)
    Store.open(database, tmp_path / "att").close()
    (backup,) = list_backups(database.parent / "backups")
    assert backup.reason == f"before-schema-{LATEST}"
    assert backup.reason_text == "before an upgrade"
    assert dump(backup.path) == before
    Store.open(database, tmp_path / "att").close()  # up to date: nothing more to keep
    assert len(list_backups(database.parent / "backups")) == 1


def test_a_new_database_needs_no_backup(tmp_path: Path) -> None:
    Store.open(tmp_path / "parley.db", tmp_path / "att").close()
    assert list_backups(tmp_path / "backups") == []


def test_an_upgrade_failing_half_way_leaves_the_data_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = old_database(tmp_path, LATEST - 2)
    before = dump(database)
    # Two real steps, then one that changes data and fails part-way through.
    failing = (
        "UPDATE dialogues SET title = 'half-way';\n"
        "CREATE TABLE later (id INTEGER);\n"
        "INSERT INTO no_such_table VALUES (1);"
    )
    monkeypatch.setattr(migrations, "MIGRATIONS", (*MIGRATIONS, failing))
    monkeypatch.setattr(migrations, "LATEST", LATEST + 1)
    with pytest.raises(StoreError, match="left it as it was") as raised:
        Store.open(database, tmp_path / "att")
    assert raised.value.kind == UPGRADE_FAILED
    assert dump(database) == before
    (backup,) = list_backups(database.parent / "backups")
    assert dump(backup.path) == before


def test_restoring_keeps_the_current_file_aside(tmp_path: Path) -> None:
    database = filled(tmp_path, 2)
    backup = write_backup(database, tmp_path / "backups", now=WHEN, reason="daily")
    store = Store.open(database, tmp_path / "att")
    store.create_dialogue("Made after the backup")
    store.close()
    after = dump(database)
    aside = restore_backup(backup, database, WHEN + timedelta(hours=1))
    assert aside.name == "parley.db.before-restore-2027-01-01_010005"
    assert dump(aside) == after  # the current data, kept
    assert dump(database) == dump(backup)
    assert backup.exists()  # the backup stays, to restore again
    store = Store.open(database, tmp_path / "att")
    assert [d.title for d in store.list_dialogues()] == ["Talk 1", "Talk 0"]
    store.close()


def test_setting_aside_moves_the_log_with_the_file(tmp_path: Path) -> None:
    database = tmp_path / "parley.db"
    database.write_bytes(b"garbage")
    database.with_name("parley.db-wal").write_bytes(b"log")
    aside = set_aside(database, "damaged", WHEN)
    assert not database.exists() and aside.read_bytes() == b"garbage"
    assert aside.with_name(aside.name + "-wal").read_bytes() == b"log"


def test_an_empty_file_beside_a_write_ahead_log_is_damaged(tmp_path: Path) -> None:
    database = tmp_path / "parley.db"
    database.write_bytes(b"")
    database.with_name("parley.db-wal").write_bytes(b"frames of lost changes")
    with pytest.raises(StoreError, match="empty") as raised:
        Store.open(database, tmp_path / "att")
    assert raised.value.kind == DAMAGED
    assert database.stat().st_size == 0  # left for the user to decide


def test_an_empty_file_alone_opens_as_a_new_database_once(tmp_path: Path) -> None:
    database = tmp_path / "parley.db"
    database.write_bytes(b"")
    store = Store.open(database, tmp_path / "att")
    assert store.started_empty
    store.close()
    store = Store.open(database, tmp_path / "att")
    assert not store.started_empty
    store.close()


def test_a_read_only_store_says_so_when_asked_to_change(tmp_path: Path) -> None:
    database = filled(tmp_path, 1)
    store = Store.open(database, tmp_path / "att", read_only=True)
    try:
        assert [d.title for d in store.list_dialogues()] == ["Talk 0"]
        with pytest.raises(StoreError, match="read-only, so this change") as raised:
            store.create_dialogue("Not saved")
        assert raised.value.kind == READ_ONLY
    finally:
        store.close()
    assert dump(database)[0] == f"version {LATEST}"


def test_a_backup_that_cannot_be_written_says_why_and_leaves_nothing(tmp_path: Path) -> None:
    database = filled(tmp_path, 1)
    folder = tmp_path / "backups"
    folder.write_text("a file where the folder should be")
    with pytest.raises(BackupError, match="could not write a backup"):
        write_backup(database, folder, now=WHEN, reason="daily")
    assert folder.read_text() == "a file where the folder should be"


def test_two_backups_in_one_second_keep_both_and_their_order(tmp_path: Path) -> None:
    """The daily backup at start and another one a moment later used to pick one name: the
    later rename replaced the other copy, and a numbered name sorted as the older one."""
    database = tmp_path / "parley.db"
    sqlite3.connect(database).close()
    folder = tmp_path / "backups"
    when = datetime(2026, 12, 2, 0, 31, 5)
    made: list[Path] = []
    threads = [
        threading.Thread(
            target=lambda: made.append(write_backup(database, folder, now=when, reason="daily"))
        )
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(made)) == 3 and all(path.exists() for path in made)
    later = write_backup(database, folder, now=when, reason="manual")
    assert list_backups(folder)[0].path == later
