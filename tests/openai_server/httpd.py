"""The socket server under ``OpenAIServer``: threads that can all be ended and joined.

The stdlib's ThreadingHTTPServer leaves keep-alive connections (the SDK pools them) blocking
their threads until the client goes away, and joins only non-daemon threads. This subclass
remembers every connection and thread so ``stop()`` can cut them off and wait for them, which
keeps test runs free of leaked threads and unclosed sockets.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from http.server import ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from .handler import Handler

if TYPE_CHECKING:
    from .server import OpenAIServer


class ThreadedServer(ThreadingHTTPServer):
    """Tracks open connections so ``stop()`` can end keep-alive and streaming ones at once."""

    # Handler threads are daemons (a forgotten client can never keep the process alive) but are
    # still joined by server_close(): the stdlib only joins non-daemon ones, so track them here.
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], app: OpenAIServer) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.stopping = False
        self.connections: set[socket.socket] = set()
        self.threads: list[threading.Thread] = []
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread, args=(request, client_address), daemon=True
        )
        with self.lock:
            self.connections.add(request)
            self.threads = [t for t in self.threads if t.is_alive()]
            self.threads.append(thread)
        thread.start()

    def server_close(self) -> None:
        super().server_close()
        with self.lock:
            threads = list(self.threads)
        for thread in threads:
            thread.join(timeout=5)  # a wedged handler must not hang the test run

    def close_request(self, request: Any) -> None:
        with self.lock:
            self.connections.discard(request)
        super().close_request(request)

    def close_connections(self) -> None:
        """Shut down every open connection; their handler threads then finish on their own."""
        with self.lock:
            self.stopping = True
            for connection in self.connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up (or stop() cutting it off) is routine here, not a bug.
        if self.stopping or isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)
