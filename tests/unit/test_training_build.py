"""Building datasets: rows with labels (SFT and DPO), dialogues with ratings, writers, epochs."""

from __future__ import annotations

import io
import json

import pytest

from desktop_app.core.dialogue import Dialogue, Message, Status
from desktop_app.core.token_count import TokenCounter, approximate_tokens, encoding_for
from desktop_app.core.training_build import (
    DPO,
    SFT,
    Built,
    ColumnMapping,
    RowBuilder,
    UnknownLabel,
    guess_mapping,
    parse_label,
)
from desktop_app.core.training_dialogues import preference_examples, supervised_example
from desktop_app.core.training_estimate import default_epochs, distribution, estimate
from desktop_app.core.training_formats import split, to_sharegpt, write_sharegpt

MAPPING = ColumnMapping("question", "answer", "system", "label")


def rows(*values: tuple[str, str, object]) -> list[tuple[int, dict[str, object]]]:
    return [
        (i, {"question": q, "answer": a, "system": "Be kind", "label": label})
        for i, (q, a, label) in enumerate(values, start=2)
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("positive", True), ("Negative", False), (1, True), (0.0, False), ("👍", True),
     ("👎", False), ("YES", True), (" no ", False), (True, True), (None, None),
     (float("nan"), None), ("", None)],
)  # fmt: skip
def test_label_spellings(value: object, expected: bool | None) -> None:
    assert parse_label(value) is expected


def test_unknown_label() -> None:
    with pytest.raises(UnknownLabel):
        parse_label("maybe")


def test_sft_from_rows_keeps_positive_replies_and_names_bad_rows() -> None:
    built = Built(SFT)
    builder = RowBuilder(built, MAPPING, "data.csv")
    builder.add(
        rows(
            ("What is 2+2?", "4", "positive"),
            ("What is 2+2?", "5", "negative"),
            ("", "orphan", "1"),
            ("Capital of France?", "Paris", "maybe"),
            ("Colour of sky?", "Blue", "👍"),
            ("Colour of grass?", "", "yes"),
            ("Unlabelled", "x", None),
        )
    )
    builder.finish()
    prompts = [e["messages"][1]["content"] for e in built.examples]
    assert prompts == ["What is 2+2?", "Colour of sky?"]
    assert built.examples[0]["messages"][0] == {"role": "system", "content": "Be kind"}
    found = {(p.row, p.code) for p in built.problems}
    assert found == {
        (3, "negative_label"), (4, "empty_prompt"), (5, "unknown_label"), (7, "empty_reply"),
        (8, "missing_label"), (0, "mixed_labels"),
    }  # fmt: skip
    assert all(p.source == "data.csv" for p in built.problems)
    assert built.left_out == 5 and built.rows_read == 7
    assert len([p for p in built.problems if p.row]) == built.left_out  # every one listed
    assert "2 examples from 7 rows" in built.summary()


def test_dpo_from_rows_pairs_preferred_and_non_preferred_replies() -> None:
    built = Built(DPO)
    builder = RowBuilder(built, MAPPING, "prefs.csv")
    builder.add(
        rows(
            ("Greet me", "Hello! How can I help?", "positive"),
            ("Greet me", "What.", "negative"),
            ("Greet me", "Hi there!", "positive"),
            ("Lonely prompt", "Only a good one", "positive"),
        )
    )
    builder.finish()
    assert len(built.examples) == 2
    first = built.examples[0]
    assert first["input"]["messages"] == [
        {"role": "system", "content": "Be kind"},
        {"role": "user", "content": "Greet me"},
    ]
    assert first["preferred_output"][0]["content"] == "Hello! How can I help?"
    assert built.examples[1]["preferred_output"][0]["content"] == "Hi there!"
    assert all(e["non_preferred_output"][0]["content"] == "What." for e in built.examples)
    assert [(p.row, p.code) for p in built.problems] == [(5, "unpaired_prompt")]


def test_guess_mapping() -> None:
    assert guess_mapping(["Question", "Answer", "Label"]) == ColumnMapping(
        "Question", "Answer", "", "Label"
    )
    assert guess_mapping(["a", "b"]) == ColumnMapping("a", "b")


def _dialogue() -> tuple[Dialogue, list[Message]]:
    """A tree: "Potato" and "Apple" answer the first question (Regenerate made "Apple"); the
    branch shown goes through "Apple"."""
    every = [
        Message("user", "Name a fruit", id=1),
        Message("assistant", "Potato", id=2, rating=-1, parent_id=1),
        Message("assistant", "Apple", id=3, rating=1, parent_id=1),
        Message("user", "Another?", id=4, parent_id=3),
        Message("assistant", "Pear", id=5, parent_id=4),
        Message("user", "And one more", id=6, parent_id=5),
        Message("assistant", "Broc", id=7, status=Status.INTERRUPTED, parent_id=6),
    ]
    dialogue = Dialogue("Fruit", id=1, system="Answer briefly", messages=[every[0], *every[2:]])
    return dialogue, every


def test_sft_from_a_dialogue_weights_out_rated_down_replies() -> None:
    dialogue, _ = _dialogue()
    example, _ = supervised_example(dialogue)
    assert example is not None
    assert [m["content"] for m in example["messages"]] == [
        "Answer briefly", "Name a fruit", "Apple", "Another?", "Pear",
    ]  # fmt: skip
    dialogue.messages[3].rating = -1  # "Pear"
    example, _ = supervised_example(dialogue)
    assert example is not None and [m["content"] for m in example["messages"]][-1] == "Apple"
    only_up, _ = supervised_example(dialogue, only_rated_up=True)
    assert only_up is not None and only_up["messages"][-1]["content"] == "Apple"
    dialogue.messages[1].rating = 0
    none, why = supervised_example(dialogue, only_rated_up=True)
    assert none is None and "no reply rated 👍" in why


def test_sft_weights_and_images() -> None:
    messages = [
        Message("user", "Look", id=1),
        Message("assistant", "Meh", id=2, rating=-1),
        Message("user", "Again", id=3),
        Message("assistant", "A cat", id=4, rating=1),
    ]
    dialogue = Dialogue("Cat", messages=messages)
    example, _ = supervised_example(
        dialogue, image_urls=lambda m: ["data:image/png;base64,AA"] if m.id == 1 else []
    )
    assert example is not None
    first, second = example["messages"][:2]
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}}
    assert first["content"][1] == image
    assert second == {"role": "assistant", "content": "Meh", "weight": 0}


def test_dpo_from_a_dialogue_pairs_a_regenerated_reply() -> None:
    dialogue, every = _dialogue()
    pairs = preference_examples(dialogue, every)
    assert len(pairs) == 1
    pair = pairs[0]
    assert pair["input"]["messages"] == [
        {"role": "system", "content": "Answer briefly"},
        {"role": "user", "content": "Name a fruit"},
    ]
    assert pair["preferred_output"] == [{"role": "assistant", "content": "Apple"}]
    assert pair["non_preferred_output"] == [{"role": "assistant", "content": "Potato"}]


def test_dpo_pairs_come_from_any_branch_and_never_across_an_edit() -> None:
    dialogue, every = _dialogue()
    for m in every[1:3]:
        m.rating = 0  # the first pair is gone
    every += [
        # "Another?" regenerated on the branch shown: a 👎 sibling of "Pear" (👍)
        Message("assistant", "Cabbage", id=8, rating=-1, parent_id=4),
        # the first question edited: a second first message, its reply 👍; "Potato" under the
        # other version must not pair with it
        Message("user", "Name a red fruit", id=9),
        Message("assistant", "Cherry", id=10, rating=1, parent_id=9),
        # on the branch of "Potato" (not shown): a prompt with a 👍 and a 👎 reply
        Message("user", "A vegetable?", id=11, parent_id=2),
        Message("assistant", "Leek", id=12, rating=1, parent_id=11),
        Message("assistant", "Plum", id=13, rating=-1, parent_id=11),
    ]
    every[1].rating = -1
    every[4].rating = 1  # "Pear"
    pairs = preference_examples(dialogue, every)
    chosen = [(p["preferred_output"][0]["content"], p["non_preferred_output"][0]["content"])
              for p in pairs]  # fmt: skip
    assert chosen == [("Pear", "Cabbage"), ("Leek", "Plum")]
    assert [m["content"] for m in pairs[0]["input"]["messages"]] == [
        "Answer briefly", "Name a fruit", "Apple", "Another?",
    ]  # fmt: skip
    assert [m["content"] for m in pairs[1]["input"]["messages"]] == [
        "Answer briefly", "Name a fruit", "Potato", "A vegetable?",
    ]  # fmt: skip


def test_default_epochs_follow_the_cookbook_rule() -> None:
    assert default_epochs(10) == 10
    assert default_epochs(3) == 25
    assert default_epochs(50) == 3
    assert default_epochs(20_000) == 1
    assert default_epochs(5_000) == 3
    assert default_epochs(10_000) == 2
    est = estimate([100] * 50, "gpt-4o-mini-2024-07-18")
    assert (est.epochs, est.billed_tokens) == (3, 15_000)
    assert est.cost == pytest.approx(0.045)
    assert "US$0.04" in est.summary() or "US$0.05" in est.summary()
    assert estimate([5], "my-local-model").cost is None


def test_distribution_histogram() -> None:
    d = distribution([10, 20, 30, 40, 1000])
    assert (d.minimum, d.median, d.maximum) == (10, 30.0, 1000)
    assert sum(d.counts) == 5 and len(d.edges) == len(d.counts) + 1
    assert distribution([7, 7, 7]).counts == (3,)


def test_split_and_sharegpt() -> None:
    examples = [{"messages": [{"role": "user", "content": str(i)}]} for i in range(60)]
    train, valid = split(examples, 0.2, seed=1)
    assert len(train) == 48 and len(valid) == 12
    assert split(examples, 0.2, seed=1) == (train, valid)
    sft = {
        "messages": [
            {"role": "system", "content": "S"},
            {"role": "user", "content": [{"type": "text", "text": "What?"},
                                         {"type": "image_url", "image_url": {"url": "u"}}]},
            {"role": "assistant", "content": "A cat"},
        ]
    }  # fmt: skip
    assert to_sharegpt(sft) == {
        "system": "S",
        "images": ["u"],
        "conversations": [
            {"from": "human", "value": "What?\n<image>"},
            {"from": "gpt", "value": "A cat"},
        ],
    }
    dpo = {
        "input": {"messages": [{"role": "user", "content": "Hi"}]},
        "preferred_output": [{"role": "assistant", "content": "Hello"}],
        "non_preferred_output": [{"role": "assistant", "content": "Go"}],
    }
    out = io.StringIO()
    assert write_sharegpt([dpo, dpo], out) == 2
    records = json.loads(out.getvalue())
    assert records[0]["chosen"] == {"from": "gpt", "value": "Hello"}
    assert records[1]["rejected"]["value"] == "Go"


def test_token_counts_are_exact_and_offline() -> None:
    counter = TokenCounter("o200k_base")
    assert counter.exact and "tiktoken" in counter.source
    assert counter.count("hello world") == 2
    assert counter.count_many(["hello world"] * 100) == [2] * 100
    assert encoding_for("gpt-3.5-turbo") == "cl100k_base"
    assert encoding_for("ft:gpt-4o-mini:org::abc") == "o200k_base"
    assert approximate_tokens("hello world") == 2
