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
    """SQLite's error as the store's: a full disk gets its own type (the caller says what to
    do about it); anything else keeps SQLite's words after a sentence of ours. SQLite's own
    words always go to the log."""
    log.warning("the database refused a change: %s", exc)
    if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
        return StoreFull()
    return StoreError(f"The database refused a change: {exc}")


def is_no_space(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
