"""Small images made on the spot, and a local web server to drop links from."""

from __future__ import annotations

import contextlib
import io
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from PIL import Image

COLOURS = ["red", "green", "blue", "yellow", "cyan", "magenta", "orange", "purple"]


def image_bytes(size: tuple[int, int] = (64, 48), colour: Any = "red", fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


def write_image(
    path: Path, size: tuple[int, int] = (64, 48), colour: Any = "red", fmt: str = "PNG"
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(image_bytes(size, colour, fmt))
    return path


@dataclass
class Served:
    body: bytes
    content_type: str = "image/png"
    status: int = 200
    delay: float = 0.0
    length: int | None = None  # a Content-Length to claim instead of the real one


class FileServer:
    """A web server on 127.0.0.1 serving `routes` (path → Served), for dropped links."""

    def __init__(self) -> None:
        self.routes: dict[str, Served] = {}
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                served = routes.get(self.path)
                if served is None:
                    self.send_error(404, "Not Found")
                    return
                time.sleep(served.delay)
                self.send_response(served.status)
                self.send_header("Content-Type", served.content_type)
                length = served.length if served.length is not None else len(served.body)
                self.send_header("Content-Length", str(length))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (size cap, timeout)
                    self.wfile.write(served.body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{path}"

    def __enter__(self) -> FileServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)
