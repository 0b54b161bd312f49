"""The Qt side of cutting a long streaming paragraph (or code line): find where its last
laid-out line starts, so the part before it can be finished as it is."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QTextDocument

from desktop_app.core.stream_cut import hard_offset, source_offset


def _last_line_start(document: QTextDocument) -> int | None:
    """Document position where the last line of the last paragraph starts (None: one line)."""
    document.size()  # lays it out, if it was not yet
    block = document.lastBlock()
    layout = block.layout()
    if layout is None or layout.lineCount() < 3:
        return None
    return block.position() + layout.lineAt(layout.lineCount() - 1).textStart()


Render = Callable[[str], QTextDocument]  # Markdown → a document laid out like the open one


def _head_fits(head: str, document: QTextDocument, rendered_head: str, render: Render) -> bool:
    """Rendered alone at the same width, the head must be exactly the lines before the cut."""
    probe = render(head)
    probe.size()  # lays it out
    text = probe.toPlainText().rstrip()
    if text != rendered_head.rstrip():
        return False
    lines = sum(probe.findBlockByNumber(n).layout().lineCount() for n in range(probe.blockCount()))
    block = document.lastBlock()
    before = sum(
        document.findBlockByNumber(n).layout().lineCount() for n in range(block.blockNumber())
    )
    expected = before + block.layout().lineCount() - 1
    return lines == expected


def code_cut_offset(document: QTextDocument, code: str, first: bool) -> int | None:
    """Where to cut an open code piece whose last line runs long: where the last laid-out
    line of it starts. Code is drawn as written, so the document's text is the code's (after
    the header line "python · Copy" of a block's first piece)."""
    position = _last_line_start(document)
    if position is None:
        return None
    start = document.begin().next().position() if first else 0
    if document.toPlainText()[start:] != code:
        return None  # not drawn verbatim (tabs, entities): leave it whole
    offset = position - start
    return offset if 0 < offset < len(code) else None


def cut_offset(
    document: QTextDocument, source: str, render: Render, hard: bool = False
) -> int | None:
    """A source offset to cut the open paragraph at, keeping every line where it is."""
    position = _last_line_start(document)
    if position is not None:
        rendered = document.toPlainText()
        offset = source_offset(source, rendered, position)
        head = source[:offset] if offset is not None else ""
        if head and _head_fits(head, document, rendered[:position], render):
            return offset
    if hard:
        return hard_offset(source, len(source) - 200)
    return None
