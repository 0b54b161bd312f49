"""Tells the user that Parley hit an unexpected error and where its report is.

`install_crash_reporting` wires the pure `CrashReporter` (services) to Qt: the versions it
records include Qt's, and its notice is shown in a window as well as on stderr.

Signals:
    report_written(str): a crash report was written (emitted from any thread; the message box
        is shown on the GUI thread, because the connection is queued across threads).
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

import PySide6
from PySide6.QtCore import QObject, Qt, Signal, qVersion
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_app.services.app_info import base_versions
from desktop_app.services.crash_report import CrashReporter


class CrashNoticeNotifier(QObject):
    report_written = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.boxes: list[QMessageBox] = []
        self.report_written.connect(self._on_report_written)

    def notify(self, path: Path) -> None:
        """Callable from any thread."""
        self.report_written.emit(str(path))

    def _on_report_written(self, path: str) -> None:
        box = QMessageBox(QApplication.activeWindow())
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Parley ran into a problem")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(
            "Parley ran into an unexpected error.<br><br>"
            "A report (without your API key) was written to:<br>"
            f"<code>{html.escape(path)}</code><br><br>"
            "Please attach it if you report the problem."
        )
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.finished.connect(lambda _result, box=box: self._forget(box))
        self.boxes.append(box)
        box.open()  # never exec(): the asyncio loop must keep running

    def _forget(self, box: QMessageBox) -> None:
        if box in self.boxes:
            self.boxes.remove(box)
        box.deleteLater()


def runtime_versions() -> dict[str, str]:
    """Parley, Python, the OS, Qt and PySide6, and the Qt platform in use."""
    versions = base_versions()
    versions["Qt"] = f"{qVersion()} (PySide6 {PySide6.__version__})"
    if QApplication.instance() is not None:
        versions["Qt platform"] = QApplication.platformName()
    return versions


def install_crash_reporting(qt_app: QObject, log_dir: Path) -> CrashReporter:
    """Unhandled exceptions (any thread; asyncio too, once its loop uses `asyncio_handler`)
    become a report in `log_dir`, announced on stderr and in a non-blocking message box."""
    notifier = CrashNoticeNotifier(qt_app)

    def notify(path: Path) -> None:
        if sys.stderr is not None:  # None in a windowed Windows bundle
            print(f"Parley ran into an unexpected error; report: {path}", file=sys.stderr)
        notifier.notify(path)

    reporter = CrashReporter(log_dir, runtime_versions, notify)
    reporter.install()
    return reporter
