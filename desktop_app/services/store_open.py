"""Opening the database file: read-write (with a backup before any upgrade) or read-only, and
telling the kinds of failure apart so the user is offered what can be done about each."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from desktop_app.services import migrations
from desktop_app.services.backups import BackupError, backups_folder, list_backups, write_backup
from desktop_app.services.migrations import MigrationError, migrate
from desktop_app.services.private_files import private_dir, touch_private
from desktop_app.services.store_errors import (
    DAMAGED,
    NEWER,
    OTHER,
    READ_ONLY,
    UPGRADE_FAILED,
    StoreError,
)

log = logging.getLogger(__name__)

_DAMAGE_CODES = {"SQLITE_NOTADB", "SQLITE_CORRUPT"}
_READ_ONLY_CODES = {"SQLITE_READONLY", "SQLITE_PERM", "SQLITE_AUTH"}


def is_empty_file(database: Path) -> bool:
    try:
        return database.stat().st_size == 0
    except OSError:
        return False


def check_not_emptied(database: Path) -> None:
    """An empty file where a backup or a write-ahead log exists once held data: report it as
    damaged rather than start silently with nothing."""
    if not is_empty_file(database):
        return
    wal = database.with_name(database.name + "-wal")
    if list_backups(backups_folder(database)) or wal.exists():
        raise StoreError(
            f"The file {database} is empty (0 bytes), though it held data before.",
            DAMAGED,
        )


def connect_read_write(
    database: Path, keep_backups: int, now: Callable[[], datetime] = datetime.now
) -> sqlite3.Connection:
    """Open, set the pragmas, and bring the schema up to date, backing the file up first."""
    conn: sqlite3.Connection | None = None
    try:
        private_dir(database.parent)
        touch_private(database)  # SQLite gives its -wal and -shm files the same mode
        conn = sqlite3.connect(database, check_same_thread=False, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        _probe_write(conn)
        migrate(conn, before=lambda old: _backup_before(conn, database, old, keep_backups, now))
    except BaseException as exc:
        if conn is not None:
            conn.close()
        if isinstance(exc, (sqlite3.Error, OSError, MigrationError)):
            raise open_error(database, exc) from exc
        raise
    return conn


def _probe_write(conn: sqlite3.Connection) -> None:
    """Fail now, as read-only, where the file cannot be written: SQLite opens a read-only file
    without a word, and would only refuse the first change (a reply already sent)."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(f"PRAGMA user_version = {version}")
    finally:
        conn.execute("ROLLBACK")


def _backup_before(
    conn: sqlite3.Connection | None,
    database: Path,
    version: int,
    keep: int,
    now: Callable[[], datetime],
) -> None:
    """A copy of the file as it is, before an upgrade touches it (a new, empty file has
    nothing to keep). Without it the upgrade does not run: it is the user's way back."""
    if version == 0 or conn is None:
        return
    try:
        write_backup(
            conn,
            backups_folder(database),
            now=now(),
            reason=f"before-schema-{migrations.LATEST}",
            keep=keep,
            pause=0.0,
        )
    except BackupError as exc:
        raise StoreError(
            f"{exc} Parley needs one before upgrading your data to this version, so it did "
            "not upgrade it; free some space or make the folder writable, then start again."
        ) from exc


def connect_read_only(database: Path) -> sqlite3.Connection:
    """Open for reading only, where the file or its folder cannot be written. A database in
    WAL mode needs its index file, which a read-only folder cannot hold; then the file is read
    as immutable (nothing can be writing to it there)."""
    uri = database.resolve().as_uri()
    last: sqlite3.Error | None = None
    for query in ("mode=ro", "immutable=1"):
        conn = sqlite3.connect(f"{uri}?{query}", uri=True, check_same_thread=False)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA query_only = ON")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.Error as exc:
            conn.close()
            last = exc
            continue
        if version != migrations.LATEST:
            conn.close()
            kind = NEWER if version > migrations.LATEST else READ_ONLY
            raise StoreError(
                "Parley's data is read-only and was written by "
                f"{'a newer' if kind == NEWER else 'an older'} version of Parley, so this one "
                "cannot read it until the folder is writable.",
                kind,
            )
        return conn
    assert last is not None
    raise open_error(database, last)


def open_error(database: Path, exc: BaseException) -> StoreError:
    """A StoreError saying, in a sentence, what kind of trouble opening `database` met."""
    log.error("opening %s: %r (cause: %r)", database, exc, exc.__cause__)
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, MigrationError):
        return StoreError(str(exc), NEWER if exc.newer else UPGRADE_FAILED)
    code = getattr(exc, "sqlite_errorname", "") or ""
    if any(code.startswith(c) for c in _DAMAGE_CODES):
        return StoreError(
            f"The file {database} is damaged: it is not a database any more, or part of it "
            "was overwritten.",
            DAMAGED,
        )
    if (
        any(code.startswith(c) for c in _READ_ONLY_CODES)
        or isinstance(exc, PermissionError)
        or not _writable(database)
    ):
        return StoreError(
            f"The folder {database.parent} is read-only, so Parley cannot save anything there.",
            READ_ONLY,
        )
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return StoreError(f"Could not open the database {database} ({detail}).", OTHER)


def _writable(database: Path) -> bool:
    if database.exists() and not os.access(database, os.W_OK):
        return False
    folder = database.parent
    if not folder.exists():
        return True
    if not os.access(folder, os.W_OK):
        return False
    probe = folder / f".parley-write-probe-{os.getpid()}"
    try:
        probe.touch()
        probe.unlink()
    except OSError:
        return False  # root is refused too where the folder is immutable or mounted read-only
    return True
