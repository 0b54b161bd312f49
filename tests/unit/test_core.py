"""Pure pieces: dialogue export/import, titles, sentiment, Markdown splitting, chat requests."""

from __future__ import annotations

import json

import pytest

from desktop_app.core.chat_request import build_chat_messages
from desktop_app.core.dialogue import (
    Dialogue,
    LogFormatError,
    Message,
    Status,
    from_log,
    make_title,
    to_log_json,
    to_markdown,
)
from desktop_app.core.highlight import highlight_html
from desktop_app.core.markdown_blocks import split_blocks
from desktop_app.core.sentiment import SentimentAnalyzer, label_for

T0 = 1_764_000_000.0


def sample() -> Dialogue:
    return Dialogue(
        "Sample",
        model="gpt-4o",
        system="Be brief",
        messages=[
            Message(
                "user",
                "I love this!",
                sentiment_label="positive",
                sentiment_score=0.67,
                created_at=T0,
            ),
            Message("assistant", "Cut off he", status=Status.INTERRUPTED, created_at=T0 + 1),
        ],
    )


def test_log_export_has_the_seed_shape_and_reads_back() -> None:
    log = json.loads(to_log_json(sample()))
    assert log[0] == {
        "role": "user",
        "content": "I love this!",
        "sentiment": "positive",
        "timestamp": "2025-11-24T16:00:00+00:00",
    }
    assert set(log[0]) == {"role", "content", "sentiment", "timestamp"}  # the seed's shape
    assert log[1]["status"] == "interrupted"  # only where a message did not complete
    back = from_log(log)
    assert [(m.role, m.content, m.created_at, m.status) for m in back] == [
        ("user", "I love this!", T0, Status.COMPLETE),
        ("assistant", "Cut off he", T0 + 1, Status.INTERRUPTED),
    ]
    assert from_log({"messages": log})[0].sentiment_label == "positive"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"nope": 1}, "expected a list"),
        ([1], "entry 1 is not an object"),
        ([{"role": "robot", "content": "x"}], "unknown role"),
        ([{"role": "user"}], "no text content"),
    ],
)
def test_bad_logs_say_where_and_why(data, problem) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LogFormatError, match=problem):
        from_log(data)


def test_markdown_export_marks_status_and_sentiment() -> None:
    text = to_markdown(sample())
    assert text.startswith("# Sample\n")
    assert "> **System:** Be brief" in text
    assert "## User · 2025-11-24T16:00:00+00:00 · positive (+0.67)" in text
    assert "· interrupted" in text


def test_titles_come_from_the_first_message() -> None:
    assert make_title("  Hello\n  world ") == "Hello world"
    assert make_title("") == "New chat"
    long = make_title("word " * 40)
    assert long.endswith("…") and len(long) <= 61 and not long[:-1].endswith(" ")


def test_vader_sentiment_labels() -> None:
    analyzer = SentimentAnalyzer()
    assert analyzer.analyze("This is great, thank you so much!").label == "positive"
    assert analyzer.analyze("I hate this, it is terrible.").label == "negative"
    assert analyzer.analyze("The file has three lines.").label == "neutral"
    assert analyzer.analyze("   ").compound == 0.0
    assert analyzer.analyze("good " * 5000).label == "positive"  # long text is bounded
    assert (label_for(0.05), label_for(0.0), label_for(-0.05)) == (
        "positive",
        "neutral",
        "negative",
    )


def test_markdown_is_split_into_prose_and_code() -> None:
    blocks = split_blocks("Intro\n\n```python\nx = 1\n```\nOutro\n~~~\nraw\n")
    assert [(b.kind, b.language) for b in blocks] == [
        ("text", ""),
        ("code", "python"),
        ("text", ""),
        ("code", ""),
    ]
    assert blocks[1].text == "x = 1"
    assert blocks[3].text == "raw"  # a fence still open (streaming) counts as code
    assert split_blocks("") == []


def test_highlighting_escapes_and_colours() -> None:
    html = highlight_html("if a < b: print('<b>')", "python")
    assert "&lt;b&gt;" in html and "style=" in html
    assert "&lt;" in highlight_html("<x>", "no-such-language")


def test_chat_request_skips_failed_replies_and_keeps_interrupted_ones() -> None:
    history = [
        Message("user", "one"),
        Message("assistant", "", status=Status.ERROR, error="401"),
        Message("user", "two"),
        Message("assistant", "half", status=Status.INTERRUPTED),
    ]
    assert build_chat_messages("  Be kind ", history) == [
        {"role": "system", "content": "Be kind"},
        {"role": "user", "content": "one"},
        {"role": "user", "content": "two"},
        {"role": "assistant", "content": "half"},
    ]
    assert build_chat_messages("", history[:1]) == [{"role": "user", "content": "one"}]
