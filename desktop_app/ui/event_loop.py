"""The qasync event loop, plus what asyncio's own loops do and qasync leaves out.

Worker threads for `asyncio.to_thread` come from a standard ThreadPoolExecutor rather than
qasync's QThread-based one: plain threads, no QObjects to destroy on the right thread.

asyncio's `run_forever` installs async-generator hooks, so an async generator abandoned
mid-iteration (the SDK's SSE readers when a stream breaks) is closed on the loop. qasync's
`run_forever` does not; such generators are then finalised by the garbage collector outside
any loop, where httpx2's clean-up fails noisily. This subclass installs the hooks.

qasync's `run_until_complete` also processes Qt events once more after `run_forever` has
returned, when no loop is "running": a callback still pending then (typically the close of a
stream reader finalised as the last reply ended) runs where `asyncio.current_task()` fails,
and httpx2 leaves its connection open. This subclass keeps the loop marked as running for
that last pass.

Closing the loop waits for the worker threads, with no limit in qasync (and asyncio); one stuck
in a long step kept the closed app running. Ours waits a moment only, and `desktop_app.app`
then ends the process if one is still busy (see `leave`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

WORKERS = 4
EXECUTOR_GRACE_S = 2.0  # how long a closing app waits for busy worker threads


class WorkerPool(ThreadPoolExecutor):
    """The loop's worker threads; shutting down waits at most EXECUTOR_GRACE_S for them."""

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=False, cancel_futures=cancel_futures)
        if not wait:
            return
        deadline = time.monotonic() + EXECUTOR_GRACE_S
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))


def make_event_loop(qt_app: Any, already_running: bool = False) -> Any:
    """`already_running`: Qt's loop is driven by someone else (tests with pytest-qt)."""
    import qasync

    class ParleyEventLoop(qasync.QEventLoop):
        _saved_hooks: Any = None
        _completing = False

        def run_until_complete(self, future: Any) -> Any:
            self._completing = True
            try:
                return super().run_until_complete(future)
            finally:
                self._completing = False
                asyncio.events._set_running_loop(None)

        def _before_run_forever(self) -> None:
            super()._before_run_forever()
            self._saved_hooks = sys.get_asyncgen_hooks()
            sys.set_asyncgen_hooks(
                firstiter=self._asyncgen_firstiter_hook,
                finalizer=self._asyncgen_finalizer_hook,
            )

        def _after_run_forever(self) -> None:
            if self._saved_hooks is not None:
                sys.set_asyncgen_hooks(*self._saved_hooks)
                self._saved_hooks = None
            super()._after_run_forever()
            if self._completing:  # see the module docstring
                asyncio.events._set_running_loop(self)

    loop = ParleyEventLoop(qt_app, already_running=already_running)
    loop.set_default_executor(WorkerPool(WORKERS, thread_name_prefix="parley-worker"))
    return loop


def leave(code: int) -> int:
    """`code`, once the loop has ended; or, if a worker thread is still busy (a long step in
    an import, a stuck read), end the process at once: Python would wait for that thread at
    exit, long after the user closed the window. Daemon threads never hold the exit."""
    busy = [
        t.name
        for t in threading.enumerate()
        if t is not threading.main_thread() and t.is_alive() and not t.daemon
    ]
    if not busy:
        return code
    log = logging.getLogger(__name__)
    log.warning("exiting while worker threads are still busy: %s", ", ".join(busy))
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
