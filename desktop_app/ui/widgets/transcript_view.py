"""A read-only view of a dialogue: Markdown replies with highlighted, copyable code.

One QTextBrowser holds the whole dialogue, so text can be selected across messages. A reply
that is streaming is appended as plain text at the end of the document (each chunk costs only
its own length) and rendered as Markdown once it is finished. Tools the server ran (web or
file search) show above the reply as "▸ used web search: …" lines that open to list their
citations; opening one re-renders the dialogue from the messages it holds.

With `ratable` set (the Chat tab), each finished reply carries 👍 and 👎 links in its header;
the rating is stored by the owner of the view and feeds the Training tab's datasets.

Signals:
    code_copied(str): a code block was copied to the clipboard.
    rating_requested(int, int): the user rated reply `message_id`: 1, -1, or 0 (taken back).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QGuiApplication,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QTextBrowser, QWidget

from desktop_app.core.dialogue import Message, Status
from desktop_app.core.highlight import highlight_html
from desktop_app.core.markdown_blocks import split_blocks
from desktop_app.core.tool_notes import ToolNote
from desktop_app.ui.widgets.tool_notes_html import NOTE_SCHEME, notes_html, parse_note_link

COPY_SCHEME = "parley-copy"
RATE_SCHEME = "parley-rate"
ROLE_NAMES = {"user": "You", "assistant": "Assistant", "system": "System"}
STATUS_NOTES = {
    Status.STREAMING: "streaming…",
    Status.INTERRUPTED: "interrupted",
    Status.ERROR: "failed",
}


@dataclass
class _CodeBlock:
    start: int
    end: int
    code: str


def _rating_links(message: Message) -> str:
    links = []
    for value, mark, tip in ((1, "👍", "Good reply"), (-1, "👎", "Bad reply")):
        chosen = message.rating == value
        target = 0 if chosen else value  # clicking the chosen one takes it back
        style = "text-decoration:none" + ("" if chosen else "; color:#bbb")
        links.append(
            f'<a href="{RATE_SCHEME}:{message.id}:{target}" style="{style}" title="{tip}">'
            f"{mark}</a>"
        )
    return " &nbsp;" + " ".join(links)


class TranscriptView(QTextBrowser):
    code_copied = Signal(str)
    rating_requested = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._on_anchor_clicked)
        self.setPlaceholderText("Ask anything. Enter sends, Shift+Enter starts a new line.")
        self._codes: list[_CodeBlock] = []
        self._reply_start: int | None = None
        self._messages: list[Message] = []
        self._expanded: set[tuple[int, int]] = set()
        self._streamed_notes: set[str] = set()
        self._stale = False  # a rating changed while a reply streamed: re-render after it
        self.ratable = False
        self.message_count = 0

    # --- building ------------------------------------------------------------------------

    def clear_dialogue(self) -> None:
        self._stale = False
        self.clear()
        self._codes.clear()
        self._reply_start = None
        self._messages = []
        self._expanded.clear()
        self.message_count = 0

    def _end_cursor(self) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        return cursor

    def _new_block(self, cursor: QTextCursor) -> None:
        if not self.document().isEmpty():
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        cursor.setBlockFormat(QTextBlockFormat())
        cursor.setCharFormat(QTextCharFormat())

    def _insert_header(self, cursor: QTextCursor, message: Message) -> None:
        self._new_block(cursor)
        who = ROLE_NAMES.get(message.role, message.role.capitalize())
        details = [d for d in (message.model if message.role == "assistant" else "",) if d]
        if message.sentiment_label:
            details.append(message.sentiment_text)
        note = STATUS_NOTES.get(message.status)
        if note:
            details.append(note)
        if message.usage is not None:
            details.append(message.usage.label)  # "1,234 tokens · $0.0012" (≈ if estimated)
        color = "#1a73e8" if message.role == "user" else "#188038"
        meta = " · ".join(html.escape(d) for d in details)
        rate = ""
        if (
            self.ratable
            and message.role == "assistant"
            and message.id is not None
            and message.status is Status.COMPLETE
        ):
            rate = _rating_links(message)
        cursor.insertHtml(
            f'<p style="margin-top:10px"><b style="color:{color}">{html.escape(who)}</b>'
            f'<span style="color:#777"> {("· " + meta) if meta else ""}</span>{rate}</p>'
        )
        self._new_block(cursor)

    def _insert_markdown(self, cursor: QTextCursor, text: str) -> None:
        dark = self.palette().base().color().lightness() < 128
        for block in split_blocks(text):
            if block.kind == "text":
                cursor.insertMarkdown(block.text)
                self._new_block(cursor)
                continue
            index = len(self._codes)
            label = html.escape(block.language or "code")
            cursor.insertHtml(
                f'<p style="color:#777; font-size:small">{label} · '
                f'<a href="{COPY_SCHEME}:{index}">Copy</a></p>'
            )
            self._new_block(cursor)
            start = cursor.position()
            background = "#272822" if dark else "#f6f8fa"
            cursor.insertHtml(
                f'<table width="100%" cellpadding="8" bgcolor="{background}"><tr><td>'
                f"<pre>{highlight_html(block.text, block.language, dark)}</pre>"
                "</td></tr></table>"
            )
            self._codes.append(_CodeBlock(start, cursor.position(), block.text))
            cursor.movePosition(QTextCursor.MoveOperation.End)
            self._new_block(cursor)

    def _insert_notes(self, cursor: QTextCursor, message: Message, index: int) -> None:
        for fragment in notes_html(message.tool_notes, index, self._expanded):
            cursor.insertHtml(fragment)
            self._new_block(cursor)

    def add_message(self, message: Message) -> None:
        self._messages.append(message)
        self._render(message, len(self._messages) - 1)
        self._scroll_to_end()

    def _render(self, message: Message, index: int) -> None:
        cursor = self._end_cursor()
        cursor.beginEditBlock()
        self._insert_header(cursor, message)
        self._insert_notes(cursor, message, index)
        if message.content:
            self._insert_markdown(cursor, message.content)
        if message.error and message.status is not Status.COMPLETE:
            cursor.insertHtml(f'<p style="color:#b3261e"><i>{html.escape(message.error)}</i></p>')
        cursor.endEditBlock()
        self.message_count += 1

    def show_messages(self, messages: list[Message]) -> None:
        self.clear_dialogue()
        for message in messages:
            self.add_message(message)

    # --- streaming -----------------------------------------------------------------------

    def begin_reply(self, reply: Message) -> None:
        cursor = self._end_cursor()
        self._reply_start = cursor.position()
        self._streamed_notes = set()
        self._insert_header(cursor, reply)
        self._scroll_to_end()

    def add_tool_note(self, note: ToolNote) -> None:
        """A tool ran while the reply streams: say so on its own line (once per call; the
        citations show when the reply is finished)."""
        if self._reply_start is None or (note.id and note.id in self._streamed_notes):
            return
        self._streamed_notes.add(note.id)
        cursor = self._end_cursor()
        if cursor.block().length() > 1:
            self._new_block(cursor)
        cursor.insertHtml(f'<span style="color:#5f6368">▸ {html.escape(note.label)}</span>')
        self._new_block(cursor)

    def append_reply_text(self, text: str) -> None:
        """Append a streamed chunk: O(len(text)), never a re-render of what is there."""
        at_end = self._is_scrolled_to_end()
        self._end_cursor().insertText(text)
        if at_end:
            self._scroll_to_end()

    def finish_reply(self, reply: Message) -> None:
        """Replace the plain streamed text with the rendered reply."""
        if self._reply_start is not None:
            cursor = QTextCursor(self.document())
            cursor.setPosition(self._reply_start)
            cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
            self._codes = [c for c in self._codes if c.start < self._reply_start]
            self._reply_start = None
        self.add_message(reply)
        if self._stale:
            self._rerender()

    @property
    def streaming(self) -> bool:
        return self._reply_start is not None

    # --- code blocks ---------------------------------------------------------------------

    def code_blocks(self) -> list[str]:
        return [c.code for c in self._codes]

    def copy_code(self, index: int) -> None:
        code = self._codes[index].code
        QGuiApplication.clipboard().setText(code)
        self.code_copied.emit(code)

    def code_index_at(self, pos: QPoint) -> int | None:
        position = self.cursorForPosition(pos).position()
        for index, block in enumerate(self._codes):
            if block.start <= position <= block.end:
                return index
        return None

    # --- tool notes ----------------------------------------------------------------------

    def toggle_note(self, message_index: int, note_index: int) -> None:
        """Open or close a note's citations. Re-renders the finished messages, so while a
        reply streams the change waits for it to finish."""
        key = (message_index, note_index)
        self._expanded.symmetric_difference_update({key})
        self._rerender()

    def set_rating(self, message_id: int, rating: int) -> None:
        """Show a reply's new rating (re-renders; while a reply streams, after it)."""
        for message in self._messages:
            if message.id == message_id:
                message.rating = rating
        self._rerender()

    def rating_of(self, message_id: int) -> int:
        return next((m.rating for m in self._messages if m.id == message_id), 0)

    def _rerender(self) -> None:
        if self.streaming:
            self._stale = True
            return
        self._stale = False
        bar = self.verticalScrollBar()
        position = bar.value()
        self.clear()
        self._codes.clear()
        self.message_count = 0
        for index, message in enumerate(self._messages):
            self._render(message, index)
        bar.setValue(position)

    def note_expanded(self, message_index: int, note_index: int) -> bool:
        return (message_index, note_index) in self._expanded

    def _on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() == COPY_SCHEME:
            self.copy_code(int(url.path()))
        elif url.scheme() == RATE_SCHEME:
            message_id, _, value = url.path().partition(":")
            if message_id.isdigit() and value in ("1", "-1", "0"):
                self.rating_requested.emit(int(message_id), int(value))
        elif url.scheme() == NOTE_SCHEME:
            place = parse_note_link(url.path())
            if place is not None:
                self.toggle_note(*place)
        elif url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)

    def contextMenuEvent(self, event) -> None:
        menu = self.createStandardContextMenu(event.pos())
        index = self.code_index_at(event.pos())
        if index is not None:
            action = menu.addAction("Copy code block")
            action.triggered.connect(lambda: self.copy_code(index))
        menu.popup(event.globalPos())  # popup, not exec: no nested event loop

    # --- scrolling -----------------------------------------------------------------------

    def _is_scrolled_to_end(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4

    def _scroll_to_end(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())
