"""A tool step in the transcript, laid out: a line that opens into the call's arguments and
result (code blocks, Copy on each), the images the tool returned, and a note when the result
is folded. The layout of MessageItem for a `tool` message."""

from __future__ import annotations

import html

from PySide6.QtCore import QRectF

from desktop_app.core.reply_blocks import Piece
from desktop_app.core.tool_step_cards import pretty
from desktop_app.core.transcript_cards import Card
from desktop_app.ui.chat.block_renderer import render_html, render_piece
from desktop_app.ui.chat.message_item import CODE_PADDING, MessageItem, Part, Thumbnails
from desktop_app.ui.chat.transcript_style import TranscriptStyle

STEP_SCHEME = "parley-step"  # parley-step:toggle: open or close a tool step
STEP_INDENT = 14.0  # a tool step sits a little in from the reply it belongs to


def lay_out_step(
    self: MessageItem, width: float, style: TranscriptStyle, thumbnails: Thumbnails
) -> float:
    """A tool call: a line that opens into its arguments and result; its images."""
    step = self.card.step
    assert step is not None
    open_ = "step" in self.expanded
    arrow = "▾" if open_ else "▸"
    tone = {"failed": style.error, "stopped": style.warning, "denied": style.warning}.get(
        step.state
    )
    summary = html.escape(step.summary)
    if tone is not None:
        summary = f'<span style="color:{tone.name()}">{summary}</span>'
    line = (
        f'<a class="muted" style="text-decoration:none" href="{STEP_SCHEME}:toggle">'
        f"{arrow} {summary}</a>"
    )
    document = render_html(line, style, width - STEP_INDENT, small=True)
    height = document.size().height()
    self.parts_list().append(Part("step", QRectF(STEP_INDENT, 0, width, height), document))
    y = height + 2
    if self.card.images:
        y = self.place_thumbnails(y, width, width - STEP_INDENT, thumbnails, align_right=False)
    if not open_:
        return y
    for block, (title, text) in enumerate(
        (("Arguments", step.arguments), ("Result", step.result or "—"))
    ):
        label = render_html(
            f'<span style="color:{style.muted.name()}">{title}</span>', style, width, True
        )
        self.parts_list().append(
            Part("step", QRectF(STEP_INDENT, y + 4, width, label.size().height()), label)
        )
        y += 4 + label.size().height() + CODE_PADDING
        piece = Piece("code", text, block, "json" if text[:1] in "{[" else "")
        y = _code_part(self, piece, y, width, style)
    if step.hidden:
        more = (
            f'<span style="color:{style.muted.name()}">{step.hidden:,} more characters '
            "not shown — Copy gives the whole result.</span>"
        )
        note = render_html(more, style, width - STEP_INDENT, small=True)
        self.parts_list().append(
            Part("step", QRectF(STEP_INDENT, y + 4, width, note.size().height()), note)
        )
        y += 4 + note.size().height()
    return y


def _code_part(
    self: MessageItem, piece: Piece, y: float, width: float, style: TranscriptStyle
) -> float:
    inner = width - STEP_INDENT - 2 * CODE_PADDING
    document = render_piece(piece, style, inner)
    rect = QRectF(STEP_INDENT + CODE_PADDING, y, inner, document.size().height())
    part = Part("step", rect, document, piece, style.code_background, pad_below=CODE_PADDING)
    self.parts_list().append(part)
    return rect.bottom() + CODE_PADDING


def step_block_text(card: Card, block: int) -> str:
    """What Copy gives for a tool step's block: its arguments, or its whole result."""
    assert card.step is not None
    return card.step.arguments if block == 0 else pretty(card.message.content)
