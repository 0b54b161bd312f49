"""What the user reads when something fails: a sentence, never the exception's own text.

An exception's text is written for programmers (and may hold paths, SQL or a server's words);
the user needs what failed and what to do. Errors with a meaning a person can act on (a full
disk, a permission, a read-only place, text that is not UTF-8, a file that is not JSON) get
their own sentence; anything else says where the details are: the log, whose folder Help →
About shows. The log formatter redacts secrets, so the traceback can go there whole.
"""

from __future__ import annotations

import errno
import json
import logging
import sqlite3
from collections.abc import Iterator

log = logging.getLogger(__name__)

DETAILS = "The details are in Parley's log (Help → About shows its folder)."
_CHAIN_LIMIT = 8  # causes followed (a chain can, in principle, loop)

_ERRNO_REASONS = {
    errno.ENOSPC: "the disk is full. Free some space, then try again.",
    errno.EDQUOT: "the disk quota is used up. Free some space, then try again.",
    errno.EACCES: "Parley is not allowed to use that file or folder (permission denied). "
    "Choose another place, or check its permissions.",
    errno.EPERM: "Parley is not allowed to use that file or folder (permission denied). "
    "Choose another place, or check its permissions.",
    errno.EROFS: "the place is read-only. Choose another place to write to.",
    errno.ENOENT: "the file or folder does not exist (any more).",
    errno.EISDIR: "that is a folder, not a file.",
    errno.ENAMETOOLONG: "the file name is too long for that place.",
}
_SQLITE_REASONS = (
    ("disk is full", _ERRNO_REASONS[errno.ENOSPC]),
    ("readonly", "the database is read-only (its file or folder cannot be written)."),
    ("locked", "the database is busy (another program is using it). Try again in a moment."),
    ("busy", "the database is busy (another program is using it). Try again in a moment."),
    ("malformed", "the database file is damaged."),
    ("not a database", "the database file is damaged."),
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < _CHAIN_LIMIT:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _reason(exc: BaseException) -> str:
    """A phrase for an error whose meaning is known, or ""."""
    for link in _chain(exc):
        if isinstance(link, OSError) and link.errno in _ERRNO_REASONS:
            return _ERRNO_REASONS[link.errno]
        if isinstance(link, sqlite3.Error):
            text = str(link).lower()
            for needle, reason in _SQLITE_REASONS:
                if needle in text:
                    return reason
        if isinstance(link, json.JSONDecodeError):
            return (
                f"the file is not valid JSON (line {link.lineno}, column {link.colno}). "
                "Check that it is the right file and complete."
            )
        if isinstance(link, UnicodeDecodeError):
            return "the file is not UTF-8 text. Save it as UTF-8, then try again."
        if isinstance(link, UnicodeEncodeError):
            return "the text holds characters that cannot be stored."
        if isinstance(link, RecursionError):
            return "the data is nested too deeply to read."
        if isinstance(link, MemoryError):
            return "there is not enough memory. Close other programs or try something smaller."
    for link in _chain(exc):
        if isinstance(link, OSError) and link.strerror:
            return f"the system said “{link.strerror}”. {DETAILS}"
    return ""


def failure_message(action: str, exc: BaseException) -> str:
    """`action` ("Importing", "Saving the assistant") failed: why, when known, and what to do."""
    reason = _reason(exc)
    if reason:
        return f"{action} failed: {reason}"
    return f"{action} failed unexpectedly. {DETAILS}"


def report_failure(action: str, exc: BaseException, logger: logging.Logger | None = None) -> str:
    """Log `exc` with its traceback and return the sentence for the user."""
    (logger or log).error("%s failed", action, exc_info=exc)
    return failure_message(action, exc)
