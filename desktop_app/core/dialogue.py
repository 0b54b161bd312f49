"""Dialogues and messages, and their export formats.

The JSON log keeps the seed's shape — a list of {role, content, sentiment, timestamp} — so logs
written by the original tool and by Parley read the same way. A reply's reasoning is left out
unless asked for (`include_reasoning`): it is long, and not what the user said or was told.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from desktop_app.core.pricing import ReplyUsage
from desktop_app.core.tool_notes import ToolNote


class Status(StrEnum):
    COMPLETE = "complete"
    STREAMING = "streaming"
    INTERRUPTED = "interrupted"
    ERROR = "error"


class Ending(StrEnum):
    """How a reply ended when not plainly finished (`core/reply_endings.py` decides it)."""

    NONE = ""  # finished as the server said it should (and every reply older than this field)
    CUT = "cut"  # the stream stopped before the server said the reply was finished
    LENGTH = "length"  # stopped at the output-token limit
    REFUSED = "refused"  # the model declined; its words are the reply
    FILTERED = "filtered"  # the server's content filter stopped it
    EMPTY = "empty"  # finished with no text (only tool calls, or nothing at all)


ENDINGS = frozenset(e.value for e in Ending)
ROLES = ("system", "developer", "user", "assistant", "tool")
TITLE_LENGTH = 60


@dataclass
class Attachment:
    sha256: str
    ext: str
    mime: str
    size: int
    name: str = ""

    @property
    def file_name(self) -> str:
        return f"{self.sha256}.{self.ext}"


@dataclass
class Message:
    role: str
    content: str
    id: int | None = None
    dialogue_id: int | None = None
    model: str = ""
    sentiment_label: str = ""
    sentiment_score: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    status: Status = Status.COMPLETE
    error: str = ""
    created_at: float = 0.0
    updated_at: float = 0.0
    attachments: list[Attachment] = field(default_factory=list)
    # The assistant that wrote a reply, and its settings (JSON) at that moment.
    assistant_id: int | None = None
    assistant_snapshot: str = ""
    tool_notes: list[ToolNote] = field(default_factory=list)
    # A reply's tokens and cost from the spend ledger (None until priced, and for the user's).
    usage: ReplyUsage | None = None
    # The user's verdict on a reply: 1 (👍), -1 (👎) or 0; Training builds datasets from it.
    rating: int = 0
    # The conversation is a tree: the message this one answers or follows (None: the first).
    # Edit-and-resend and Regenerate add siblings; `version` / `versions` place this message
    # among them (1-based), for the "‹ 2/3 ›" switcher. Filled when a branch is read.
    parent_id: int | None = None
    version: int = 1
    versions: int = 1
    # What a reasoning model said it thought (Responses reasoning summaries, or the
    # `reasoning_content` DeepSeek-style servers stream), and for how long.
    reasoning: str = ""
    reasoning_seconds: float | None = None
    # How the reply streamed: seconds from the request to its first token, and output tokens
    # per second after that (None when not measured, e.g. imported replies).
    first_token_seconds: float | None = None
    tokens_per_second: float | None = None
    # How the reply ended when that is not plainly "finished": an `Ending` value ("cut",
    # "length", "refused", "filtered", "empty"), else "" (a string: a newer Parley may know more).
    ending: str = ""
    # Function tools: the calls a reply asked for, in chat completions' shape ({id, type,
    # function: {name, arguments}}); for a `tool` message, the call it answers and what Parley
    # knows of the step (name, source, decision, is_error, seconds).
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    tool_call_id: str = ""
    tool_info: dict[str, Any] = field(default_factory=dict)

    @property
    def sentiment_text(self) -> str:
        if not self.sentiment_label:
            return ""
        if self.sentiment_score is None:  # imported logs carry a label but no score
            return self.sentiment_label
        return f"{self.sentiment_label} ({self.sentiment_score:+.2f})"


@dataclass
class Dialogue:
    title: str
    id: int | None = None
    model: str = ""
    system: str = ""
    created_at: float = 0.0
    updated_at: float = 0.0
    # The branch shown (root first, ending at the dialogue's current leaf): what the reader,
    # exports, requests and training take unless they ask for more.
    messages: list[Message] = field(default_factory=list)
    assistant_id: int | None = None
    # Every live message of every branch in the order written, each with its parent; filled
    # only when asked for (an export of all branches).
    tree: list[Message] = field(default_factory=list)
    # The id in Settings of the provider it is held with; '' for the main one.
    provider: str = ""


def make_title(first_message: str) -> str:
    """A title from the first line of the first message, cut at a word boundary."""
    line = " ".join(first_message.split())
    if not line:
        return "New chat"
    if len(line) <= TITLE_LENGTH:
        return line
    cut = line[:TITLE_LENGTH].rsplit(" ", 1)[0] or line[:TITLE_LENGTH]
    return cut + "…"


def iso_time(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat(timespec="seconds")


def _log_entry(m: Message, include_reasoning: bool = False) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "role": m.role,
        "content": m.content,
        "sentiment": m.sentiment_label or None,
        "timestamp": iso_time(m.created_at),
    }
    if m.status is not Status.COMPLETE:
        # Optional, so complete messages keep the seed's exact shape; without it a reply cut
        # short would come back from an import as complete (and into a training set).
        entry["status"] = m.status.value
    if m.ending:  # optional too: cut at the token limit, refused...
        entry["ending"] = m.ending
    if m.tool_calls:  # optional: a reply that called tools, a tool's result
        entry["tool_calls"] = m.tool_calls
    if m.tool_call_id:
        entry["tool_call_id"] = m.tool_call_id
    if include_reasoning and m.reasoning:
        entry["reasoning"] = m.reasoning
        if m.reasoning_seconds is not None:
            entry["reasoning_seconds"] = round(m.reasoning_seconds, 3)
    return entry


def to_log(
    dialogue: Dialogue, all_branches: bool = False, include_reasoning: bool = False
) -> list[dict[str, Any]]:
    """The seed's log shape, of the branch shown. Attachments and token counts stay out: the
    log is for reading; with `include_reasoning`, a reply that has reasoning carries it as
    "reasoning".

    With `all_branches`, every message of `dialogue.tree` in the order written, each with its
    `id`, `parent_id` and whether it is on the branch shown (`current_branch`); reading such a
    log back (`from_log`) takes the branch shown.
    """
    if not all_branches:
        return [_log_entry(m, include_reasoning) for m in dialogue.messages]
    shown = {m.id for m in dialogue.messages}
    return [
        {
            **_log_entry(m, include_reasoning),
            "id": m.id,
            "parent_id": m.parent_id,
            "current_branch": m.id in shown,
        }
        for m in dialogue.tree
    ]


def to_log_json(
    dialogue: Dialogue, all_branches: bool = False, include_reasoning: bool = False
) -> str:
    return json.dumps(
        to_log(dialogue, all_branches, include_reasoning), ensure_ascii=False, indent=2
    )


def reasoning_markdown(m: Message) -> str:
    """A reply's reasoning as a collapsed block: GitHub, GitLab and most Markdown viewers show
    a `<details>` element closed, with its summary line to open it."""
    label = "Reasoning"
    if m.reasoning_seconds is not None:
        seconds = m.reasoning_seconds
        label = "Thought for under a second" if seconds < 1 else f"Thought for {seconds:.0f} s"
    return f"<details>\n<summary>{label}</summary>\n\n{m.reasoning.strip()}\n\n</details>"


def to_markdown(dialogue: Dialogue, include_reasoning: bool = False) -> str:
    parts = [f"# {dialogue.title}", ""]
    if dialogue.model:
        parts += [f"*Model: {dialogue.model}*", ""]
    if dialogue.system:
        parts += ["> **System:** " + dialogue.system.replace("\n", "\n> "), ""]
    for m in dialogue.messages:
        heading = f"## {m.role.capitalize()} · {iso_time(m.created_at)}"
        if m.sentiment_label:
            heading += f" · {m.sentiment_text}"
        if m.status is not Status.COMPLETE:
            heading += f" · {m.status.value}"
        parts += [heading, ""]
        if include_reasoning and m.reasoning.strip():
            parts += [reasoning_markdown(m), ""]
        parts += [m.content, ""]
    return "\n".join(parts).rstrip() + "\n"


class LogFormatError(ValueError):
    """A log file that is not in the seed's shape; the message says where and why."""


def _parse_time(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return 0.0
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
    return 0.0


def valid_tool_calls(value: Any) -> list[dict[str, Any]]:
    """The well-formed calls of a `tool_calls` value read from a file or the store (an id, a
    function name, arguments as text); anything else is left out."""
    calls: list[dict[str, Any]] = []
    for call in value if isinstance(value, list) else []:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(call.get("id"), str):
            continue
        name, arguments = function.get("name"), function.get("arguments", "")
        if isinstance(name, str) and isinstance(arguments, str):
            calls.append(
                {
                    "id": call["id"],
                    "type": "function",
                    "function": {"name": name, "arguments": arguments},
                }
            )
    return calls


def from_log(data: Any) -> list[Message]:
    """Messages from the seed's log: a list of entries, or {"messages": [...]}."""
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        data = data["messages"]
    if not isinstance(data, list):
        raise LogFormatError("expected a list of messages or an object with a 'messages' list")
    if any(isinstance(e, dict) and e.get("current_branch") is False for e in data):
        data = [e for e in data if not isinstance(e, dict) or e.get("current_branch") is not False]
    messages = []
    for index, entry in enumerate(data, start=1):
        if not isinstance(entry, dict):
            raise LogFormatError(f"entry {index} is not an object")
        role, content = entry.get("role"), entry.get("content")
        if role not in ROLES:
            raise LogFormatError(f"entry {index} has an unknown role: {role!r}")
        if not isinstance(content, str):
            raise LogFormatError(f"entry {index} has no text content")
        sentiment = entry.get("sentiment")
        reasoning = entry.get("reasoning")
        status = entry.get("status", Status.COMPLETE.value)
        ending = entry.get("ending", "")
        calls = entry.get("tool_calls")
        call_id = entry.get("tool_call_id")
        if status not in {s.value for s in Status} or status == Status.STREAMING.value:
            status = Status.INTERRUPTED.value  # a log can only hold a reply that has stopped
        messages.append(
            Message(
                role=role,
                content=content,
                sentiment_label=sentiment if isinstance(sentiment, str) else "",
                created_at=_parse_time(entry.get("timestamp")),
                status=Status(status),
                reasoning=reasoning if isinstance(reasoning, str) and role == "assistant" else "",
                ending=ending if isinstance(ending, str) and ending in ENDINGS else "",
                tool_calls=valid_tool_calls(calls) if role == "assistant" else [],
                tool_call_id=call_id if isinstance(call_id, str) and role == "tool" else "",
            )
        )
    return messages
