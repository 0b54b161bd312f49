"""Helpers to let a qasync loop run until something is true, from synchronous test code."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any


def run_until(
    loop: asyncio.AbstractEventLoop, condition: Callable[[], Any], timeout: float = 10.0
) -> None:
    """Run the loop (and so Qt's events) until `condition()` is truthy; fail after `timeout`."""

    async def wait() -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout} s: {condition}")
            await asyncio.sleep(0.01)

    loop.run_until_complete(wait())


def run(loop: asyncio.AbstractEventLoop, awaitable: Any, timeout: float = 15.0) -> Any:
    return loop.run_until_complete(asyncio.wait_for(awaitable, timeout))
