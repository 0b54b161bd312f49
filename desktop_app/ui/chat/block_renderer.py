"""One block of a message as a QTextDocument, laid out at a width.

Each block is a document of its own, so laying out one never touches another: a finished block
is laid out once (and again only when the width changes), the open block of a streaming reply
is the only one re-rendered as text arrives.
"""

from __future__ import annotations

import html

from PySide6.QtGui import QFont, QTextDocument, QTextOption

from desktop_app.core.highlight import highlight_html
from desktop_app.core.markdown_html import prose_html
from desktop_app.core.reply_blocks import Piece
from desktop_app.ui.chat.transcript_style import TranscriptStyle

COPY_SCHEME = "parley-copy"


def new_document(style: TranscriptStyle, font: QFont | None = None) -> QTextDocument:
    document = QTextDocument()
    document.setUndoRedoEnabled(False)
    document.setDocumentMargin(0)
    document.setDefaultFont(font or style.font)
    document.setDefaultStyleSheet(style.css())
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    document.setDefaultTextOption(option)
    return document


def code_header_html(piece: Piece, style: TranscriptStyle) -> str:
    label = html.escape(piece.language or "code")
    muted = style.muted.name()
    return (
        f'<p style="color:{muted}">{label} &nbsp;·&nbsp; '
        f'<a class="muted" href="{COPY_SCHEME}:{piece.block}">Copy</a></p>'
    )


def piece_html(piece: Piece, style: TranscriptStyle) -> str:
    if piece.kind == "prose":
        return prose_html(piece.text)
    if piece.kind == "code":
        header = code_header_html(piece, style) if piece.first else ""
        code = highlight_html(piece.text, piece.language, style.dark) if piece.text else ""
        return f'{header}<pre style="white-space:pre-wrap; margin:0">{code}</pre>'
    return ""


def render_piece(piece: Piece, style: TranscriptStyle, width: float) -> QTextDocument:
    """A laid-out document for a piece: Markdown prose, highlighted code, or plain text as the
    user typed it (line breaks and indentation kept)."""
    if piece.kind == "plain":
        document = new_document(style)
        document.setPlainText(piece.text)
    else:
        document = new_document(style, style.mono if piece.kind == "code" else None)
        document.setHtml(piece_html(piece, style))
    document.setTextWidth(max(width, 10.0))
    return document


def render_html(
    text: str, style: TranscriptStyle, width: float, small: bool = False
) -> QTextDocument:
    """A small rich-text line or two: a header, a note, an error."""
    document = new_document(style, style.small if small else None)
    document.setHtml(text)
    document.setTextWidth(max(width, 10.0))
    return document
