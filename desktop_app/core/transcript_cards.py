"""What the transcript draws for each message: pure data, built from the dialogue's branch.

A card says who wrote the message, the quiet details under the name (model, timing, tokens
and cost, status), the sentiment mark, the blocks of its text, its images, its tool notes and
reasoning, its place among sibling versions, and which actions it offers. The Qt view only
lays cards out and paints them; everything decided here is tested without a window.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.dialogue import Attachment, Message, Status
from desktop_app.core.providers import model_label
from desktop_app.core.reply_blocks import Piece, split_markdown
from desktop_app.core.reply_endings import card_note, note_tone
from desktop_app.core.tool_notes import Citation, ToolNote, made_files
from desktop_app.core.tool_step_cards import StepView, seconds_label, step_view

ROLE_NAMES = {"user": "You", "assistant": "Assistant", "system": "System", "tool": "Tool"}
STATUS_NOTES = {
    Status.STREAMING: "writing…",
    Status.INTERRUPTED: "interrupted",
    Status.ERROR: "failed",
}
_FENCED = re.compile(r"^( {0,3})(`{3,}|~{3,})([^\n`]*)\n(.*?)(?:^\1?\2[ \t]*$\n?|\Z)", re.M | re.S)
_CODE_LINE = re.compile(r"^(?:\s{2,}|\t)\S|[;{}]\s*$|^\s*(?:def|class|import|from|return|if|for)\b")


@dataclass(frozen=True)
class SentimentMark:
    tone: str  # positive | negative | neutral
    tooltip: str


@dataclass
class Card:
    message: Message
    who: str
    details: list[str]
    pieces: list[Piece]
    sentiment: SentimentMark | None = None
    images: list[Attachment] = field(default_factory=list)
    files: list[Attachment] = field(default_factory=list)  # attachments that are not images
    notes: list[ToolNote] = field(default_factory=list)
    made_files: list[Citation] = field(default_factory=list)  # files its tools made, to save
    reasoning: str = ""
    reasoning_label: str = ""
    error: str = ""
    error_tone: str = "error"  # or "warning": the text arrived, the reply stopped early
    actions: tuple[str, ...] = ()
    step: StepView | None = None  # a `tool` message: the call it answers, as a step

    @property
    def role(self) -> str:
        return self.message.role

    @property
    def has_versions(self) -> bool:
        return self.message.versions > 1

    @property
    def version_label(self) -> str:
        return f"{self.message.version}/{self.message.versions}"


def timing_details(message: Message) -> list[str]:
    """ "0.4 s to first token", "52 tok/s" — where the reply measured them."""
    details = []
    if message.first_token_seconds is not None:
        details.append(f"{seconds_label(message.first_token_seconds)} to first token")
    if message.tokens_per_second:
        details.append(f"{message.tokens_per_second:.0f} tok/s")
    return details


def user_pieces(text: str) -> list[Piece]:
    """The user's text as typed: fenced code as code, a run of lines that looks like code
    (indented, or ending in ; { }) as code too, everything else as plain text, untouched."""
    pieces: list[Piece] = []
    position = 0
    for match in _FENCED.finditer(text):
        pieces.extend(_plain_pieces(text[position : match.start()], len(pieces)))
        language = match.group(3).strip().split(" ")[0]
        pieces.append(Piece("code", match.group(4).rstrip("\n"), len(pieces), language))
        position = match.end()
    pieces.extend(_plain_pieces(text[position:], len(pieces)))
    return pieces


def _plain_pieces(text: str, block: int) -> list[Piece]:
    """Paragraphs (blank-line separated) as typed; one that looks like code becomes code."""
    pieces: list[Piece] = []
    plain: list[str] = []

    def flush() -> None:
        if plain and "\n\n".join(plain).strip("\n"):
            pieces.append(Piece("plain", "\n\n".join(plain).strip("\n"), block + len(pieces)))
        plain.clear()

    for paragraph in text.split("\n\n"):
        lines = [line for line in paragraph.split("\n") if line.strip()]
        code_like = sum(1 for line in lines if _CODE_LINE.search(line))
        if len(lines) >= 2 and code_like * 2 >= len(lines):
            flush()
            pieces.append(Piece("code", paragraph.strip("\n"), block + len(pieces)))
        else:
            plain.append(paragraph)
    flush()
    return pieces


def _sentiment(message: Message) -> SentimentMark | None:
    label = message.sentiment_label
    if not label:
        return None
    tone = label if label in ("positive", "negative") else "neutral"
    return SentimentMark(tone, f"Sentiment: {message.sentiment_text}")


def _actions(message: Message, ratable: bool, editable: bool) -> tuple[str, ...]:
    if message.role == "tool":  # a step of a reply: its code blocks copy, it goes with the reply
        return ()
    if message.tool_calls and not message.content.strip() and message.status is Status.COMPLETE:
        return ()  # only asked for tools: what follows it is the reply to act on
    actions = ["copy"]
    finished = message.status is not Status.STREAMING
    if message.role == "user" and editable and finished:
        actions.append("edit")
    if message.role == "assistant" and editable and finished:
        actions.append("regenerate")
    if message.role == "assistant" and ratable and message.status is Status.COMPLETE:
        actions += ["rate_up", "rate_down"]
    if editable and finished and message.id is not None:
        actions.append("delete")
    return tuple(actions)


def make_card(
    message: Message,
    *,
    show_sentiment: bool = True,
    ratable: bool = False,
    editable: bool = False,
    assistant_name: str = "",
    call: Mapping[str, Any] | None = None,
) -> Card:
    """The card for one message. `editable`: the Chat tab (edit, regenerate, delete);
    `ratable`: replies carry 👍/👎; `call`: for a `tool` message, the call it answers."""
    role = message.role
    who = (
        assistant_name
        if role == "assistant" and assistant_name
        else ROLE_NAMES.get(role, role.capitalize())
    )
    details: list[str] = []
    if role == "assistant":
        if message.model:
            details.append(model_label(message.model))
        details += timing_details(message)
        if message.usage is not None:
            details.append(message.usage.label)
    note = card_note(message.ending) or STATUS_NOTES.get(message.status)
    if note:
        details.append(note)
    if message.tool_calls and not message.content.strip():
        count = len(message.tool_calls)
        details.append(f"called {count} tool{'s' if count > 1 else ''}")
    if role == "user":
        pieces = user_pieces(message.content)
    elif role == "tool":
        pieces = []  # the step shows the result
    else:
        pieces = split_markdown(message.content) if message.content else []
    images = [a for a in message.attachments if a.mime.startswith("image/")]
    files = [a for a in message.attachments if not a.mime.startswith("image/")]
    reasoning_label = ""
    if message.reasoning:
        seconds = message.reasoning_seconds
        reasoning_label = f"Thought for {seconds_label(seconds)}" if seconds else "Reasoning"
    error = message.error if message.error and message.status is not Status.COMPLETE else ""
    return Card(
        message=message,
        who=who,
        details=details,
        pieces=pieces,
        sentiment=_sentiment(message) if show_sentiment else None,
        images=images,
        files=files,
        notes=list(message.tool_notes),
        made_files=made_files(message.tool_notes),
        reasoning=message.reasoning,
        reasoning_label=reasoning_label,
        error=error,
        error_tone=note_tone(message.status, message.ending, bool(message.content.strip())),
        actions=_actions(message, ratable, editable),
        step=step_view(message, call) if role == "tool" else None,
    )


def plain_text(message: Message) -> str:
    """A message as plain text (Copy as plain text): Markdown marks taken off the prose."""
    if message.role in ("user", "tool"):  # a tool's result is copied as it came
        return message.content
    from desktop_app.core.markdown_html import markdown_to_text

    return markdown_to_text(message.content)
