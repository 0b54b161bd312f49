"""Backups of the database: consistent copies made with SQLite's online backup API.

A backup is written a few hundred pages at a time, pausing between steps, so the connection
that writes replies is never held for long and the thread that runs it (a worker, never the
window's) lets others run. Each copy is checked (`PRAGMA quick_check`) before it takes its
final name, so every file in the folder is a complete database. The newest `keep` are kept.

Names carry the date and time they were taken (local time) and why:
`parley-2026-12-02_001503-daily.db`, `parley-2026-12-02_001503-before-schema-8.db`.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from desktop_app.services.private_files import private_dir, touch_private

FOLDER = "backups"
DEFAULT_KEEP = 7
STEP_PAGES = 256  # 1 MiB at SQLite's default page size
STEP_PAUSE_S = 0.002
_NAME = re.compile(r"^parley-(\d{4}-\d{2}-\d{2}_\d{6})(?:-(\d+))?-([a-z0-9-]+)\.db$")
# Choosing a free name and renaming into it are one step: two backups in the same second
# (the daily one at start and one before a restore, say) must not pick the same name.
_NAMING = threading.Lock()
_WRITING: set[Path] = set()  # partial copies being written now (never pruned), under _NAMING
_STAMP = "%Y-%m-%d_%H%M%S"


class BackupError(RuntimeError):
    """A backup could not be written or read; the message is for the user."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: datetime
    reason: str  # "daily", "before-schema-8", "manual"

    @property
    def reason_text(self) -> str:
        if self.reason.startswith("before-schema-"):
            return "before an upgrade"
        return {"daily": "daily", "manual": "by hand"}.get(self.reason, self.reason)


@dataclass(frozen=True)
class BackupCounts:
    dialogues: int
    messages: int


def backups_folder(database: Path) -> Path:
    return database.parent / FOLDER


def _free_name(folder: Path, stamp: str, reason: str) -> Path:
    """A name after every backup of the same second (numbered from the second one on)."""
    taken = [_NAME.match(p.name) for p in folder.glob(f"parley-{stamp}-*.db")]
    numbers = [int(m.group(2) or 1) for m in taken if m is not None]
    if not numbers:
        return folder / f"parley-{stamp}-{reason}.db"
    return folder / f"parley-{stamp}-{max(numbers) + 1}-{reason}.db"


def write_backup(
    source: sqlite3.Connection | Path,
    folder: Path,
    *,
    now: datetime,
    reason: str,
    keep: int = DEFAULT_KEEP,
    step_pages: int = STEP_PAGES,
    pause: float = STEP_PAUSE_S,
) -> Path:
    """Copy the database (`source`: an open connection or the file) into `folder`, check the
    copy, and drop the oldest beyond `keep`. Returns the new backup's path. Blocking: call it
    from a worker thread (`asyncio.to_thread`), or where a pause is acceptable (a migration)."""
    partial = folder / f".parley-{now.strftime(_STAMP)}-{uuid.uuid4().hex[:8]}.partial"
    try:
        private_dir(folder)
        with _NAMING:
            _WRITING.add(partial)
        touch_private(partial)  # the copy is as private as the data
        _copy(source, partial, step_pages, pause)
        with _NAMING:
            final = _free_name(folder, now.strftime(_STAMP), reason)
            os.replace(partial, final)
    except (sqlite3.Error, OSError) as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise BackupError(f"Parley could not write a backup of its data: {_reason(exc)}") from exc
    finally:
        with _NAMING:
            _WRITING.discard(partial)
    prune(folder, keep)
    return final


def _copy(source: sqlite3.Connection | Path, target: Path, step_pages: int, pause: float) -> None:
    own = isinstance(source, Path)
    src = (
        sqlite3.connect(source, check_same_thread=False, isolation_level=None)
        if isinstance(source, Path)
        else source
    )
    dest = sqlite3.connect(target, isolation_level=None)
    snapshot = not src.in_transaction
    try:
        if snapshot:
            # A read transaction held across every step: the copy is of one moment, and
            # writes on other connections (WAL lets them go on) no longer restart it (a
            # stepped backup otherwise starts again after each one, and never ends while a
            # reply streams).
            src.execute("BEGIN")
            src.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        # The pause after each step lets writers (and, through the GIL, the window) in.
        src.backup(dest, pages=step_pages, progress=lambda *_: time.sleep(pause))
        # A rollback journal, so the copy is one self-contained file that opens read-only.
        dest.execute("PRAGMA journal_mode = DELETE")
        check = dest.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise sqlite3.DatabaseError(f"the copy failed its check ({check})")
    finally:
        dest.close()
        if snapshot and src.in_transaction:
            src.execute("COMMIT")
        if own:
            src.close()
    with contextlib.suppress(OSError):
        target.chmod(0o600)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc)


def list_backups(folder: Path) -> list[BackupInfo]:
    """The backups in `folder`, newest first (files not named like one are left out)."""
    found: list[tuple[int, BackupInfo]] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for path in entries:
        match = _NAME.match(path.name)
        if match is None:
            continue
        taken = datetime.strptime(match.group(1), _STAMP)
        found.append((int(match.group(2) or 1), BackupInfo(path, taken, match.group(3))))
    # In the same second, "-2" came after the unnumbered one.
    found.sort(key=lambda pair: (pair[1].taken_at, pair[0]), reverse=True)
    return [info for _, info in found]


def prune(folder: Path, keep: int) -> None:
    """Keep the newest `keep`; drop half-written copies a killed Parley left (a day old)."""
    for old in list_backups(folder)[max(keep, 1) :]:
        with contextlib.suppress(OSError):
            old.path.unlink()
    with contextlib.suppress(OSError):
        for partial in folder.glob(".parley-*.partial"):
            with _NAMING:  # never one being written (whatever the clocks say of its age)
                if partial not in _WRITING and time.time() - partial.stat().st_mtime > 86_400:
                    partial.unlink()


def read_counts(backup: Path) -> BackupCounts:
    """How many live dialogues and messages a backup holds, read without changing it."""
    try:
        conn = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
        try:
            dialogues = conn.execute(
                "SELECT COUNT(*) FROM dialogues WHERE deleted_at IS NULL"
            ).fetchone()[0]
            messages = conn.execute(
                "SELECT COUNT(*) FROM messages m JOIN dialogues d ON d.id = m.dialogue_id "
                "WHERE d.deleted_at IS NULL"
            ).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupError(f"The backup {backup.name} could not be read: {exc}") from exc
    return BackupCounts(int(dialogues), int(messages))


def newest_age_s(folder: Path, now: datetime) -> float | None:
    """Seconds since the newest backup was taken, or None when there is none."""
    backups = list_backups(folder)
    return (now - backups[0].taken_at).total_seconds() if backups else None


def describe_backups(folder: Path) -> list[tuple[BackupInfo, BackupCounts | None]]:
    """Each backup, newest first, with its counts (None for one that cannot be read)."""
    described: list[tuple[BackupInfo, BackupCounts | None]] = []
    for info in list_backups(folder):
        try:
            counts: BackupCounts | None = read_counts(info.path)
        except BackupError:
            counts = None
        described.append((info, counts))
    return described
