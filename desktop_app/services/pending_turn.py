"""A reply about to be requested, as `ChatSession.prepare` makes it and `stream_reply` (and the
tool loop, and knowledge) read it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from desktop_app.core.assistants import AssistantProfile
from desktop_app.core.dialogue import Message
from desktop_app.core.tool_notes import ToolNote
from desktop_app.core.wire_apis import CHAT_COMPLETIONS

if TYPE_CHECKING:
    from desktop_app.core.tool_policy import ToolPolicy
    from desktop_app.services.tool_loop import Approve, ToolProvider


@dataclass
class PendingTurn:
    """A reply about to be requested: the rows exist already, the text is still empty."""

    dialogue_id: int
    model: str
    system: str
    user_message: Message | None  # None for Regenerate, which answers a stored user message
    reply: Message
    request: list[dict]
    assistant: AssistantProfile | None = None  # as sent: with the turn's model and system
    wire_api: str = field(default=CHAT_COMPLETIONS)  # the API the reply came through
    local: bool = False  # it came from a server on this computer (free)
    # Tools on for this turn (None: none): where they run, who decides, and a view's ear
    # for the steps (see tool_turns).
    tools: ToolProvider | None = None
    approve: Approve | None = None
    policy: ToolPolicy | None = None
    listener: Callable[[Any], None] | None = None
    # Servers the provider may call itself on the Responses API (hosted `mcp` tool): server
    # name → its tool entry; elsewhere their tools are offered as functions like any other.
    hosted: dict[str, dict[str, Any]] | None = None
    # ...or their names and how to build an entry (it reads secret headers from the keyring,
    # so it runs in a worker thread when the request is made, never on the UI thread).
    hosted_names: tuple[str, ...] = ()
    hosted_entry: Callable[[str], dict[str, Any]] | None = None
    # Notes the reply carries from the start (the knowledge passages it was given).
    notes: list[ToolNote] = field(default_factory=list)
