"""What the Training panels share: the store, the service, the notice banner and one runner
for long blocking work (in a worker thread, with progress and Cancel in the job bar)."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from desktop_app.services.dataset_files import Cancelled, Progress
from desktop_app.services.failure_text import failure_message
from desktop_app.services.fine_tuning import FineTuningService
from desktop_app.services.gateway_errors import GatewayError
from desktop_app.services.store import Store
from desktop_app.ui.history.job_bar import JobBar
from desktop_app.ui.widgets.notice_banner import NoticeBanner

PROGRESS_INTERVAL = 0.05
BUSY_TEXT = "Another dataset job is running; wait for it or cancel it."
T = TypeVar("T")
_gc_pauses = 0


async def in_worker(function: Callable[..., T], *args: Any) -> T:
    """`asyncio.to_thread` with Python's cyclic garbage collector paused meanwhile.

    Reading a dataset allocates millions of objects, and a collection runs in the thread
    that triggers it: in a worker it would destroy Qt objects left in reference cycles (qasync's
    timers) off the GUI thread, which Qt warns about and which can crash. Paused, garbage waits
    (seconds) and is collected on the GUI thread afterwards.
    """
    global _gc_pauses
    if _gc_pauses == 0 and not gc.isenabled():
        return await asyncio.to_thread(function, *args)  # someone else manages it
    _gc_pauses += 1
    gc.disable()
    try:
        return await asyncio.to_thread(function, *args)
    finally:
        _gc_pauses -= 1
        if _gc_pauses == 0:
            gc.enable()
            gc.collect(0)


class Busy(Exception):
    """Another long job is running in the Training tab."""


class TrainingContext:
    def __init__(
        self, store: Store, service: FineTuningService, banner: NoticeBanner, job_bar: JobBar
    ) -> None:
        self.store = store
        self.service = service
        self.banner = banner
        self.job_bar = job_bar
        self._cancel: threading.Event | None = None
        self._task: asyncio.Future[Any] | None = None
        job_bar.cancel_requested.connect(self.cancel)

    def notice(self, text: str, level: str = "info") -> None:
        self.banner.show_message(text, level)

    def server_notice(self, error: GatewayError, context: str = "", level: str = "error") -> None:
        """A server's answer: its reason by the first sentence, the rest behind Details…."""
        text, details = error.trimmed(context)
        self.banner.show_message(text, level, details=details)

    def task_failed(self, exc: BaseException) -> None:
        """A panel's task raised what nobody expected (the task keeper logged it)."""
        self.notice(failure_message("That action in the Training tab", exc), "error")

    @property
    def busy(self) -> bool:
        return self._cancel is not None

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
        if self._task is not None:
            self._task.cancel()

    def _thread_progress(self) -> Progress:
        """At most 20 updates a second handed from the worker to the event loop."""
        loop = asyncio.get_running_loop()
        last = [0.0]

        def progress(phase: str, done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL or done >= total:
                last[0] = now
                loop.call_soon_threadsafe(self.job_bar.report, phase, done, total)

        return progress

    async def run_blocking(self, text: str, work: Callable[[Progress, Callable[[], bool]], T]) -> T:
        """Run `work(progress, cancelled)` in a worker thread, showing progress and Cancel.
        Raises Busy if another job runs, and whatever `work` raises (Cancelled included)."""
        if self._cancel is not None:
            raise Busy
        cancel = self._cancel = threading.Event()
        self.job_bar.start(text)
        try:
            return await in_worker(work, self._thread_progress(), cancel.is_set)
        finally:
            self._cancel = None
            self.job_bar.finish()

    async def run_async(self, text: str, make: Callable[[Callable[[int, int], None]], Any]) -> Any:
        """Run a coroutine (an upload) with the job bar: `make(progress)` creates it. Cancel
        cancels its task, and this raises Cancelled."""
        if self._cancel is not None:
            raise Busy
        cancel = self._cancel = threading.Event()
        self.job_bar.start(text)
        task = self._task = asyncio.ensure_future(
            make(lambda done, total: self.job_bar.report("Uploading", done, total))
        )
        try:
            return await task
        except asyncio.CancelledError:
            if cancel.is_set() and not self._outer_cancelled():
                raise Cancelled from None
            raise
        finally:
            self._cancel = self._task = None
            self.job_bar.finish()

    @staticmethod
    def _outer_cancelled() -> bool:
        current = asyncio.current_task()
        return current is not None and current.cancelling() > 0
