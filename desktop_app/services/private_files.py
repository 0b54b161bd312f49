"""Files and folders only the user can read: the one mechanism every writer of Parley uses.

On POSIX, folders are made 0700 and files 0600 — explicitly, at creation (`os.open` with the
mode, then `fchmod`, so neither a loose umask nor a file that was already there widens them).
The process umask (`private_umask`, set at start-up) is a second fence for anything written
by a library behind our back. On Windows the modes mean little and are left alone.

Exports the user saves (History, datasets, CSV) get 0600 as well: they hold the same
conversations as the database, and the user can widen a file they want to share.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from desktop_app.services.temp_files import remove_stale_temps, temp_path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
POSIX = os.name == "posix"


def private_umask() -> int:
    """Make everything this process creates private by default; returns the old umask."""
    return os.umask(0o077) if POSIX else 0


def private_dir(folder: Path) -> Path:
    """Create `folder` (and missing parents) and make it 0700; returns it."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    if POSIX:
        _chmod(folder, PRIVATE_DIR)  # a folder not ours, or a file system without modes: as is
    return folder


def open_private(path: Path, mode: str = "w", **kwargs: Any) -> Any:  # a text or binary file
    """`open(path, mode)` for writing ("w", "wb", "a", "ab", "x"…), the file 0600 whatever
    the umask and whether or not it existed; with "+" ("w+") it can be read back too."""
    flags = (os.O_RDWR if "+" in mode else os.O_WRONLY) | os.O_CREAT | getattr(os, "O_BINARY", 0)
    if "a" in mode:
        flags |= os.O_APPEND
    elif "x" in mode:
        flags |= os.O_EXCL
    else:
        flags |= os.O_TRUNC
    fd = os.open(path, flags, PRIVATE_FILE)
    try:
        if POSIX:
            os.fchmod(fd, PRIVATE_FILE)
        return os.fdopen(fd, mode.replace("x", "w"), **kwargs)
    except BaseException:
        os.close(fd)
        raise


def write_private(path: Path, data: str | bytes) -> None:
    """Write the whole file (0600) in one go; text as UTF-8 with no newline translation."""
    if isinstance(data, bytes):
        with open_private(path, "wb") as out:
            out.write(data)
    else:
        with open_private(path, "w", encoding="utf-8", newline="") as out:
            out.write(data)


def touch_private(path: Path) -> None:
    """Create `path` empty (0600) if missing, or make it 0600 if it exists: SQLite creates its
    -wal and -shm files with the database file's mode, so the database is made first."""
    if not POSIX:
        return
    if not path.exists():
        # Made meanwhile by another connection, or a read-only folder: SQLite will say which.
        with contextlib.suppress(OSError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    _chmod(path, PRIVATE_FILE)  # quietly left as is when it is not ours


@contextlib.contextmanager
def atomic_private(path: Path, mode: str = "w", **kwargs: Any) -> Iterator[Any]:
    """Write to a private temporary file beside `path` and rename it over `path` when the
    block ends without error (a crash leaves the old file or the new one, never half). What
    an earlier, killed write left in that folder goes first (`temp_files`)."""
    remove_stale_temps(path.parent, [path.name])
    tmp = temp_path(path)
    try:
        with open_private(tmp, mode, **kwargs) as out:
            yield out
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def tighten_once(folders: Iterable[Path], marker: Path) -> int:
    """`tighten` the first time only: an older install is made private once, and later starts
    do not walk every attachment again. `marker` (a file) records that it was done."""
    if marker.exists():
        return 0
    changed = tighten(folders)
    with contextlib.suppress(OSError):
        touch_private(marker)
    return changed


def tighten(folders: Iterable[Path]) -> int:
    """Make existing folders 0700 and the files in them 0600 (an older install made them
    0755/0644); symlinks are not followed. Returns how many modes were changed."""
    if not POSIX:
        return 0
    changed = 0
    for root in folders:
        if not root.is_dir() or root.is_symlink():
            continue
        for folder, dirs, files in os.walk(root):
            changed += _chmod(Path(folder), PRIVATE_DIR)
            dirs[:] = [d for d in dirs if not (Path(folder) / d).is_symlink()]
            for name in files:
                changed += _chmod(Path(folder) / name, PRIVATE_FILE)
    return changed


def _chmod(path: Path, wanted: int) -> int:
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode) or stat.S_IMODE(info.st_mode) == wanted:
            return 0
        path.chmod(wanted)
    except OSError:  # a file we do not own, or one that vanished: leave it
        return 0
    return 1


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """The log file and each file it rotates into, 0600 (rotation renames, keeping the mode;
    every new file is opened here)."""

    def _open(self) -> Any:
        return open_private(
            Path(self.baseFilename), self.mode, encoding=self.encoding, errors=self.errors
        )
