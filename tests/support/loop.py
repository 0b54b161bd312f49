"""Waiting in tests for the qasync loop, which pytest-qt's event processing drives.

The `qloop` fixture is an "already running" qasync loop: asyncio callbacks are Qt timer events,
so whatever processes Qt events (these helpers, qtbot) also runs coroutines — with a running
loop set, as in the real app where the loop always runs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtTest import QTest


def run_until(
    loop: asyncio.AbstractEventLoop, condition: Callable[[], Any], timeout: float = 10.0
) -> None:
    """Process events until `condition()` is truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        QTest.qWait(5)


def run(loop: asyncio.AbstractEventLoop, awaitable: Any, timeout: float = 15.0) -> Any:
    """Run a coroutine to its end on the loop and return its result (or raise its error)."""
    task = asyncio.ensure_future(awaitable, loop=loop)
    try:
        run_until(loop, task.done, timeout)
    except AssertionError:
        task.cancel()
        raise
    return task.result()
