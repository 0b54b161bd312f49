"""A stdio server's stderr: read from a pipe by a daemon thread into a bounded buffer.

The buffer keeps the last MAX_STDERR_CHARS (what the user sees behind "Show stderr"); when the
pipe ends (the server and every child holding it exited), `on_closed` runs on the asyncio loop:
that is how a server that died by itself is noticed while nobody is calling it.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import threading
from collections.abc import Callable
from typing import TextIO

MAX_STDERR_CHARS = 64_000
_READ_SIZE = 4096


class StderrCapture:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._text = ""
        self._writer: TextIO | None = None
        self._thread: threading.Thread | None = None

    def open(self, on_closed: Callable[[], None]) -> TextIO:
        """A new pipe's write end, to hand to a server process (as its stderr); `on_closed`
        runs on the loop when this pipe ends. The text of earlier runs is kept."""
        read_fd, write_fd = os.pipe()
        os.set_inheritable(write_fd, True)
        self._writer = open(write_fd, "w", encoding="utf-8", errors="replace")  # noqa: SIM115
        self._thread = threading.Thread(
            target=self._pump, args=(read_fd, on_closed), name="mcp-stderr", daemon=True
        )
        self._thread.start()
        return self._writer

    def release_writer(self) -> None:
        """Close Parley's copy of the write end (the process has its own): from now on the
        pipe ends when the server does."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()

    def note(self, line: str) -> None:
        """Add a line of Parley's own (a start, a stop, a line that was not JSON)."""
        self._append(f"[Parley] {line}\n")

    @property
    def text(self) -> str:
        with self._lock:
            return self._text

    def last_line(self) -> str:
        """The last line the server wrote in its latest run."""
        text = self.text
        text = text[text.rfind("[Parley] starting ") :] if "[Parley] starting " in text else text
        lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("[Parley]")]
        return lines[-1].strip() if lines else ""

    def _append(self, text: str) -> None:
        with self._lock:
            self._text = (self._text + text)[-MAX_STDERR_CHARS:]

    def _pump(self, read_fd: int, on_closed: Callable[[], None]) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        try:
            while True:
                chunk = os.read(read_fd, _READ_SIZE)
                if not chunk:
                    break
                self._append(decoder.decode(chunk))
        except OSError:
            pass
        finally:
            os.close(read_fd)
            if not self._loop.is_closed():
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                    self._loop.call_soon_threadsafe(on_closed)
