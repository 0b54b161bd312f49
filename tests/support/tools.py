"""An in-process tool provider and a scripted approver for tests of the tool loop."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from desktop_app.core.tool_calls import ToolImage, ToolResult, ToolSpec, ToolStep
from desktop_app.core.tool_policy import Decision
from desktop_app.services.tool_loop import ToolFailed

NUMBERS = {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}
SPECS = (
    ToolSpec("add", "Add two numbers.", {**NUMBERS, "required": ["a", "b"]}, "maths"),
    ToolSpec("now", "The time at the test server.", source="clock"),
    ToolSpec("boom", "Always fails.", source="maths"),
    ToolSpec("oops", "Raises a bug.", source="maths"),
    ToolSpec("slow", "Takes as long as it is let.", source="clock"),
    ToolSpec("big", "Returns a long text.", source="maths"),
    ToolSpec("picture", "Returns an image.", source="maths"),
    ToolSpec("pair", "Finishes only once another pair call runs too.", source="maths"),
)
BIG = 50_000
PNG = "iVBORw0KGgo="


class FakeTools:
    """The tools of `SPECS`, run in process. `calls` records (name, arguments) in order;
    `cancelled` the names of calls told to stop; `slow_started` is set once `slow` runs."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.cancelled: list[str] = []
        self.slow_started = asyncio.Event()
        self._pairs = 0
        self._paired = asyncio.Event()

    async def list_tools(self) -> Sequence[ToolSpec]:
        return SPECS

    async def call(
        self, name: str, arguments: Mapping[str, Any], cancel: asyncio.Event
    ) -> ToolResult:
        self.calls.append((name, dict(arguments)))
        if name == "add":
            total = arguments["a"] + arguments["b"]
            return ToolResult(text=str(total), structured={"sum": total})
        if name == "now":
            return ToolResult(text="12:00")
        if name == "boom":
            raise ToolFailed("The maths server crashed while adding.")
        if name == "oops":
            raise ValueError("a bug in the tool")
        if name == "big":
            return ToolResult(text="x" * BIG)
        if name == "picture":
            return ToolResult(images=(ToolImage(PNG),))
        if name == "pair":  # proves parallel calls run at the same time
            self._pairs += 1
            if self._pairs == 2:
                self._paired.set()
            await self._paired.wait()
            return ToolResult(text="paired")
        self.slow_started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.cancelled.append(name if cancel.is_set() else f"{name} (not told)")
            raise
        return ToolResult(text="never")


class Approver:
    """Answers each question with the next of `decisions` (the last one again when they run
    out) and keeps the steps it was asked about."""

    def __init__(self, *decisions: Decision) -> None:
        self.decisions = list(decisions) or [Decision.ALLOW_ONCE]
        self.asked: list[ToolStep] = []

    async def __call__(self, step: ToolStep) -> Decision:
        self.asked.append(step)
        index = min(len(self.asked), len(self.decisions)) - 1
        return self.decisions[index]
