"""The one error the store raises (its own module, so every part of the store can raise it)."""

from __future__ import annotations

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
