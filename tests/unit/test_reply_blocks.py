"""Markdown cut into blocks, whole and while it streams; what the transcript draws per message."""

from __future__ import annotations

import random

import pytest

from desktop_app.core.dialogue import Attachment, Message, Status
from desktop_app.core.markdown_html import markdown_to_text, prose_html
from desktop_app.core.reply_blocks import CODE_CUT_LINES, StreamSplitter, split_markdown
from desktop_app.core.stream_cut import hard_offset, source_offset
from desktop_app.core.tool_step_cards import seconds_label
from desktop_app.core.transcript_cards import make_card, user_pieces

REPLY = (
    "Intro with **bold** and `code`.\n\n"
    "- one\n- two\n\n"
    "1. first\n2. second\n\n"
    "> quoted\n\n"
    "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
    "```python\n" + "".join(f"x = {i}\n" for i in range(100)) + "```\n"
    "Heading\n=======\n\n"
    "Last paragraph\nwith a soft break.\n"
)


def streamed(text: str, sizes: list[int]) -> StreamSplitter:
    splitter = StreamSplitter()
    position = 0
    for size in sizes:
        splitter.feed(text[position : position + size])
        position += size
    splitter.feed(text[position:])
    splitter.close()
    return splitter


def joined(splitter: StreamSplitter) -> list[tuple[str, str, str]]:
    """Pieces of one block joined again: (kind, text, language) per block."""
    blocks: dict[int, list] = {}
    for piece in splitter.finished:
        blocks.setdefault(piece.block, []).append(piece)
    out = []
    for pieces in blocks.values():
        glue = "\n" if pieces[0].kind == "code" else ""
        out.append((pieces[0].kind, glue.join(p.text for p in pieces), pieces[0].language))
    return out


def test_a_finished_reply_is_one_piece_per_block() -> None:
    pieces = split_markdown(REPLY)
    assert [p.kind for p in pieces] == ["prose"] * 5 + ["code", "prose", "prose"]
    assert pieces[5].language == "python" and pieces[5].text.startswith("x = 0")
    assert pieces[6].text == "Heading\n======="  # a setext heading stays whole


@pytest.mark.parametrize("seed", range(8))
def test_streaming_in_any_chunks_gives_the_blocks_of_the_whole(seed: int) -> None:
    rng = random.Random(seed)
    sizes = [rng.randint(1, 12) for _ in range(len(REPLY))]
    splitter = streamed(REPLY, sizes)
    whole = [(p.kind, p.text, p.language) for p in split_markdown(REPLY)]
    assert joined(splitter) == whole


def test_finished_pieces_never_change_and_long_code_is_cut_by_lines() -> None:
    splitter = StreamSplitter()
    seen: list = []
    for character in REPLY:
        splitter.feed(character)
        assert splitter.finished[: len(seen)] == seen  # append-only
        seen = list(splitter.finished)
    code = [p for p in splitter.finished if p.kind == "code"]
    assert len(code) == 3 and [p.first for p in code] == [True, False, False]
    assert all(p.text.count("\n") < CODE_CUT_LINES for p in code)


def test_the_open_piece_is_the_unfinished_block() -> None:
    splitter = StreamSplitter()
    splitter.feed("First para.\n\nSecond is still arri")
    assert [p.text for p in splitter.finished] == ["First para."]
    assert splitter.open_piece is not None and splitter.open_piece.text == "Second is still arri"
    splitter.feed("ving\n\n```js\nlet a")
    assert splitter.open_piece.kind == "code" and splitter.open_piece.text == "let a"


def test_a_paragraph_is_cut_only_inside_itself() -> None:
    splitter = StreamSplitter()
    splitter.feed("word " * 50)
    head = splitter.cut_open(100)
    assert head is not None and head.text == ("word " * 20).strip() and head.first
    assert splitter.open_piece is not None and not splitter.open_piece.first
    splitter.feed("\n\n- next\n")
    assert [p.first for p in splitter.finished] == [True, False]
    assert splitter.finished[1].block == head.block  # the rest of the same paragraph
    other = StreamSplitter()
    other.feed("text and then\n# not a heading yet")
    assert other.cut_open(len("text and then\n")) is None  # the rest would start a heading


def test_the_source_offset_of_a_rendered_position() -> None:
    source = "Some **bold** words and `code` go on here"
    rendered = "Some bold words and code go on here"
    at = rendered.index("go")
    assert source[source_offset(source, rendered, at) :].startswith("go on")
    assert source_offset("a [link](http://x) b", "a link b", 7) is None  # the target is gone
    assert hard_offset("x" * 100, 50) == 50 and hard_offset("ab cd", 10) is None


def test_prose_renders_for_qt_and_copies_as_plain_text() -> None:
    html = prose_html("| a |\n|---|\n| 1 |\n\n![cat](http://example.org/c.png)\n\n<b>raw</b>")
    assert 'border="1"' in html and "[image: cat]" in html and "&lt;b&gt;raw" in html
    assert markdown_to_text("**Hi** `x`\n\n```\ncode\n```") == "Hi x\n\ncode"


def test_the_users_text_is_kept_as_typed_and_pasted_code_looks_like_code() -> None:
    text = "Why?\n\ndef add(a, b):\n    return a +  b\n\n  indented   spaces stay"
    pieces = user_pieces(text)
    assert [p.kind for p in pieces] == ["plain", "code", "plain"]
    assert pieces[1].text == "def add(a, b):\n    return a +  b"
    assert pieces[2].text == "  indented   spaces stay"
    fenced = user_pieces("look:\n```sql\nSELECT 1;\n```\nthanks")
    assert [(p.kind, p.language) for p in fenced] == [("plain", ""), ("code", "sql"), ("plain", "")]


def test_a_card_says_what_the_header_shows_and_what_can_be_done() -> None:
    reply = Message(
        "assistant",
        "Hi",
        id=4,
        model="o4-mini",
        sentiment_label="positive",
        sentiment_score=0.6,
        first_token_seconds=0.42,
        tokens_per_second=51.7,
        reasoning="Thinking it over",
        reasoning_seconds=12.2,
        version=2,
        versions=3,
        attachments=[Attachment("a" * 64, "png", "image/png", 3)],
    )
    card = make_card(reply, ratable=True, editable=True)
    assert card.details == ["o4-mini", "0.4 s to first token", "52 tok/s"]
    assert card.sentiment is not None and card.sentiment.tone == "positive"
    assert "+0.60" in card.sentiment.tooltip
    assert card.reasoning_label == "Thought for 12 s" and card.version_label == "2/3"
    assert card.actions == ("copy", "regenerate", "rate_up", "rate_down", "delete")
    assert len(card.images) == 1
    quiet = make_card(reply, show_sentiment=False)
    assert quiet.sentiment is None and quiet.actions == ("copy",)
    streaming = make_card(Message("assistant", "", id=5, status=Status.STREAMING), editable=True)
    assert "writing…" in streaming.details and streaming.actions == ("copy",)
    user = make_card(Message("user", "q", id=1), editable=True, ratable=True)
    assert user.actions == ("copy", "edit", "delete")
    assert seconds_label(0.04) == "0.0 s" and seconds_label(300) == "5 min"
