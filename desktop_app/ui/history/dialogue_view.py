"""A stored dialogue, read-only, drawn as the Chat tab draws it, scrolled to a search hit.

It is the Chat tab's TranscriptView (messages laid out only where they are seen, so even a
2,000-message dialogue shows at once), without the actions that change a dialogue, plus: the
words of a search marked in the message that matched, and that message brought into view.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop_app.core.dialogue import Message
from desktop_app.ui.chat.transcript_view import Thumbnails, TranscriptView


class DialogueView(TranscriptView):
    def __init__(self, parent: QWidget | None = None, thumbnails: Thumbnails | None = None):
        super().__init__(parent, thumbnails)
        self.placeholder = "Pick a dialogue to read it here."
        self.loaded = False
        self.current_message_id: int | None = None

    def isReadOnly(self) -> bool:
        return True

    def show_messages(self, messages: list[Message]) -> None:
        self.current_message_id = None
        super().show_messages(messages)
        self.scroll_to_item(0, top=True)
        self.loaded = True

    async def load(
        self, messages: list[Message], focus: int | None = None, words: list[str] | None = None
    ) -> bool:
        """Show the dialogue, scrolled to message `focus` with `words` marked. Laying out only
        what is on screen makes this immediate; it stays a coroutine for its callers."""
        self.loaded = False
        self.show_messages(messages)
        if focus is not None:
            self.scroll_to_message(focus, words)
        self.loaded = True
        return True

    def scroll_to_message(self, message_id: int, words: list[str] | None = None) -> bool:
        """Bring a message to the top of the view and mark `words` in it."""
        index = self.item_index(message_id)
        if index is None:
            return False
        self.current_message_id = message_id
        self.highlights = {message_id: list(words or [])}
        self.scroll_to_item(index, top=True)
        self.viewport().update()
        return True

    @property
    def marked_words(self) -> list[str]:
        """The marked words as they appear in the message, in order (what the user sees)."""
        if self.current_message_id is None:
            return []
        message = self.message(self.current_message_id)
        words = self.highlights.get(self.current_message_id, [])
        if message is None:
            return []
        import re

        found = []
        for word in words:
            found += re.findall(rf"\b{re.escape(word)}\w*", message.content, re.IGNORECASE)
        return found
