"""Exports and training sets leave a reply's reasoning out, unless an export asks for it."""

from __future__ import annotations

import io
import json

import pytest

from desktop_app.core.dialogue import Dialogue, Message, from_log
from desktop_app.core.exporters import training_example, write_export
from desktop_app.core.training_dialogues import preference_examples, supervised_example

T0 = 1_764_000_000.0
THOUGHT = "The user wants a greeting. Keep it short."


def dialogue() -> Dialogue:
    return Dialogue(
        "Greeting",
        model="reasoner-content",
        messages=[
            Message("user", "Say hello", created_at=T0),
            Message(
                "assistant",
                "Hello!",
                created_at=T0 + 1,
                reasoning=THOUGHT,
                reasoning_seconds=12.4,
                rating=1,
            ),
        ],
    )


def export(fmt: str, count: int = 1, **options: bool) -> str:
    out = io.StringIO()
    write_export(fmt, [dialogue()] * count, count, out, **options)
    return out.getvalue()


@pytest.mark.parametrize(
    ("fmt", "count"), [("json", 1), ("json", 2), ("markdown", 1), ("jsonl", 1)]
)
def test_reasoning_is_left_out_by_default(fmt: str, count: int) -> None:
    text = export(fmt, count)
    assert "Hello!" in text
    assert THOUGHT not in text and "reasoning" not in text and "<details>" not in text


def test_json_carries_it_as_a_field_when_asked_and_reads_back() -> None:
    log = json.loads(export("json", include_reasoning=True))
    user, reply = log
    assert "reasoning" not in user
    assert (reply["content"], reply["reasoning"], reply["reasoning_seconds"]) == (
        "Hello!",
        THOUGHT,
        12.4,
    )
    assert [m.reasoning for m in from_log(log)] == ["", THOUGHT]
    several = json.loads(export("json", 2, include_reasoning=True))
    assert several[1]["messages"][1]["reasoning"] == THOUGHT


def test_markdown_shows_it_as_a_collapsed_block_before_the_answer_when_asked() -> None:
    text = export("markdown", include_reasoning=True)
    block = f"<details>\n<summary>Thought for 12 s</summary>\n\n{THOUGHT}\n\n</details>"
    assert block in text
    assert text.index("</details>") < text.index("Hello!") and text.count("<details>") == 1


@pytest.mark.parametrize(
    ("seconds", "label"),
    [(None, "Reasoning"), (0.4, "Thought for under a second"), (61.0, "Thought for 61 s")],
)
def test_the_block_says_how_long_the_model_thought(seconds: float | None, label: str) -> None:
    talk = dialogue()
    talk.messages[1].reasoning_seconds = seconds
    out = io.StringIO()
    write_export("markdown", [talk], 1, out, include_reasoning=True)
    assert f"<summary>{label}</summary>" in out.getvalue()


def test_training_sets_never_carry_it() -> None:
    assert THOUGHT not in export("jsonl", include_reasoning=True)
    example, _ = training_example(dialogue())
    supervised, _ = supervised_example(dialogue())
    assert example is not None and supervised is not None
    for messages in (example["messages"], supervised["messages"]):
        assert messages[-1] == {"role": "assistant", "content": "Hello!"}
    # A preference pair: the 👍 reply with its reasoning, a 👎 one written before it.
    talk = dialogue()
    user, good = talk.messages
    user.id, good.id, good.parent_id = 1, 3, 1
    bad = Message("assistant", "Go away.", id=2, rating=-1, reasoning="Be rude.", parent_id=1)
    pairs = preference_examples(talk, [user, bad, good])  # two versions of the reply
    assert [p["preferred_output"][0]["content"] for p in pairs] == ["Hello!"]
    assert pairs[0]["non_preferred_output"][0]["content"] == "Go away."
    dumped = json.dumps(supervised) + json.dumps(pairs)
    assert THOUGHT not in dumped and "Be rude." not in dumped
