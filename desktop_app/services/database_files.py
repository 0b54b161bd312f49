"""The database file itself: setting it aside (never deleting it) and putting a backup in its
place. Every store on the file must be closed first."""

from __future__ import annotations

import contextlib
import os
import shutil
from datetime import datetime
from pathlib import Path

from desktop_app.services.backups import BackupError
from desktop_app.services.private_files import touch_private

# SQLite's companions of a database file: its write-ahead log and the log's index.
COMPANIONS = ("-wal", "-shm", "-journal")


def set_aside(database: Path, label: str, now: datetime) -> Path:
    """Rename the database (and its log, which may hold its latest changes) to
    `parley.db.<label>-<date and time>`; returns the new name. Nothing is deleted."""
    stamp = now.strftime("%Y-%m-%d_%H%M%S")
    aside = database.with_name(f"{database.name}.{label}-{stamp}")
    number = 1
    while aside.exists():
        number += 1
        aside = database.with_name(f"{database.name}.{label}-{stamp}-{number}")
    try:
        if database.exists():
            os.replace(database, aside)
        for suffix in COMPANIONS:
            companion = database.with_name(database.name + suffix)
            if companion.exists():
                os.replace(companion, aside.with_name(aside.name + suffix))
    except OSError as exc:
        raise BackupError(
            f"Parley could not set the current data file aside ({exc.strerror or exc}); "
            "nothing was changed."
        ) from exc
    return aside


def restore_backup(backup: Path, database: Path, now: datetime) -> Path:
    """Keep the current file aside, then put a copy of `backup` in its place (the backup
    itself stays, to restore again). Returns where the current file was kept."""
    partial = database.with_name(f".{database.name}.restoring")
    try:
        shutil.copyfile(backup, partial)
        touch_private(partial)  # as private as the data it replaces
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise BackupError(
            f"Parley could not read the backup {backup.name} ({exc.strerror or exc}); "
            "nothing was changed."
        ) from exc
    aside = set_aside(database, "before-restore", now)
    try:
        os.replace(partial, database)
        with contextlib.suppress(OSError):
            database.chmod(0o600)
    except OSError as exc:
        raise BackupError(
            f"Parley could not put the backup in place ({exc.strerror or exc}); your data "
            f"is kept as {aside.name}."
        ) from exc
    return aside
