"""What a streamed reply yields, on either wire API: reasoning, text, tool notes, and the usage
at the end.

Defined apart from the gateway so the Responses event reader can build them without importing
the gateway (which imports the reader).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop_app.core.pricing import TokenUsage
from desktop_app.core.tool_calls import ToolCall
from desktop_app.core.tool_notes import Citation, ToolNote

__all__ = [
    "ChatEvent",
    "Citation",
    "ReasoningDelta",
    "StreamEnd",
    "TextDelta",
    "ToolCallsMade",
    "ToolNote",
    "Usage",
    "read_usage",
]


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ReasoningDelta:
    """A piece of what a reasoning model thought before answering: a Responses reasoning
    summary (or raw reasoning text), or the `reasoning_content` / `reasoning` field that
    DeepSeek-style servers stream beside the content."""

    text: str


@dataclass(frozen=True)
class StreamEnd:
    """The server said the reply is finished, and why: chat completions' `finish_reason` of
    the choice shown, or Responses' "completed" / the reason it is incomplete. A stream that
    ends without one was cut. `refused`: the text was the model's refusal."""

    reason: str
    refused: bool = False


@dataclass(frozen=True)
class ToolCallsMade:
    """The function calls the model asked for in this reply, whole (their streamed pieces put
    together), in the order it made them; yielded once, just before the `StreamEnd`."""

    calls: tuple[ToolCall, ...]


@dataclass(frozen=True)
class HostedRequest:
    """A call of the Responses API's hosted `mcp` tool that waits for the user's yes or no
    (an `mcp_approval_request` item): the provider runs it once approved."""

    id: str
    name: str
    arguments: str
    server_label: str


@dataclass(frozen=True)
class HostedApprovals:
    """What the provider's own MCP calls left in a reply: the calls it asks the user about
    (`requests`, maybe none) and the output items the next request must carry if there is
    one (tool listings, calls made and their results, the requests), as JSON objects."""

    requests: tuple[HostedRequest, ...]
    items: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Usage:
    """What the server said a reply used. The details are parts of the two counts: cached and
    image tokens of the prompt, reasoning tokens of the completion."""

    prompt_tokens: int | None
    completion_tokens: int | None
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    image_tokens: int = 0

    @property
    def reported(self) -> bool:
        return self.prompt_tokens is not None or self.completion_tokens is not None

    def tokens(self) -> TokenUsage:
        return TokenUsage(
            input=self.prompt_tokens or 0,
            cached_input=self.cached_tokens,
            output=self.completion_tokens or 0,
            reasoning=self.reasoning_tokens,
            image=self.image_tokens,
        )


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def read_usage(usage: Any) -> Usage:
    """The SDK's usage object of either wire API (whole reply or last stream event):
    chat completions name it prompt/completion tokens with `*_tokens_details`, the Responses
    API input/output tokens with `*_tokens_details`."""
    chat = hasattr(usage, "prompt_tokens")
    prompt = getattr(usage, "prompt_tokens" if chat else "input_tokens", None)
    completion = getattr(usage, "completion_tokens" if chat else "output_tokens", None)
    given = getattr(usage, "prompt_tokens_details" if chat else "input_tokens_details", None)
    made = getattr(usage, "completion_tokens_details" if chat else "output_tokens_details", None)
    return Usage(
        prompt,
        completion,
        cached_tokens=_count(getattr(given, "cached_tokens", 0)),
        reasoning_tokens=_count(getattr(made, "reasoning_tokens", 0)),
        image_tokens=_count(getattr(given, "image_tokens", 0)),
    )


ChatEvent = (
    TextDelta | ReasoningDelta | Usage | ToolNote | ToolCallsMade | HostedApprovals | StreamEnd
)
