"""A streamed reply's parts and figures, on a scripted clock; the Responses reasoning events."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from desktop_app.core.reply_parts import ReplyParts
from desktop_app.services.chat_events import ReasoningDelta, TextDelta
from desktop_app.services.responses_events import ResponsesReader


def clock(*readings: float):  # type: ignore[no-untyped-def]
    """Returns the readings in order; one reading too many fails the test."""
    left = list(readings)
    return lambda: left.pop(0)


def test_reasoning_then_answer_gives_every_figure() -> None:
    parts = ReplyParts(clock(10.0, 10.5, 12.5, 14.5))  # sent, first thought, answer, end
    parts.add_reasoning("Hmm, ")
    parts.add_reasoning("let me see.")
    parts.add_text("Yes.")
    parts.add_text(" Done.")
    assert parts.close() == []
    assert (parts.content, parts.reasoning) == ("Yes. Done.", "Hmm, let me see.")
    assert (parts.first_token_seconds, parts.reasoning_seconds) == (0.5, 2.0)
    assert parts.tokens_per_second(40) == 10.0  # 40 tokens from 10.5 to 14.5


def test_a_think_block_counts_as_reasoning() -> None:
    parts = ReplyParts(clock(0.0, 1.0, 3.0, 4.0))
    for chunk in ["<th", "ink>plan", "</think>", "\n\nAnswer"]:
        parts.add_text(chunk)
    parts.close()
    assert (parts.reasoning, parts.content) == ("plan", "Answer")
    assert (parts.first_token_seconds, parts.reasoning_seconds) == (1.0, 2.0)


def test_stopped_while_thinking_counts_until_the_end() -> None:
    parts = ReplyParts(clock(0.0, 2.0, 5.0))
    parts.add_reasoning("Still thinking")
    parts.close()
    parts.close()  # a second close reads no clock
    assert (parts.content, parts.reasoning_seconds, parts.first_token_seconds) == ("", 3.0, 2.0)
    assert parts.tokens_per_second(6) == 2.0


def test_no_answer_no_figures() -> None:
    parts = ReplyParts(clock(0.0, 1.0))
    parts.close()
    assert (parts.first_token_seconds, parts.reasoning_seconds) == (None, None)
    assert parts.tokens_per_second(None) is None and parts.tokens_per_second(10) is None


def test_a_plain_answer_has_no_reasoning_time() -> None:
    parts = ReplyParts(clock(0.0, 0.25, 0.25))
    parts.add_text("Quick.")
    parts.close()
    assert (parts.first_token_seconds, parts.reasoning_seconds) == (0.25, None)
    assert parts.tokens_per_second(3) is None  # no time passed: no rate rather than infinity


def _event(kind: str, **data: object) -> SimpleNamespace:
    return SimpleNamespace(type=kind, **data)


@pytest.mark.parametrize(
    ("kind", "index"),
    [
        ("response.reasoning_summary_text", "summary_index"),
        ("response.reasoning_text", "content_index"),
    ],
)
def test_responses_reasoning_events_become_reasoning_deltas(kind: str, index: str) -> None:
    delta, done = f"{kind}.delta", f"{kind}.done"
    reader = ResponsesReader()
    events = [
        _event(delta, item_id="rs_1", delta="First ", **{index: 0}),
        _event(delta, item_id="rs_1", delta="part.", **{index: 0}),
        _event(done, item_id="rs_1", text="First part.", **{index: 0}),
        # A part whose deltas never came is taken from its done event.
        _event(done, item_id="rs_1", text="Second part.", **{index: 1}),
        _event("response.output_text.delta", delta="Answer"),
    ]
    out = [e for event in events for e in reader.feed(event)]
    assert out == [
        ReasoningDelta("First "),
        ReasoningDelta("part."),
        ReasoningDelta("\n\n"),
        ReasoningDelta("Second part."),
        TextDelta("Answer"),
    ]
