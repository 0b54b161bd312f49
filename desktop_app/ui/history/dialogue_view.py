"""A stored dialogue, read-only, rendered as the Chat tab renders it, scrolled to a search hit.

It is the Chat tab's TranscriptView, plus: where each message starts (to scroll to one), the
words of the search highlighted in the message that matched, and loading in steps. Rendering
Markdown and highlighted code costs about a quarter of a millisecond a message, so a
2,000-message dialogue would hold the window for half a second: `load` shows the first screen
(or the part up to the search hit) at once and appends the rest in chunks, letting the window
answer in between. Each chunk is one edit block, laid out once, not once per message.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QPalette, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QTextEdit, QWidget

from desktop_app.core.dialogue import Message
from desktop_app.ui.theme import mix, theme_colors
from desktop_app.ui.widgets.transcript_view import TranscriptView

FIRST_SCREEN = 40  # messages rendered before the view is first shown
CHUNK = 150  # messages rendered between two turns of the event loop


class DialogueView(TranscriptView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("Pick a dialogue to read it here.")
        self.document().setUndoRedoEnabled(False)  # read-only: no undo history to keep
        self._starts: dict[int, int] = {}
        self._load_token = 0
        self.loaded = False
        self.current_message_id: int | None = None

    def show_messages(self, messages: list[Message]) -> None:
        """Render all at once (a short dialogue, or a caller that cannot wait)."""
        self._reset()
        self._append(messages)
        self.verticalScrollBar().setValue(0)

    async def load(
        self, messages: list[Message], focus: int | None = None, words: list[str] | None = None
    ) -> bool:
        """Render in steps, scrolled to message `focus` (with `words` marked) as soon as it is
        there. Returns False if another load started meanwhile (this one then stops)."""
        self._reset()
        token = self._load_token
        first = FIRST_SCREEN
        if focus is not None:
            at = next((i for i, m in enumerate(messages) if m.id == focus), -1)
            first = max(first, at + 1 + FIRST_SCREEN // 2)  # a screenful below the hit too
        self._append(messages[:first])
        if focus is None or not self.scroll_to_message(focus, words):
            self.verticalScrollBar().setValue(0)
        bar = self.verticalScrollBar()
        for start in range(first, len(messages), CHUNK):
            await asyncio.sleep(0)
            if token != self._load_token:
                return False
            where = bar.value()  # appending must not move what the user is reading
            self._append(messages[start : start + CHUNK])
            bar.setValue(where)
        self.loaded = True
        return True

    def _reset(self) -> None:
        self._load_token += 1
        self.loaded = False
        self.clear_dialogue()
        self._starts.clear()
        self.current_message_id = None
        self.setExtraSelections([])

    def _append(self, messages: list[Message]) -> None:
        outer = QTextCursor(self.document())
        outer.beginEditBlock()  # the nested blocks of add_message no longer lay out each time
        for message in messages:
            if message.id is not None:
                self._starts[message.id] = self._document_end()
            self.add_message(message)
        outer.endEditBlock()

    def _document_end(self) -> int:
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        return cursor.position()

    def message_range(self, message_id: int) -> tuple[int, int] | None:
        start = self._starts.get(message_id)
        if start is None:
            return None
        later = [s for s in self._starts.values() if s > start]
        return start, min(later, default=self._document_end())

    def scroll_to_message(self, message_id: int, words: list[str] | None = None) -> bool:
        """Bring a message to the top of the view and highlight `words` in it."""
        found = self.message_range(message_id)
        if found is None:
            return False
        start, end = found
        self.current_message_id = message_id
        cursor = QTextCursor(self.document())
        cursor.setPosition(start)
        self.setTextCursor(cursor)
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + self.cursorRect(cursor).top())
        self.setExtraSelections(self._highlights(start, end, words or []))
        return True

    def _highlights(self, start: int, end: int, words: list[str]) -> list:
        selections = []
        fmt = QTextCharFormat()
        palette = self.palette()
        fmt.setBackground(mix(palette.color(QPalette.ColorRole.Base), theme_colors().warning, 0.4))
        fmt.setForeground(palette.color(QPalette.ColorRole.Text))
        for word in words:
            pattern = QRegularExpression(
                r"\b" + word,  # words are \w+ runs: nothing to escape
                QRegularExpression.PatternOption.CaseInsensitiveOption
                | QRegularExpression.PatternOption.UseUnicodePropertiesOption,
            )
            cursor = self.document().find(pattern, start)
            while not cursor.isNull() and cursor.selectionEnd() <= end:
                selection = QTextEdit.ExtraSelection()
                selection.cursor = cursor
                selection.format = fmt
                selections.append(selection)
                cursor = self.document().find(pattern, cursor, QTextDocument.FindFlag(0))
        return selections

    @property
    def marked_words(self) -> list[str]:
        """The highlighted text, in order (what the user sees marked)."""
        return [s.cursor.selectedText() for s in self.extraSelections()]
