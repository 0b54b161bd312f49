"""How a reply ended, and what that means for its status, its card and what the user is told.

A stream that simply stops is not a finished reply: the server says a reply is finished
(chat completions' `finish_reason`, Responses' `response.completed` / `response.incomplete`),
and anything else — a body that ends without it, a web page instead of events — is a cut.
The server's reason is kept with the reply (`Message.ending`), so a reply stopped at the token
limit, refused, filtered or left empty is never shown (or trained on) as a plain "complete".
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.core.dialogue import Ending, Status

__all__ = ["Ending", "Notice", "Outcome", "card_note", "ending_notice", "note_tone", "settle"]


# What the server says on the wire → how Parley reads it. Chat completions' finish reasons,
# Responses' incomplete reasons; "tool_calls" is only an ending if no text came with it.
_SERVER_REASONS = {
    "stop": Ending.NONE,
    "end_turn": Ending.NONE,
    "completed": Ending.NONE,
    "length": Ending.LENGTH,
    "max_tokens": Ending.LENGTH,
    "max_output_tokens": Ending.LENGTH,
    "content_filter": Ending.FILTERED,
    "tool_calls": Ending.NONE,
    "function_call": Ending.NONE,
    "incomplete": Ending.CUT,  # Responses' "incomplete" with a reason Parley does not know
}

CARD_NOTES = {
    Ending.CUT: "cut off",
    Ending.LENGTH: "cut at the token limit",
    Ending.REFUSED: "refused",
    Ending.FILTERED: "stopped by the content filter",
    Ending.EMPTY: "no text",
}

CUT_TEXT = (
    "The reply was cut off before the server finished it; the part that arrived is kept. "
    "Press Regenerate to try again."
)
PAGE_TEXT = (
    "The server answered with a web page instead of a reply (a proxy or login page, or a "
    "wrong base URL in Settings). Nothing of the reply arrived."
)
LENGTH_TEXT = "The reply reached the output-token limit and stopped there."
FILTERED_TEXT = "The server's content filter stopped the reply; the part before it is kept."
EMPTY_TEXT = "The model finished without writing any text. Press Regenerate to ask again."
TOOLS_TEXT = (
    "The model answered only with a request to call a tool, which Parley does not run in this "
    "chat, so the reply has no text. Press Regenerate to ask again."
)
REFUSED_TEXT = "The model declined to answer; its words are shown as the reply."
CONTINUE_HINT = " Continue asks for the rest, as a new message."
CONTINUE_TEXT = "Please continue exactly where your last reply stopped."


@dataclass(frozen=True)
class Outcome:
    """What a reply that reached its end becomes: stored status, ending, and the sentence
    the user is told ("" when there is nothing to say)."""

    status: Status
    ending: Ending
    message: str = ""


def read_server_reason(reason: str) -> Ending:
    """A finish or incomplete reason as the server sent it; an unknown one counts as done."""
    return _SERVER_REASONS.get(reason.strip().lower(), Ending.NONE) if reason else Ending.NONE


def settle(reason: str | None, has_text: bool, refused: bool = False) -> Outcome:
    """The outcome of a stream that ended without an error. `reason` is the server's finish
    reason for the reply shown, or None when the server never gave one (a cut)."""
    if reason is None:
        return Outcome(Status.INTERRUPTED, Ending.CUT, CUT_TEXT)
    ending = read_server_reason(reason)
    if ending is Ending.CUT:
        return Outcome(Status.INTERRUPTED, Ending.CUT, CUT_TEXT)
    if refused:
        return Outcome(Status.COMPLETE, Ending.REFUSED)
    if ending is Ending.LENGTH:
        return Outcome(Status.INTERRUPTED, Ending.LENGTH, LENGTH_TEXT)
    if ending is Ending.FILTERED:
        return Outcome(Status.INTERRUPTED, Ending.FILTERED, FILTERED_TEXT)
    if not has_text:
        tools = reason.strip().lower() in ("tool_calls", "function_call")
        return Outcome(Status.ERROR, Ending.EMPTY, TOOLS_TEXT if tools else EMPTY_TEXT)
    return Outcome(Status.COMPLETE, Ending.NONE)


def card_note(ending: str) -> str:
    """The word on the card's status line for an ending ("" when the status says it)."""
    try:
        return CARD_NOTES.get(Ending(ending), "")
    except ValueError:  # a value from a newer Parley: the status says enough
        return ""


def note_tone(status: Status, ending: str, has_text: bool) -> str:
    """The tone of a card's note, as its banner has it: a warning for a reply whose text is
    kept but stopped early (cut off with text, the token limit, the content filter), an
    error for one that failed."""
    stopped_early = ending in (Ending.CUT, Ending.LENGTH, Ending.FILTERED)
    if status is Status.INTERRUPTED and stopped_early and has_text:
        return "warning"
    return "error"


@dataclass(frozen=True)
class Notice:
    """What the Chat tab says when a reply ended the way it did (`level` as the banner's)."""

    text: str
    level: str = "warning"
    offers_continue: bool = False
    offers_regenerate: bool = False  # the banner's own Regenerate button


def ending_notice(status: Status, ending: str, error: str) -> Notice | None:
    """The banner for a reply that ended without an exception (errors have their own): None
    for a plainly finished one."""
    if ending == Ending.REFUSED:
        return Notice(REFUSED_TEXT, "info")
    if ending == Ending.LENGTH:
        return Notice((error or LENGTH_TEXT) + CONTINUE_HINT, offers_continue=True)
    if ending or status is not Status.COMPLETE:
        return Notice(error or CUT_TEXT, offers_regenerate=True)
    return None
