"""The qasync event loop, plus what asyncio's own loops do and qasync leaves out.

Worker threads for `asyncio.to_thread` come from a standard ThreadPoolExecutor rather than
qasync's QThread-based one: plain threads, no QObjects to destroy on the right thread.

asyncio's `run_forever` installs async-generator hooks, so an async generator abandoned
mid-iteration (the SDK's SSE readers when a stream breaks) is closed on the loop. qasync's
`run_forever` does not; such generators are then finalised by the garbage collector outside
any loop, where httpx2's clean-up fails noisily. This subclass installs the hooks.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

WORKERS = 4


def make_event_loop(qt_app: Any, already_running: bool = False) -> Any:
    """`already_running`: Qt's loop is driven by someone else (tests with pytest-qt)."""
    import qasync

    class ParleyEventLoop(qasync.QEventLoop):
        _saved_hooks: Any = None

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

    loop = ParleyEventLoop(qt_app, already_running=already_running)
    loop.set_default_executor(ThreadPoolExecutor(WORKERS, thread_name_prefix="parley-worker"))
    return loop
