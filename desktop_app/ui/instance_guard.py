"""One Parley per data folder.

Two windows on one database step on each other: the second one's start-up marks the first
one's streaming reply interrupted, and the first one's checkpoints then match no row. So the
first launch on a data folder holds a lock file in it (`parley.lock`); a later launch on the
same folder finds the lock taken, asks the first one to bring its window to the front, and
exits. Another data folder (`PARLEY_HOME`) has another lock, so it runs alongside.

The lock decides, not the channel: `QLockFile` sees that a crashed holder's process is gone
and hands the lock to the next launch, which then replaces whatever the dead one left. The
channel is a loopback TCP socket whose port (and a token) the holder writes beside the lock in
`parley.instance`: the standard library and QtCore give it on every platform, where a
QLocalServer would need QtNetwork, which the bundle leaves out. A connection is read with a
short timeout on the GUI thread; all it can ever ask is "show the window".

Signals:
    raise_requested(): another launch on this data folder asked for the window.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import socket
import time
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QSocketNotifier, Signal

from desktop_app.services.atomic_file import write_text_atomically

LOCK_NAME = "parley.lock"
CHANNEL_NAME = "parley.instance"  # "<port> <token>" of the holder's socket
CONNECT_WAIT_S = 5.0  # the holder may be starting, or busy for a moment
READ_TIMEOUT_S = 0.2  # a launch sends its request as soon as it connects

log = logging.getLogger(__name__)


class InstanceGuard(QObject):
    raise_requested = Signal()

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir.resolve()  # a symlink or relative spelling: the same folder
        self._lock = QLockFile(str(self.data_dir / LOCK_NAME))
        self._lock.setStaleLockTime(0)  # stale only when its process is gone, never by age
        self._channel = self.data_dir / CHANNEL_NAME
        self._server: socket.socket | None = None
        self._notifier: QSocketNotifier | None = None
        self._token = ""

    @property
    def held(self) -> bool:
        return self._lock.isLocked()

    def acquire(self) -> bool:
        """Become the one instance on this folder (and listen for later launches); False if
        another live process holds it."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self._lock.tryLock(0):
            return False
        self._channel.unlink(missing_ok=True)  # a dead holder's port: never to be dialled
        try:
            server = socket.create_server(("127.0.0.1", 0))
            server.setblocking(False)
            self._token = secrets.token_hex(16)
            port = server.getsockname()[1]
            write_text_atomically(self._channel, f"{port} {self._token}\n")
        except OSError as exc:  # still the one instance; only raising it won't work
            log.warning("cannot listen for other launches: %s", exc)
            return True
        self._server = server
        self._notifier = QSocketNotifier(server.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_notifier_activated)
        return True

    def ask_first_to_raise(self, wait_s: float = CONNECT_WAIT_S) -> bool:
        """From a later launch: ask the instance holding the folder to show its window.
        True once it answered that it did (a hung one accepts the connection, in the kernel,
        but never answers)."""
        deadline = time.monotonic() + wait_s
        while True:
            try:
                port, token = self._channel.read_text(encoding="utf-8").split()
                with socket.create_connection(("127.0.0.1", int(port)), timeout=1.0) as conn:
                    conn.sendall(f"raise {token}\n".encode("ascii"))
                    return _read_line(conn, max(0.1, deadline - time.monotonic())) == "raised"
            except (OSError, ValueError):  # not written yet, or not listening yet
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.1)

    def release(self) -> None:
        """Stop listening and give the folder up (when the app ends)."""
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        if self._server is not None:
            self._server.close()
            self._server = None
            self._channel.unlink(missing_ok=True)
        if self._lock.isLocked():
            self._lock.unlock()

    def _on_notifier_activated(self, *_args: object) -> None:
        if self._server is None:
            return
        try:
            conn, _address = self._server.accept()
        except OSError:  # gone before we looked
            return
        with conn:
            if _read_line(conn, READ_TIMEOUT_S) != f"raise {self._token}":
                log.info("ignored a connection that did not ask for the window")
                return
            self.raise_requested.emit()
            with contextlib.suppress(OSError):
                conn.sendall(b"raised\n")


def _read_line(conn: socket.socket, timeout: float) -> str:
    """One line from `conn`, or what came before `timeout` seconds passed ('' for nothing)."""
    conn.settimeout(timeout)
    data = b""
    with contextlib.suppress(OSError):
        while b"\n" not in data and len(data) < 256:
            chunk = conn.recv(256)
            if not chunk:
                break
            data += chunk
    return data.split(b"\n", 1)[0].decode("ascii", "replace").strip()
