"""Replies being written, one per dialogue at most, whichever dialogue the Chat tab shows.

A reply streams into the store whatever the window shows; the transcript only follows it while
its dialogue is on screen. Switching to another conversation detaches the view (the reply goes
on and is saved as it arrives); switching back shows what arrived so far and follows it again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from desktop_app.core.dialogue import Message
from desktop_app.core.tool_notes import ToolNote
from desktop_app.services.chat_session import PendingTurn


class ReplyView(Protocol):
    def begin_reply(self, reply: Message) -> None: ...
    def append_reply_text(self, text: str) -> None: ...
    def append_reasoning(self, text: str) -> None: ...
    def add_tool_note(self, note: ToolNote) -> None: ...


@dataclass
class ReplyJob:
    turn: PendingTurn
    task: asyncio.Future | None = None
    text: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    notes: list[ToolNote] = field(default_factory=list)
    activity: str = ""  # what its tools are doing ("Running add from maths…"), or ""
    streamed_id: int | None = None  # the reply the view streams into (tool rounds move it)

    def __post_init__(self) -> None:
        self.streamed_id = self.turn.reply.id

    @property
    def dialogue_id(self) -> int:
        return self.turn.dialogue_id

    def stop(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()


class ReplySink:
    """Where a job's text goes: kept (to show it again later) and passed on to the view while
    the job's dialogue is the one shown."""

    def __init__(self, job: ReplyJob, shown: Callable[[int], ReplyView | None]) -> None:
        self.job = job
        self.shown = shown  # dialogue id → its transcript if it is on screen, else None

    def text(self, text: str) -> None:
        self.job.text.append(text)
        view = self.shown(self.job.dialogue_id)
        if view is not None:
            view.append_reply_text(text)

    def reasoning(self, text: str) -> None:
        self.job.reasoning.append(text)
        view = self.shown(self.job.dialogue_id)
        if view is not None:
            view.append_reasoning(text)

    def note(self, note: ToolNote) -> None:
        self.job.notes.append(note)
        view = self.shown(self.job.dialogue_id)
        if view is not None:
            view.add_tool_note(note)


def replay(job: ReplyJob, view: ReplyView) -> None:
    """Show a running reply again in a view that was showing something else."""
    view.begin_reply(job.turn.reply)
    if job.reasoning:
        view.append_reasoning("".join(job.reasoning))
    for note in job.notes:
        view.add_tool_note(note)
    if job.text:
        view.append_reply_text("".join(job.text))
