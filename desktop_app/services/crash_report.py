"""Crash reports: an unhandled exception becomes a text file in the log folder.

The report holds the traceback and the versions of Parley, Python, Qt and the OS — what a bug
report needs — and never a secret: every value the app knows to be secret (the API key in use,
secret-looking environment variables) and anything shaped like an API key is replaced by
"[redacted]" before the text is written. The hooks never raise: a failing report falls back to
the previous hook's output.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from desktop_app.services.private_files import private_dir, write_private
from desktop_app.services.redaction import REDACTED, redact, secret_environment_values

log = logging.getLogger(__name__)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

__all__ = ["REDACTED", "CrashReporter", "redact", "report_text", "secret_environment_values"]


def report_text(
    exc_info: ExcInfo,
    versions: Mapping[str, str],
    secrets: Iterable[str],
    when: datetime,
    where: str = "main thread",
) -> str:
    """The report: what happened, where, the traceback and the versions; secrets redacted."""
    exc_type, exc, tb = exc_info
    lines = [
        "Parley crash report",
        f"Time: {when.isoformat(timespec='seconds')}",
        f"Where: {where}",
        f"Error: {exc_type.__name__}: {exc}",
        "",
        "Versions:",
        *(f"  {name}: {value}" for name, value in versions.items()),
        "",
        "Traceback:",
        "".join(traceback.format_exception(exc_type, exc, tb)).rstrip(),
        "",
        "Please attach this file to a bug report. It was written without API keys or other",
        "secrets; look it over before sharing it all the same.",
        "",
    ]
    return redact("\n".join(lines), secrets)


def report_file(log_dir: Path, when: datetime) -> Path:
    """A fresh `crash-YYYYmmdd-HHMMSS.txt` in the log folder (numbered if that one exists)."""
    stem = f"crash-{when:%Y%m%d-%H%M%S}"
    path = log_dir / f"{stem}.txt"
    number = 2
    while path.exists():
        path = log_dir / f"{stem}-{number}.txt"
        number += 1
    return path


class CrashReporter:
    """Writes a report for every unhandled exception and tells the user where it is.

    `versions` and `secrets` are called when a report is written (so they see the state of
    that moment); `notify` receives the report's path and may run in any thread.
    """

    def __init__(
        self,
        log_dir: Path,
        versions: Callable[[], Mapping[str, str]],
        notify: Callable[[Path], None],
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.log_dir = log_dir
        self.versions = versions
        self.notify = notify
        self.environ = os.environ if environ is None else environ
        self.secret_sources: list[Callable[[], Iterable[str]]] = []
        self.reports: list[Path] = []
        self._previous: tuple[Any, Any] | None = None
        self._lock = threading.Lock()

    def add_secret_source(self, source: Callable[[], Iterable[str]]) -> None:
        self.secret_sources.append(source)

    def secrets(self) -> list[str]:
        """Every secret known now: the sources' (the key in use) and the environment's."""
        found = secret_environment_values(self.environ)
        for source in self.secret_sources:
            try:
                found.extend(value for value in source() if value)
            except Exception:  # a broken source must not cost the report
                log.exception("crash report: a secret source failed")
        return found

    def write(self, exc_info: ExcInfo, where: str = "main thread") -> Path | None:
        """Write a report; its path, or None if even that failed (the reason is logged)."""
        try:
            try:
                versions = dict(self.versions())
            except Exception as exc:
                versions = {"versions": f"unavailable ({type(exc).__name__})"}
            when = datetime.now()
            text = report_text(exc_info, versions, self.secrets(), when, where)
            with self._lock:
                private_dir(self.log_dir)
                path = report_file(self.log_dir, when)
                write_private(path, text)
                self.reports.append(path)
        except Exception:
            log.exception("could not write a crash report")
            return None
        log.critical("unhandled %s in %s; report: %s", exc_info[0].__name__, where, path)
        try:
            self.notify(path)
        except Exception:
            log.exception("could not tell the user about the crash report")
        return path

    # --- hooks ---------------------------------------------------------------------------

    def print_redacted(self, exc_info: ExcInfo, where: str) -> None:
        """What Python's own hooks print to stderr, with the secrets taken out (they print
        the exception's text as it is, and that may hold the key)."""
        text = "".join(traceback.format_exception(*exc_info))
        with contextlib.suppress(OSError, ValueError, AttributeError):  # no stderr (windowed)
            sys.stderr.write(redact(f"Unhandled exception in {where}:\n{text}", self.secrets()))

    def excepthook(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        self.print_redacted((exc_type, exc, tb), "the main thread")
        if not issubclass(exc_type, KeyboardInterrupt):
            self.write((exc_type, exc, tb))

    def threading_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            name = args.thread.name if args.thread is not None else "a thread"
            self.print_redacted((args.exc_type, args.exc_value, args.exc_traceback), name)
        if args.exc_value is not None and not issubclass(args.exc_type, SystemExit):
            name = args.thread.name if args.thread is not None else "a thread"
            self.write((args.exc_type, args.exc_value, args.exc_traceback), f"thread {name}")

    def asyncio_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """For `loop.set_exception_handler`: an exception nobody awaited also gets a report
        (asyncio's own message goes through logging, whose formatter redacts)."""
        loop.default_exception_handler(context)
        exc = context.get("exception")
        if isinstance(exc, Exception):
            self.write((type(exc), exc, exc.__traceback__), f"asyncio: {context.get('message')}")

    def install(self) -> None:
        """Route sys.excepthook and threading.excepthook here (the old ones still run first)."""
        if self._previous is None:
            self._previous = (sys.excepthook, threading.excepthook)
            sys.excepthook = self.excepthook
            threading.excepthook = self.threading_excepthook

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None
