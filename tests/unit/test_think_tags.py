"""The `<think>` block at the start of a reply, however the stream splits it."""

from __future__ import annotations

import pytest

from desktop_app.core.think_tags import Piece, ThinkSplitter, split_think


def _joined(pieces: list[Piece]) -> tuple[str, str]:
    reasoning = "".join(p.text for p in pieces if p.kind == "reasoning")
    return reasoning, "".join(p.text for p in pieces if p.kind == "text")


def _stream(chunks: list[str]) -> tuple[str, str]:
    splitter = ThinkSplitter()
    pieces: list[Piece] = []
    for chunk in chunks:
        pieces += splitter.feed(chunk)
    return _joined(pieces + splitter.finish())


REPLY = "\n<think>\nThe user greets me. I greet back.\n</think>\n\nHello! <think> stays here."


def test_a_whole_reply_splits_into_reasoning_and_answer() -> None:
    assert split_think(REPLY) == (
        "The user greets me. I greet back.\n",
        "Hello! <think> stays here.",
    )


@pytest.mark.parametrize("cut", range(1, len(REPLY)))
def test_every_split_into_two_chunks_gives_the_same_result(cut: int) -> None:
    assert _stream([REPLY[:cut], REPLY[cut:]]) == split_think(REPLY)


def test_one_character_at_a_time_gives_the_same_result() -> None:
    assert _stream(list(REPLY)) == split_think(REPLY)


def test_reasoning_comes_out_while_it_arrives_not_only_at_the_end() -> None:
    splitter = ThinkSplitter()
    assert splitter.feed("<think>Let me") == [Piece("reasoning", "Let me")]
    assert splitter.thinking
    # "</thi" could be the closing tag: held back until the next chunk decides.
    assert splitter.feed(" see</thi") == [Piece("reasoning", " see")]
    assert splitter.feed("nk>Yes.") == [Piece("text", "Yes.")]
    assert not splitter.thinking
    assert splitter.feed(" More.") == [Piece("text", " More.")]


def test_a_reply_without_the_block_is_text_at_once() -> None:
    splitter = ThinkSplitter()
    assert splitter.feed("Hello") == [Piece("text", "Hello")]
    assert splitter.feed(" <think>x</think>") == [Piece("text", " <think>x</think>")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<thi", ("", "<thi")),  # a tag that never completed is what the model wrote
        ("  <", ("", "  <")),
        ("<think>cut off while think", ("cut off while think", "")),
        ("<think>cut off at </thi", ("cut off at </thi", "")),
        ("<think></think>Answer", ("", "Answer")),
        ("<thinking>is another word", ("", "<thinking>is another word")),
        ("<think>a</think>\n\n", ("a", "")),
        ("", ("", "")),
    ],
)
def test_edges(text: str, expected: tuple[str, str]) -> None:
    assert split_think(text) == expected
    assert _stream(list(text)) == expected
