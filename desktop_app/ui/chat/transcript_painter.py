"""Painting one laid-out message: its bubble or code backgrounds, its documents (with the
selection and search words marked), its images, the sentiment mark, the version switcher."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QPainter,
    QPalette,
    QPen,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)

from desktop_app.ui.chat.message_item import ACTION_ROW, CODE_PADDING, MessageItem, Part
from desktop_app.ui.chat.transcript_selection import SENTIMENT_DOT
from desktop_app.ui.chat.transcript_style import TranscriptStyle

BUBBLE_RADIUS = 14.0
CODE_RADIUS = 6.0


def _code_groups(parts: list[Part]) -> list[QRectF]:
    """One background per code block, around all its pieces."""
    groups: list[QRectF] = []
    previous = None
    for part in parts:
        piece = part.piece
        if part.background is None or piece is None:
            previous = None
            continue
        rect = part.rect.adjusted(-CODE_PADDING, 0, CODE_PADDING, 0)
        if previous is not None and not piece.first and previous == piece.block and groups:
            groups[-1] = groups[-1].united(rect)
        else:
            groups.append(rect.adjusted(0, -CODE_PADDING, 0, 0))
        previous = piece.block
    return [g.adjusted(0, 0, 0, CODE_PADDING) for g in groups]


def _meets(part: Part, visible: QRectF) -> bool:
    """The part (with its code background around it) shows in the visible area."""
    rect = part.rect.adjusted(-CODE_PADDING, -CODE_PADDING, CODE_PADDING, CODE_PADDING)
    return rect.bottom() >= visible.top() and rect.top() <= visible.bottom()


def _word_selections(
    document: QTextDocument, words: list[str], style: TranscriptStyle
) -> list[QAbstractTextDocumentLayout.Selection]:
    from PySide6.QtCore import QRegularExpression

    found = []
    fmt = QTextCharFormat()
    fmt.setBackground(style.highlight)
    for word in words:
        pattern = QRegularExpression(
            r"\b" + QRegularExpression.escape(word),
            QRegularExpression.PatternOption.CaseInsensitiveOption
            | QRegularExpression.PatternOption.UseUnicodePropertiesOption,
        )
        cursor = document.find(pattern, 0)
        while not cursor.isNull():
            selection = QAbstractTextDocumentLayout.Selection()
            selection.cursor = cursor
            selection.format = fmt
            found.append(selection)
            cursor = document.find(pattern, cursor)
    return found


def paint_item(
    painter: QPainter,
    item: MessageItem,
    origin: QPointF,
    style: TranscriptStyle,
    ranges: dict[int, tuple[int, int]],
    words: list[str],
    focused: bool,
    show_versions: bool,
    palette: QPalette,
    visible: QRectF | None = None,
) -> None:
    """Paint `item` at `origin`; only its parts that meet `visible` (the exposed area, in
    the item's own coordinates), so a long reply costs what is on screen, not its length."""
    painter.save()
    painter.translate(origin)
    parts = item.parts or []
    if visible is not None:
        parts = [p for p in parts if _meets(p, visible)]
    painter.setPen(Qt.PenStyle.NoPen)
    if not item.bubble.isEmpty():
        painter.setBrush(style.user_bubble)
        painter.drawRoundedRect(item.bubble, BUBBLE_RADIUS, BUBBLE_RADIUS)
    painter.setBrush(style.code_background)
    for rect in _code_groups(parts):
        painter.drawRoundedRect(rect, CODE_RADIUS, CODE_RADIUS)
    context_palette = QPalette(palette)
    context_palette.setColor(QPalette.ColorRole.Text, style.text)
    selected = QTextCharFormat()
    selected.setBackground(palette.color(QPalette.ColorRole.Highlight))
    selected.setForeground(palette.color(QPalette.ColorRole.HighlightedText))
    numbers = {id(part): n for n, part in enumerate(item.parts or [])}
    for part in parts:
        number = numbers[id(part)]
        if part.kind == "images":
            _paint_images(painter, part, style)
            continue
        if part.document is None:
            continue
        if part.kind == "reasoning" and part.rect.x() > 0:
            painter.fillRect(QRectF(4, part.rect.y(), 2, part.rect.height()), style.border)
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette = context_palette
        context.clip = QRectF(0, 0, part.rect.width() + 4, part.rect.height() + 4)
        if visible is not None:
            context.clip = context.clip.intersected(visible.translated(-part.rect.topLeft()))
        selections = _word_selections(part.document, words, style) if words else []
        if number in ranges:
            start, end = ranges[number]
            cursor = QTextCursor(part.document)
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            selection = QAbstractTextDocumentLayout.Selection()
            selection.cursor = cursor
            selection.format = selected
            selections.append(selection)
        context.selections = selections
        painter.save()
        painter.translate(part.rect.topLeft())
        part.document.documentLayout().draw(painter, context)
        painter.restore()
        if part.kind == "header" and item.card.sentiment is not None:
            tone = item.card.sentiment.tone
            color = {"positive": style.positive, "negative": style.negative}.get(
                tone, style.neutral
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            center = QPointF(part.rect.right() + 4 + SENTIMENT_DOT / 2, part.rect.center().y())
            painter.drawEllipse(center, SENTIMENT_DOT / 2, SENTIMENT_DOT / 2)
    if show_versions and item.card.has_versions:
        painter.setPen(style.muted)
        painter.setFont(style.small)
        row = QRectF(0, item.height - ACTION_ROW, item.width, ACTION_ROW)
        align = Qt.AlignmentFlag.AlignVCenter | (
            Qt.AlignmentFlag.AlignRight if item.card.role == "user" else Qt.AlignmentFlag.AlignLeft
        )
        painter.drawText(row.adjusted(6, 0, -6, 0), int(align), f"‹ {item.card.version_label} ›")
    if focused:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(style.focus, 2))
        painter.drawRoundedRect(QRectF(-6, -4, item.width + 12, item.height + 4), 8, 8)
    painter.restore()


def _paint_images(painter: QPainter, part: Part, style: TranscriptStyle) -> None:
    for rect, image, attachment in part.thumbs:
        if image.isNull():
            painter.setPen(QPen(style.border, 1))
            painter.setBrush(style.code_background)
            painter.drawRoundedRect(rect, 8, 8)
            painter.setPen(style.muted)
            painter.setFont(style.small)
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), "image not found")
            continue
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(rect, image)
        painter.setPen(QPen(style.border, 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect, 6, 6)
        painter.restore()
        del attachment
