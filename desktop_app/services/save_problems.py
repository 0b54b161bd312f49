"""Saying that a reply cannot be saved for lack of space, and when it can be again.

A full disk used to show only in the log: checkpoints failed quietly, and the user learnt of
it (if ever) when the reply was missing from the history.
"""

from __future__ import annotations

from collections.abc import Callable

# What `on_save_problem` hears; "" when the reply is being saved again.
NOT_CHECKPOINTED = (
    "The disk is full, so this reply is not being saved as it arrives. It goes on here; free "
    "some space and Parley saves it again."
)
NOT_SAVED_YET = (
    "The disk is full, so the finished reply cannot be saved yet. Free some space: Parley "
    "tries again every second for a minute."
)


class SaveProblems:
    """Tells the listener when saving a reply starts failing for lack of space, and when it
    works again: each change once, not at every checkpoint."""

    def __init__(self, listener: Callable[[str], None] | None) -> None:
        self.listener = listener
        self.said = ""

    def say(self, problem: str) -> None:
        if problem != self.said and self.listener is not None:
            self.said = problem
            self.listener(problem)
