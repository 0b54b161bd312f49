"""Temporary files written beside their target (so the final rename is atomic), and the ones a
killed Parley left behind.

A file is written as `.<name>.parley-<pid>.tmp` in the target's folder, then renamed over the
target; it cannot be written anywhere else, since a rename only stays atomic within one file
system. A kill between the two leaves the temporary file, in a folder the user chose (a saved
dataset, an export). So before writing into a folder, Parley removes the temporary files there
whose process is no longer running, and at start it does the same in its own folders.

Only files that are certainly Parley's are touched: the `parley-<pid>` tag says so, and the
older, untagged `.<name>.<pid>.tmp` counts only in Parley's own folders or for the very file
about to be written. A file whose process is alive (another Parley saving right now) is kept.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

_TAGGED = re.compile(r"^\.(?P<name>.+)\.parley-(?P<pid>\d+)\.tmp$")
_UNTAGGED = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.tmp$")  # written before the tag


def temp_path(target: Path) -> Path:
    """Where to write `target` before renaming it into place."""
    return target.with_name(f".{target.name}.parley-{os.getpid()}.tmp")


def pid_alive(pid: int) -> bool:
    """Whether a process `pid` runs now. In doubt, yes: keeping a stray file costs little,
    removing one that is being written fails someone's save."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, as another user's
        return True
    return True


def _windows_pid_alive(pid: int) -> bool:
    import ctypes

    query_limited_information, still_active, access_denied = 0x1000, 259, 5
    # Looked up by name: the type checker runs on Linux, where ctypes has neither.
    kernel32 = getattr(ctypes, "WinDLL")("kernel32", use_last_error=True)  # noqa: B009
    handle = kernel32.OpenProcess(query_limited_information, False, pid)
    if not handle:
        return bool(getattr(ctypes, "get_last_error")() == access_denied)  # noqa: B009
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


def _owner(file_name: str, targets: frozenset[str], any_untagged: bool) -> int | None:
    """The pid that wrote this temporary file, if it is one of Parley's."""
    tagged = _TAGGED.match(file_name)
    if tagged is not None:
        return int(tagged["pid"])
    untagged = _UNTAGGED.match(file_name)
    if untagged is not None and (any_untagged or untagged["name"] in targets):
        return int(untagged["pid"])
    return None


def remove_stale_temps(
    folder: Path, targets: Iterable[str] = (), *, any_untagged: bool = False
) -> list[Path]:
    """Remove the temporary files in `folder` whose writer is no longer running; returns
    them. `targets`: names about to be written there (their untagged temporaries count too);
    `any_untagged`: the folder is Parley's own, so every untagged one counts. Never fails: a
    folder that cannot be read or a file that cannot be removed is left as it is."""
    wanted = frozenset(targets)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith("."):
            continue
        pid = _owner(entry.name, wanted, any_untagged)
        if pid is None or pid_alive(pid):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError as exc:
            log.info("could not remove the leftover %s: %s", entry.path, exc)
    if removed:
        log.info("removed %d leftover temporary file(s) in %s", len(removed), folder)
    return removed


def remove_stale_temps_in(folders: Iterable[Path]) -> int:
    """At start: Parley's own folders (data, attachments, settings), where any temporary file
    of a dead Parley process is a leftover."""
    return sum(len(remove_stale_temps(f, any_untagged=True)) for f in folders)
