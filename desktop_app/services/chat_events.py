"""What a streamed reply yields, on either wire API: text, tool notes, and the usage at the end.

Defined apart from the gateway so the Responses event reader can build them without importing
the gateway (which imports the reader).
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.core.tool_notes import Citation, ToolNote

__all__ = ["ChatEvent", "Citation", "TextDelta", "ToolNote", "Usage"]


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int | None
    completion_tokens: int | None


ChatEvent = TextDelta | Usage | ToolNote
