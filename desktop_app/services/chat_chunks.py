"""Chat completion stream chunks → the gateway's own events, choice by choice.

Each chunk carries deltas for one or more choices, each with its `index`; a server answering
several choices (`n > 1`) interleaves them. Parley shows choice 0: its reasoning, its text and
its refusal (sent in `delta.refusal`, not `delta.content`: the refusal's words are the reply),
and its `finish_reason`, which says the reply is finished and why. The other choices are told
apart by their index and left out, never mixed into the reply shown.

Duck-typed like the Responses reader: it reads only the attributes it needs.
"""

from __future__ import annotations

from typing import Any

from desktop_app.core.tool_calls import ToolCallAssembler
from desktop_app.services.chat_events import (
    ChatEvent,
    ReasoningDelta,
    StreamEnd,
    TextDelta,
    ToolCallsMade,
    read_usage,
)

SHOWN = 0  # the choice Parley shows

# Where servers put a reasoning model's thoughts in a chat delta: DeepSeek, vLLM's reasoning
# parsers and many llama.cpp / LM Studio builds say `reasoning_content`, OpenRouter and newer
# vLLM `reasoning`. Neither is in the SDK's types; it keeps unknown fields as attributes.
REASONING_FIELDS = ("reasoning_content", "reasoning")


def delta_reasoning(delta: Any) -> str:
    """The reasoning text of one chat completion delta ("" when it carries none)."""
    for name in REASONING_FIELDS:
        value = getattr(delta, name, None)
        if isinstance(value, str) and value:
            return value
    return ""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


class ChatChunkReader:
    """Feed it chunks in order; `end()` after the last one gives the ending, if any came."""

    def __init__(self) -> None:
        self.finish: str | None = None  # choice 0's finish_reason, once sent
        self.refused = False
        self.started = False  # text, reasoning or a tool call of choice 0 arrived
        self.tool_calls = ToolCallAssembler()

    def feed(self, chunk: Any) -> list[ChatEvent]:
        out: list[ChatEvent] = []
        for choice in getattr(chunk, "choices", None) or ():
            index = getattr(choice, "index", None)
            if index is not None and index != SHOWN:  # another choice (n > 1)
                continue
            delta = getattr(choice, "delta", None)
            if delta is not None:
                out += self._shown(delta)
            reason = getattr(choice, "finish_reason", None)
            if isinstance(reason, str) and reason:
                self.finish = reason
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            out.append(read_usage(usage))
        return out

    def _shown(self, delta: Any) -> list[ChatEvent]:
        out: list[ChatEvent] = []
        thought = delta_reasoning(delta)
        if thought:
            out.append(ReasoningDelta(thought))
        text = _text(getattr(delta, "content", None))
        if text:
            out.append(TextDelta(text))
        refusal = _text(getattr(delta, "refusal", None))
        if refusal:
            self.refused = True
            out.append(TextDelta(refusal))
        for position, call in enumerate(getattr(delta, "tool_calls", None) or ()):
            self.tool_calls.add_chat_delta(call, position)
        self.started = self.started or bool(out) or bool(self.tool_calls)
        return out

    def end(self) -> list[ChatEvent]:
        """The stream's end: a `StreamEnd` if the server said the reply was finished; none if
        the body simply stopped (the caller counts that as a cut). The tool calls made, whole,
        come first: only a finished reply's calls are complete. (Some servers finish a reply
        with calls as "stop", not "tool_calls": the calls count either way.)"""
        if self.finish is None:
            return []
        calls = self.tool_calls.calls()
        made: list[ChatEvent] = [ToolCallsMade(tuple(calls))] if calls else []
        return [*made, StreamEnd(self.finish, self.refused)]
