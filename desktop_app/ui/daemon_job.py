"""Long work (an import, an export) in a daemon thread, awaited on the event loop, that
Cancel ends at once.

`asyncio.to_thread` cannot stop its thread, so a Cancel only takes effect when the work next
looks at its flag — never, if a hostile file keeps it inside one step — and the process
cannot exit while the thread runs (the executor's threads are joined at exit). Here the
waiting ends the moment the user cancels: the work is told (its `cancelled()` turns true),
its result, whenever it comes, is dropped, and being a daemon thread it never keeps the
process alive after the window closes. Work that writes must check `cancelled()` before it
commits, so a dropped result stores nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class DaemonJob(Generic[T]):
    """`work(cancelled)` in a daemon thread: `await job.start()`; `job.cancel(exc)` makes
    that await raise `exc` at once and tells the work to stop."""

    def __init__(self, work: Callable[[Callable[[], bool]], T], name: str = "parley-job") -> None:
        self._work = work
        self._flag = threading.Event()
        self._loop = asyncio.get_running_loop()
        self._future: asyncio.Future[T] = self._loop.create_future()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    @property
    def cancelled(self) -> bool:
        return self._flag.is_set()

    def start(self) -> asyncio.Future[T]:
        self.thread.start()
        return self._future

    def cancel(self, exc: BaseException) -> None:
        self._flag.set()
        if not self._future.done():
            self._future.set_exception(exc)

    def _run(self) -> None:
        outcome: tuple[bool, Any]
        try:
            outcome = (True, self._work(self._flag.is_set))
        except BaseException as exc:  # handed to the loop, raised there by the await
            outcome = (False, exc)
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits any more
            self._loop.call_soon_threadsafe(self._settle, outcome)

    def _settle(self, outcome: tuple[bool, Any]) -> None:
        if self._future.done():  # cancelled meanwhile: the result (or error) is dropped
            return
        ok, value = outcome
        if ok:
            self._future.set_result(value)
        else:
            self._future.set_exception(value)
