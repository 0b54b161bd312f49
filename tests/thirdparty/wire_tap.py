"""A TCP relay in front of a server that notes when each piece of a request went on the wire.

Parley talks to the relay as to the server; every block of bytes from Parley is timestamped
(time.monotonic) before it is passed on, so a test can tell when a request left the app even
on a keep-alive connection shared with other requests.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class WireTap:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = int(self.listener.getsockname()[1])
        self.sent: list[tuple[float, int, bytes]] = []  # (when, connection, bytes) from the client
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._closing = threading.Event()
        self._start(self._accept)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def first_time(self, needle: bytes) -> float | None:
        """When the first block holding `needle` went through, if one did."""
        with self._lock:
            return next((when for when, _, data in self.sent if needle in data), None)

    def requests(self) -> list[tuple[float, bytes]]:
        """Each request: when its first byte went out, and its bytes (a request's blocks on
        one connection joined until the next request line on that connection)."""
        with self._lock:
            blocks = list(self.sent)
        found: list[tuple[float, bytearray]] = []
        open_on: dict[int, bytearray] = {}
        for when, connection, data in blocks:
            if data.split(b" ", 1)[0] in (b"GET", b"POST", b"DELETE") or connection not in open_on:
                open_on[connection] = bytearray()
                found.append((when, open_on[connection]))
            open_on[connection] += data
        return [(when, bytes(data)) for when, data in found]

    def _start(self, target, *args) -> None:  # type: ignore[no-untyped-def]
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._sockets += [client, upstream]
            self._start(self._pump, client, upstream, len(self._sockets))
            self._start(self._pump, upstream, client, None)

    def _pump(self, source: socket.socket, sink: socket.socket, connection: int | None) -> None:
        """Pass bytes on; note those of the client (`connection` says which one it is)."""
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if connection is not None:
                    with self._lock:
                        self.sent.append((time.monotonic(), connection, data))
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._closing.set()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=5)
        for sock in sockets:
            sock.close()
        self.listener.close()
