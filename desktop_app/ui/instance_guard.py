"""One Parley per data folder.

Two windows on one database step on each other: the second one's start-up marks the first
one's streaming reply interrupted, and the first one's checkpoints then match no row. So the
first launch on a data folder holds a lock file in it and listens on a local socket named after
the folder; a later launch on the same folder finds the lock taken, asks the first one (over the
socket) to bring its window to the front, and exits. Another data folder (`PARLEY_HOME`) has
another lock and another socket name, so it runs alongside.

The lock is what decides, not the socket: a crashed Parley leaves its socket file behind (on
Unix), which would look like a live instance, but the kernel and `QLockFile` see that the lock's
process is gone, so the next launch takes the lock, removes the dead socket and listens anew.

Signals:
    raise_requested(): another launch on this data folder asked for the window.
"""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

LOCK_NAME = "parley.lock"
RAISE = b"raise\n"
CONNECT_WAIT_MS = 3_000  # the first launch may be between taking the lock and listening

log = logging.getLogger(__name__)


def server_name(data_dir: Path) -> str:
    """The local socket's name: short (Unix socket paths are limited to about 100 bytes) and
    the same for every spelling of the folder (a symlink, a relative path)."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode("utf-8")).hexdigest()
    return f"parley-{digest[:20]}"


class InstanceGuard(QObject):
    raise_requested = Signal()

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir.resolve()
        self.name = server_name(self.data_dir)
        self._lock = QLockFile(str(self.data_dir / LOCK_NAME))
        self._lock.setStaleLockTime(0)  # stale only when its process is gone, never by age
        self._server: QLocalServer | None = None
        self._incoming: dict[QLocalSocket, bytes] = {}

    @property
    def held(self) -> bool:
        return self._lock.isLocked()

    def acquire(self) -> bool:
        """Become the one instance on this folder (and listen for later launches); False if
        another live process holds it."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self._lock.tryLock(0):
            return False
        QLocalServer.removeServer(self.name)  # a socket left by a crash: ours now
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.newConnection.connect(self._on_server_new_connection)
        if not server.listen(self.name):  # still the one instance; only raising won't work
            log.warning("cannot listen for other launches: %s", server.errorString())
        self._server = server
        return True

    def ask_first_to_raise(self, wait_ms: int = CONNECT_WAIT_MS) -> bool:
        """From a later launch: ask the instance holding the folder to show its window.
        True once the request was handed over."""
        deadline = time.monotonic() + wait_ms / 1000
        while True:
            socket = QLocalSocket()
            socket.connectToServer(self.name)
            if socket.waitForConnected(200):
                socket.write(RAISE)
                sent = socket.waitForBytesWritten(1_000)
                socket.disconnectFromServer()
                return sent
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)

    def release(self) -> None:
        """Stop listening and give the folder up (when the app ends)."""
        for socket in list(self._incoming):
            self._forget(socket)
            socket.abort()
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._lock.isLocked():
            self._lock.unlock()

    def _on_server_new_connection(self) -> None:
        assert self._server is not None
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._incoming[socket] = b""
            socket.readyRead.connect(self._on_socket_ready_read)
            socket.disconnected.connect(self._on_socket_disconnected)
            self._read(socket)  # what arrived with the connection

    def _on_socket_ready_read(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._read(socket)

    def _on_socket_disconnected(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._read(socket)
            self._forget(socket)

    def _read(self, socket: QLocalSocket) -> None:
        if socket not in self._incoming:
            return
        received = self._incoming[socket] + bytes(socket.readAll().data())
        self._incoming[socket] = received[-64:]
        if RAISE in received:
            self._forget(socket)
            socket.disconnectFromServer()
            self.raise_requested.emit()

    def _forget(self, socket: QLocalSocket) -> None:
        if self._incoming.pop(socket, None) is None:
            return
        socket.readyRead.disconnect(self._on_socket_ready_read)
        socket.disconnected.disconnect(self._on_socket_disconnected)
        socket.deleteLater()
