"""One message of the transcript, laid out at a width: its parts and their places.

A user's message is a bubble on the right, as wide as its text needs (at most 85% of the
column); an assistant's reply runs the column's width under a quiet header. Parts are laid out
top to bottom; `layout` builds them all, `drop` frees them again (the view keeps only the items
near the screen laid out, and remembers the height of the others).

A streaming reply keeps a StreamSplitter: each piece it finishes becomes a part laid out once,
and only the open piece at the end is rendered again (`update_stream`), at most once a frame.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QRectF, QSizeF
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QTextDocument

from desktop_app.core.dialogue import Attachment
from desktop_app.core.reply_blocks import Piece, StreamSplitter
from desktop_app.core.transcript_cards import Card, plain_text
from desktop_app.ui.chat.block_renderer import render_html, render_piece
from desktop_app.ui.chat.paragraph_cut import code_cut_offset, cut_offset
from desktop_app.ui.chat.transcript_style import BLOCK_GAP, BUBBLE_PADDING, TranscriptStyle
from desktop_app.ui.widgets.tool_notes_html import note_html

ACTION_ROW = 28
STEP_GAP = 6.0  # under a tool step (see step_item)
CODE_PADDING = 10
THUMB_HEIGHT = 120
CUT_CHARS = 1200  # an open paragraph longer than this is cut where a line starts
HARD_CUT_CHARS = 6000  # ...and, failing a clean cut, at a space, whatever it looks like
REASONING_SCHEME = "parley-reasoning"
FILE_SCHEME = "parley-file"  # parley-file:<n>: the n-th file the reply's tools made

Thumbnails = Callable[[Attachment], QImage | None]


@dataclass(eq=False)  # compared by identity: a part is one place on screen
class Part:
    kind: str  # header | piece | reasoning | notes | files | images | error
    rect: QRectF
    document: QTextDocument | None = None
    piece: Piece | None = None
    background: QColor | None = None
    thumbs: list[tuple[QRectF, QImage, Attachment]] = field(default_factory=list)
    pad_below: float = 0.0  # the code background's padding under the last piece of a block

    def text(self) -> str:
        return self.document.toPlainText() if self.document is not None else ""


class MessageItem:
    def __init__(self, card: Card, pieces: list[Piece] | None = None) -> None:
        self.card = card
        self.pieces = pieces if pieces is not None else card.pieces
        self.parts: list[Part] | None = None
        self.width = 0.0
        self.height = 0.0
        self.measured = False  # height is exact for `width` (else an estimate)
        self.expanded: set[str] = set()  # "reasoning", "note:<n>"
        self.stream: StreamSplitter | None = None
        self._open: Part | None = None
        self._bubble = QRectF()

    def parts_list(self) -> list[Part]:
        assert self.parts is not None, "laid out first"
        return self.parts

    @property
    def message_id(self) -> int | None:
        return self.card.message.id

    @property
    def bubble(self) -> QRectF:
        """Where the user's bubble is (empty for replies)."""
        return self._bubble

    def estimate(self, width: float, style: TranscriptStyle) -> float:
        """A height without laying anything out: lines of average characters."""
        metrics = QFontMetricsF(style.font)
        chars = max(1.0, width / max(metrics.averageCharWidth(), 1.0))
        lines = sum(1 + int(len(line) / chars) for line in self.card.message.content.split("\n"))
        extra = THUMB_HEIGHT + 8 if self.card.images else 0
        return 24 + lines * metrics.lineSpacing() + extra + ACTION_ROW

    # --- layout ----------------------------------------------------------------------------

    def layout(self, width: float, style: TranscriptStyle, thumbnails: Thumbnails) -> float:
        self.width = width
        self.parts = []
        self._open = None
        if self.card.step is not None:
            from desktop_app.ui.chat.step_item import lay_out_step

            self.height = lay_out_step(self, width, style, thumbnails) + STEP_GAP
            self.measured = True
            return self.height
        user = self.card.role == "user"
        inner = width * 0.85 - 2 * BUBBLE_PADDING if user else width
        y = self._header(width, style)
        if self.card.images:
            y = self.place_thumbnails(y, width, inner, thumbnails, align_right=user)
        top = y
        if not user:
            y = self._reasoning(y, width, style)
            y = self._notes(y, width, style)
            y = self._files(y, width, style)
        x = 0.0
        if user:
            x, y = BUBBLE_PADDING, y + BUBBLE_PADDING
        following = self.stream.open_piece if self.stream is not None else None
        for index, piece in enumerate(self.pieces):
            after = self.pieces[index + 1] if index + 1 < len(self.pieces) else following
            y = self._add_piece(piece, x, y, inner, style, after)
        if self.stream is not None:
            y = self._render_open(x, y, inner, style)
        if user:
            y = self._place_bubble(top, y + BUBBLE_PADDING, width)
        if self.card.error:
            y = self._error(y, width, style)
        self.height = y + (ACTION_ROW if self.card.actions or self.card.has_versions else 4)
        self.measured = True
        return self.height

    def drop(self) -> None:
        """Free the laid-out documents (the height stays, for the scroll bar)."""
        if self.stream is None:
            self.parts = None
            self._open = None

    def _header(self, width: float, style: TranscriptStyle) -> float:
        card = self.card
        muted = style.muted.name()
        who = html.escape(card.who)
        # A narrow column wraps the header between its details, never inside one ("cut at
        # the token" / "limit").
        details = " · ".join(html.escape(d).replace(" ", "&nbsp;") for d in card.details)
        text = f"<b>{who}</b>" + (
            f'<span style="color:{muted}"> · {details}</span>' if details else ""
        )
        document = render_html(text, style, width - 18, small=True)
        document.setTextWidth(document.idealWidth() + 1)
        x = (
            width - document.idealWidth() - (14 if card.sentiment else 0)
            if card.role == "user"
            else 0.0
        )
        size = document.size()
        self.parts_list().append(
            Part("header", QRectF(x, 0, size.width(), size.height()), document)
        )
        return size.height() + 4

    def place_thumbnails(
        self, y: float, width: float, inner: float, thumbnails: Thumbnails, align_right: bool
    ) -> float:
        placed: list[tuple[QRectF, QImage, Attachment]] = []
        x = 0.0
        for attachment in self.card.images:
            image = thumbnails(attachment)
            if image is None or image.isNull():
                size = QSizeF(THUMB_HEIGHT, THUMB_HEIGHT)
            else:
                size = QSizeF(image.width(), image.height())
            scale = min(1.0, THUMB_HEIGHT / max(size.height(), 1), inner / max(size.width(), 1))
            w, h = size.width() * scale, size.height() * scale
            placed.append(
                (QRectF(x, y, w, h), image if image is not None else QImage(), attachment)
            )
            x += w + 6
        used = x - 6
        if align_right:
            shift = width - used
            placed = [(r.translated(shift, 0), i, a) for r, i, a in placed]
        bottom = max(r.bottom() for r, _, _ in placed) if placed else y
        self.parts_list().append(Part("images", QRectF(0, y, width, bottom - y), thumbs=placed))
        return bottom + 6

    def _reasoning(self, y: float, width: float, style: TranscriptStyle) -> float:
        if not self.card.reasoning:
            return y
        open_ = "reasoning" in self.expanded or (self.stream is not None and not self.pieces)
        arrow = "▾" if open_ else "▸"
        label = html.escape(self.card.reasoning_label or "Reasoning")
        line = f'<a class="muted" href="{REASONING_SCHEME}:toggle">{arrow} {label}</a>'
        document = render_html(line, style, width, small=True)
        self.parts_list().append(
            Part("reasoning", QRectF(0, y, width, document.size().height()), document)
        )
        y += document.size().height() + 2
        if open_:
            text = html.escape(self.card.reasoning).replace("\n", "<br>")
            body = render_html(
                f'<span style="color:{style.muted.name()}">{text}</span>', style, width - 14, True
            )
            self.parts_list().append(
                Part("reasoning", QRectF(14, y, width - 14, body.size().height()), body)
            )
            y += body.size().height() + 4
        return y + 2

    def _notes(self, y: float, width: float, style: TranscriptStyle) -> float:
        for index, note in enumerate(self.card.notes):
            expanded = f"note:{index}" in self.expanded
            document = render_html(note_html(note, 0, index, expanded), style, width, small=True)
            self.parts_list().append(
                Part("notes", QRectF(0, y, width, document.size().height()), document)
            )
            y += document.size().height()
        return y + (4 if self.card.notes else 0)

    def _files(self, y: float, width: float, style: TranscriptStyle) -> float:
        """ "Files: squares.csv · chart.png" — what the reply's tools made; a click saves."""
        files = self.card.made_files
        if not files:
            return y
        links = " · ".join(
            f'<a href="{FILE_SCHEME}:{n}">{html.escape(f.text)}</a>' for n, f in enumerate(files)
        )
        line = f'<span style="color:{style.muted.name()}">Files: </span>{links}'
        document = render_html(line, style, width, small=True)
        self.parts_list().append(
            Part("files", QRectF(0, y, width, document.size().height()), document)
        )
        return y + document.size().height() + 4

    def _add_piece(
        self,
        piece: Piece,
        x: float,
        y: float,
        inner: float,
        style: TranscriptStyle,
        after: Piece | None = None,
    ) -> float:
        """Lay out a piece below `y`; `after` is the piece that follows it (if any): a code
        block's background closes under its last piece only."""
        code = piece.kind == "code"
        pad = CODE_PADDING if code else 0.0
        if piece.first and self.parts and self.parts[-1].kind == "piece":
            y += BLOCK_GAP
        document = render_piece(piece, style, inner - 2 * pad)
        height = document.size().height()
        top = pad if code and piece.first else 0.0
        rect = QRectF(x + pad, y + top, inner - 2 * pad, height)
        part = Part("piece", rect, document, piece, style.code_background if code else None)
        part.pad_below = pad if code and (after is None or after.first) else 0.0
        self.parts_list().append(part)
        return rect.bottom() + part.pad_below

    def _place_bubble(self, top: float, bottom: float, width: float) -> float:
        pieces = [p for p in self.parts_list() if p.kind == "piece"]
        if not pieces:
            self._bubble = QRectF()
            return top
        natural = max((p.document.idealWidth() if p.document is not None else 0) for p in pieces)
        natural = max(natural, 24.0)
        bubble_width = min(width * 0.85, natural + 2 * BUBBLE_PADDING + 2)
        x = width - bubble_width
        for part in pieces:
            if part.document is not None:
                part.document.setTextWidth(bubble_width - 2 * BUBBLE_PADDING)
            part.rect = QRectF(
                x + BUBBLE_PADDING,
                part.rect.y(),
                bubble_width - 2 * BUBBLE_PADDING,
                part.document.size().height() if part.document else part.rect.height(),
            )
        self._bubble = QRectF(x, top, bubble_width, bottom - top)
        return bottom

    def _error(self, y: float, width: float, style: TranscriptStyle) -> float:
        colour = style.warning if self.card.error_tone == "warning" else style.error
        text = f'<i style="color:{colour.name()}">{html.escape(self.card.error)}</i>'
        document = render_html(text, style, width)
        self.parts_list().append(
            Part("error", QRectF(0, y + 4, width, document.size().height()), document)
        )
        return y + 4 + document.size().height()

    # --- streaming -------------------------------------------------------------------------

    def begin_stream(self) -> None:
        self.stream = StreamSplitter()
        self.pieces = []

    def _render_open(self, x: float, y: float, inner: float, style: TranscriptStyle) -> float:
        assert self.stream is not None
        piece = self.stream.open_piece
        if piece is None:
            self._open = None
            return y
        start = len(self.parts or [])
        bottom = self._add_piece(piece, x, y, inner, style)
        assert self.parts is not None
        self._open = self.parts[start] if len(self.parts) > start else None
        return bottom

    def update_stream(self, text: str, style: TranscriptStyle) -> float:
        """Add streamed text; re-render only the open piece. Returns the new height."""
        assert self.stream is not None and self.parts is not None
        self._drop_open()
        y = self._content_bottom()
        finished = self.stream.feed(text)
        following = self.stream.open_piece
        for index, piece in enumerate(finished):
            self.pieces.append(piece)
            after = finished[index + 1] if index + 1 < len(finished) else following
            y = self._add_piece(piece, 0.0, y, self.width, style, after)
        y = self._render_open(0.0, y, self.width, style)
        if self._cut_long_paragraph(style):
            y = self._content_bottom()
        self.height = y + ACTION_ROW
        return self.height

    def _drop_open(self) -> None:
        """Take the open piece's part off the end (it is always the last)."""
        if self._open is not None and self.parts and self.parts[-1] is self._open:
            self.parts.pop()
        self._open = None

    def _content_bottom(self) -> float:
        assert self.parts is not None
        last = self.parts[-1] if self.parts else None
        return 0.0 if last is None else last.rect.bottom() + last.pad_below

    def _cut_long_paragraph(self, style: TranscriptStyle) -> bool:
        """An open paragraph (or code line) past CUT_CHARS is finished up to where its last
        laid-out line starts: the piece before the cut wraps exactly as the whole did, so
        nothing moves, and the open piece stays short whatever the reply's shape."""
        assert self.stream is not None and self.parts is not None
        open_part, source = self._open, self.stream.open_text
        if open_part is None or open_part.document is None or len(source) < CUT_CHARS:
            return False
        piece = open_part.piece
        if piece is None:
            return False
        if piece.kind == "code":
            offset = code_cut_offset(open_part.document, piece.text, piece.first)
        else:
            width = open_part.rect.width()

            def render(head: str) -> QTextDocument:
                return render_piece(Piece("prose", head.strip("\n"), 0), style, width)

            offset = cut_offset(open_part.document, source, render, len(source) > HARD_CUT_CHARS)
        if offset is None:
            return False
        head = self.stream.cut_open(offset)
        if head is None:
            return False
        self._drop_open()
        y = self._content_bottom()
        self.pieces.append(head)
        y = self._add_piece(head, 0.0, y, self.width, style, self.stream.open_piece)
        self._render_open(0.0, y, self.width, style)
        return True

    def end_stream(self, card: Card) -> None:
        """The reply is finished: keep the pieces as streamed (no reflow), take the final
        card (its header, notes and actions)."""
        if self.stream is not None:
            self.pieces.extend(self.stream.close())
            self.stream = None
        self.card = card
        self.parts = None
        self.measured = False


def item_text(item: MessageItem) -> str:
    """A message as the transcript shows it, in words: header, notes, text, error."""
    card = item.card
    if card.step is not None:
        arrow = "▾" if "step" in item.expanded else "▸"
        lines = [f"{arrow} {card.step.summary}"]
        if "step" in item.expanded:
            lines += ["Arguments", card.step.arguments, "Result", card.step.result]
        return "\n".join(lines)
    lines = [" · ".join([card.who, *card.details])]
    lines.append(card.reasoning_label if card.reasoning else "")
    for index, note in enumerate(card.notes):
        arrow = "▾" if f"note:{index}" in item.expanded else "▸"
        lines.append(f"{arrow} {note.label}" + (f" ({note.tally})" if note.tally else ""))
    if card.made_files:
        lines.append("Files: " + " · ".join(f.text for f in card.made_files))
    if item.stream is not None:
        lines.append("".join(p.text + "\n" for p in item.pieces) + item.stream.open_text)
    else:
        lines.append(plain_text(card.message))
    lines.append(card.error)
    return "\n".join(line for line in lines if line)
