"""The wire APIs a chat turn can go out on, and the setting's choices.

Constants only: the settings read them before the first frame, when nothing else is imported.
"""

from __future__ import annotations

AUTO, RESPONSES, CHAT_COMPLETIONS = "auto", "responses", "chat_completions"
WIRE_APIS = (AUTO, RESPONSES, CHAT_COMPLETIONS)
WIRE_API_LABELS = {
    AUTO: "Automatic (Responses where the server has it)",
    RESPONSES: "Responses API",
    CHAT_COMPLETIONS: "Chat completions",
}
