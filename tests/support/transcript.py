"""Pointing at things in the transcript, as a user's mouse would: a link, a message, a button."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt

from desktop_app.ui.chat.transcript_view import TranscriptView


def link_point(view: TranscriptView, index: int, href: str) -> QPoint:
    """Viewport point of the first link whose target starts with `href` in message `index`."""
    view.scroll_to_item(index)
    item = view.items[index]
    assert item.parts is not None, "the message is not laid out"
    for part in item.parts:
        document = part.document
        if document is None:
            continue
        block = document.begin()
        while block.isValid():
            iterator = block.begin()
            while not iterator.atEnd():
                fragment = iterator.fragment()
                if fragment.charFormat().anchorHref().startswith(href):
                    layout = block.layout()
                    offset = fragment.position() - block.position() + 1
                    line = layout.lineForTextPosition(offset)
                    top = document.documentLayout().blockBoundingRect(block).top()
                    x, y = line.cursorToX(offset)[0], top + line.y() + line.height() / 2
                    where = view.item_rect(index).topLeft() + part.rect.topLeft() + QPointF(x, y)
                    return where.toPoint()
                iterator += 1
            block = block.next()
    raise AssertionError(f"no link {href!r} in message {index}")


def click_link(qtbot, view: TranscriptView, index: int, href: str) -> None:  # type: ignore[no-untyped-def]
    point = link_point(view, index, href)
    qtbot.mouseMove(view.viewport(), point)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def hover(qtbot, view: TranscriptView, index: int) -> None:  # type: ignore[no-untyped-def]
    view.scroll_to_item(index)
    rect = view.item_rect(index)
    qtbot.mouseMove(view.viewport(), QPoint(1, 1))  # from elsewhere: Qt sends no move in place
    qtbot.mouseMove(view.viewport(), QPoint(int(rect.center().x()), int(rect.top() + 8)))


def click_action(qtbot, view: TranscriptView, index: int, name: str) -> None:  # type: ignore[no-untyped-def]
    """Hover message `index` and click its action button `name` (as a user would)."""
    hover(qtbot, view, index)
    button = view.actions_bar.buttons[name]
    assert button.isVisible(), f"{name} is not offered on message {index}"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
