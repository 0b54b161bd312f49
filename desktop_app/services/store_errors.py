"""The errors the store raises (their own module, so every part of the store can raise them)."""

from __future__ import annotations

import errno
import logging
import sqlite3

log = logging.getLogger(__name__)

NO_SPACE = "There is no space left on the disk that holds Parley's data."

# What kind of trouble an open met, for the start-up page to offer the right way forward.
DAMAGED = "damaged"  # not a database, or an empty file where data was expected
READ_ONLY = "read-only"  # the file or its folder cannot be written
NEWER = "newer"  # written by a newer Parley
UPGRADE_FAILED = "upgrade-failed"  # a migration failed (and was undone)
OTHER = "other"


class StoreError(RuntimeError):
    """The database could not be opened or written; the message is for the user."""

    def __init__(self, message: str, kind: str = OTHER) -> None:
        super().__init__(message)
        self.kind = kind


class StoreFull(StoreError):
    """No space left: SQLite's SQLITE_FULL ("database or disk is full"), or ENOSPC writing a
    file. Nothing of the change was kept; the same change can be made again once there is
    room."""

    def __init__(self, message: str = NO_SPACE) -> None:
        super().__init__(message)


def refused(exc: sqlite3.Error) -> StoreError:
    """SQLite's error as the store's, in a sentence of ours: a full disk gets its own type (the
    caller says what to do about it); busy, read-only and damaged files say so. SQLite's own
    words go to the log, never to the window."""
    log.warning("the database refused a change: %s", exc)
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary == sqlite3.SQLITE_FULL:
        return StoreFull()
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StoreError(
            "The database is busy (another program is using it); try again in a moment."
        )
    if primary == sqlite3.SQLITE_READONLY:
        return StoreError("Parley's data is read-only here, so nothing can be saved.", READ_ONLY)
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return StoreError(
            "Parley's database is damaged; File → Restore from backup… brings back the last "
            "good copy.",
            DAMAGED,
        )
    return StoreError("The database refused a change; the details are in Parley's log.")


def is_no_space(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
