"""Streaming into the transcript: live Markdown, only the open piece redrawn, no reflow at the
end — for ordinary replies, one unbroken paragraph, and one endless code line."""

from __future__ import annotations

import pytest

from desktop_app.core.dialogue import Message, Status
from desktop_app.core.reply_blocks import block_text
from desktop_app.ui.chat.message_item import CUT_CHARS, HARD_CUT_CHARS
from desktop_app.ui.chat.transcript_view import TranscriptView

WORDS = [
    "the",
    "reply",
    "streams",
    "word",
    "by",
    "word",
    "while",
    "the",
    "window",
    "stays",
    "smooth",
    "**and**",
    "`steady`",
]


def paragraph(count: int) -> str:
    return " ".join(WORDS[i % len(WORDS)] for i in range(count))


SHAPES = {
    "paragraphs": "\n\n".join(paragraph(60) for _ in range(30)) + "\n",
    "unbroken": paragraph(3000) + "\n",
    "code line": "```json\n" + '{"k": "' + "x" * 30_000 + '"}\n```\n',
    "mixed": "# Title\n\n"
    + paragraph(900)
    + "\n\n- a\n- b\n\n```py\n"
    + "".join(f"print({n})\n" for n in range(120))
    + "```\n\nDone.\n",
}


@pytest.fixture
def view(qtbot) -> TranscriptView:  # type: ignore[no-untyped-def]
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    qtbot.waitExposed(view)
    return view


def stream(view: TranscriptView, text: str, chunk: int = 7) -> list[int]:
    """Feed `text` in chunks, a frame every 8 chunks; the open piece's length at each frame."""
    reply = Message("assistant", "", id=2, model="m", status=Status.STREAMING)
    view.begin_reply(reply)
    open_lengths = []
    for number, start in enumerate(range(0, len(text), chunk)):
        view.append_reply_text(text[start : start + chunk])
        if number % 8 == 7:
            view.flush()
            item = view.items[-1]
            open_lengths.append(len(item.stream.open_text) if item.stream else 0)
    reply.content, reply.status = text, Status.COMPLETE
    view.finish_reply(reply)
    return open_lengths


@pytest.mark.parametrize("shape", SHAPES)
def test_only_a_short_open_piece_is_redrawn_and_the_end_does_not_move_anything(
    view: TranscriptView, qtbot, shape: str
) -> None:
    text = SHAPES[shape]
    lengths = stream(view, text)
    assert max(lengths) < HARD_CUT_CHARS + 200  # never the whole reply, whatever its shape
    streamed = view.items[-1]
    assert len(streamed.pieces) > 1
    # What the code blocks copy is what arrived.
    for block in {p.block for p in streamed.pieces if p.kind == "code"}:
        assert block_text(streamed.pieces, block) in text
    # The same reply drawn whole, at the same width, is exactly as tall: nothing reflowed.
    fresh = TranscriptView()
    qtbot.addWidget(fresh)
    fresh.resize(view.size())
    fresh.show_messages([view.messages[-1]])
    fresh.show()
    qtbot.waitExposed(fresh)
    whole = fresh.items[-1]
    whole.layout(view._column, view._style, view.thumbnails)
    streamed.layout(view._column, view._style, view.thumbnails)
    assert abs(streamed.height - whole.height) <= 2


def test_a_long_paragraph_is_cut_where_its_lines_break(view: TranscriptView) -> None:
    stream(view, SHAPES["unbroken"])
    pieces = view.items[-1].parts
    texts = [p for p in pieces if p.kind == "piece"]
    assert len(texts) >= len(SHAPES["unbroken"]) // (2 * CUT_CHARS)
    for part in texts[:-1]:  # each piece ends with a full line: its last line is as wide
        layout = part.document.lastBlock().layout()
        last = layout.lineAt(layout.lineCount() - 1).naturalTextWidth()
        assert last > part.rect.width() * 0.8


def test_markdown_is_live_while_the_reply_streams(view: TranscriptView) -> None:
    reply = Message("assistant", "", id=3, model="m", status=Status.STREAMING)
    view.begin_reply(reply)
    view.append_reply_text("Some **bold** text\n\n- one\n- tw")
    view.flush()
    item = view.items[-1]
    shown = "".join(p.document.toHtml() for p in item.parts if p.kind == "piece")
    assert "font-weight:700" in shown and "**" not in "".join(
        p.document.toPlainText() for p in item.parts if p.kind == "piece"
    )
    assert "<li" in shown  # the open list is already a list
    assert item.stream is not None and item.stream.open_piece.text.startswith("- one")
