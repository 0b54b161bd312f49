"""Launch helpers: the command line, the display check, the log file, the Qt application and
the loop it runs on: what `desktop_app.app.main` (and the self-test, the benches) start with."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any

from desktop_app import APP_NAME
from desktop_app.services.paths import AppPaths


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="parley",
        description=f"{APP_NAME} desktop app",
        epilog="Other modes: --self-test [--base-url URL] checks this installation headless; "
        "--install-desktop-entry / --uninstall-desktop-entry add Parley to (or remove it "
        "from) the Linux application menu.",
    )
    parser.add_argument(
        "--exit-after-first-frame",
        action="store_true",
        help="print FIRST_FRAME and IDLE_RSS_KB, then quit (for bench/startup.py)",
    )
    return parser.parse_args(argv)


def display_problem(environ: dict[str, str] | os._Environ[str] | None = None) -> str:
    """On Linux, a sentence saying there is no display to open a window on, or ''."""
    environ = os.environ if environ is None else environ
    if not sys.platform.startswith("linux") or environ.get("QT_QPA_PLATFORM"):
        return ""
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return ""
    return (
        "Parley needs a display, and none was found (DISPLAY and WAYLAND_DISPLAY are unset).\n"
        "On a machine without a screen, run it under a virtual one:\n"
        "    xvfb-run -a python -m desktop_app        (apt-get install xvfb)"
    )


def setup_logging(paths: AppPaths, secrets: Callable[[], Iterable[str]] = list) -> None:
    """The log file; every line of it (and of any handler added here) has `secrets()` and
    key-shaped strings taken out."""
    from desktop_app.services.private_files import PrivateRotatingFileHandler
    from desktop_app.services.redaction import RedactingFormatter

    handler = PrivateRotatingFileHandler(
        paths.log_dir / "parley.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    )
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # The SDK and its HTTP client log request details at DEBUG/INFO; keep them out of the file
    # (no headers, so no key, can ever land there).
    for noisy in ("openai", "httpx2", "httpcore2", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def idle_rss_kb() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def make_qt_app() -> Any:
    from PySide6.QtWidgets import QApplication

    qt_app = QApplication.instance()
    if not isinstance(qt_app, QApplication):
        qt_app = QApplication([sys.argv[0]])
    qt_app.setApplicationName(APP_NAME)
    qt_app.setOrganizationName(APP_NAME)
    qt_app.setQuitOnLastWindowClosed(False)  # the window's close ends `run`, which cleans up
    qt_app.setDesktopFileName("parley")  # matches resources/linux/parley.desktop (Wayland)
    from desktop_app.ui.app_icon import app_icon

    qt_app.setWindowIcon(app_icon())
    return qt_app


def run_in_qt_loop(qt_app: Any, make_coro: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Run a coroutine on a qasync loop (Python 3.11 has no asyncio.run(loop_factory=…))."""
    from desktop_app.ui.event_loop import make_event_loop

    with asyncio.Runner(loop_factory=lambda: make_event_loop(qt_app)) as runner:
        return runner.run(make_coro())
