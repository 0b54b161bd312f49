"""What goes into a dataset and what is left out: every row left out is listed, nothing is
added twice, and a validation split keeps both files above the minimum."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core.dialogue import Message
from desktop_app.core.history import SearchFilters
from desktop_app.core.training_build import DPO, SFT, Built, ColumnMapping
from desktop_app.core.training_formats import SplitRefused, held_out, split
from desktop_app.services.dataset_reader import build_from_files
from desktop_app.services.dataset_validation import validate_files
from desktop_app.services.store import Store
from desktop_app.services.training_sources import build_from_dialogues
from desktop_app.services.training_writer import save_dataset
from tests.support.training_data import chat_example

MAPPING = ColumnMapping("question", "answer", label="label")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "db.sqlite", tmp_path / "att")
    yield store
    store.close()


def _chat(store: Store, title: str, *messages: tuple[str, str]) -> int:
    dialogue = store.create_dialogue(title, "gpt-4o")
    for role, text in messages:
        store.add_message(dialogue, Message(role, text, model="gpt-4o"))
    return dialogue


def _csv(path: Path, *rows: str) -> Path:
    path.write_text("question,answer,label\n" + "\n".join(rows) + "\n", "utf-8")
    return path


def test_every_row_left_out_is_listed_with_its_reason(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "ratings.csv",
        '"What is 2+2?","4",positive',
        '"What is 2+2?","5",negative',  # not taught: left out
        '"Capital of Peru?","Lima",maybe',  # unknown label: left out
        '"Colour of snow?","White",1',
    )
    built = build_from_files([path], MAPPING, Built(SFT))
    assert len(built.examples) == 2 and built.left_out == 2
    listed = [(p.row, p.code) for p in built.problems if p.row]
    assert listed == [(3, "negative_label"), (4, "unknown_label")]
    assert "2 rows left out" in built.summary()


def test_dpo_lists_each_unpaired_row(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "prefs.csv",
        '"Greet me","Hello!",positive',
        '"Greet me","Go away.",negative',
        '"Lonely","Only good",positive',
        '"Lonely","Also good",positive',
    )
    built = build_from_files([path], MAPPING, Built(DPO))
    assert len(built.examples) == 1 and built.left_out == 2
    assert [(p.row, p.code) for p in built.problems] == [
        (4, "unpaired_prompt"), (5, "unpaired_prompt"),
    ]  # fmt: skip


def test_a_file_already_in_the_dataset_is_not_added_again(tmp_path: Path) -> None:
    path = _csv(tmp_path / "qa.csv", *(f'"Q{i}?","A{i}.",positive' for i in range(12)))
    built = build_from_files([path], MAPPING, Built(SFT))
    build_from_files([tmp_path / "." / "qa.csv"], MAPPING, built)
    assert len(built.examples) == 12 and built.again == ["qa.csv"]
    assert built.rows_read == 12


def test_matching_dialogues_added_twice_are_in_the_dataset_once(store: Store) -> None:
    ids = [_chat(store, f"Sum {i}", ("user", f"{i}+{i}?"), ("assistant", f"{2 * i}"))
           for i in range(3)]  # fmt: skip
    empty = _chat(store, "Unanswered", ("user", "Hello?"))
    every = store.training_dialogue_ids(SearchFilters())
    built = build_from_dialogues(store, every, Built(SFT))
    assert len(built.examples) == 3 and built.left_out == 1
    again = build_from_dialogues(store, store.training_dialogue_ids(SearchFilters()), built)
    assert again is built and len(built.examples) == 3 and len(built.again) == 4
    assert built.left_out == 1 and len(built.problems) == 1
    assert built.problems[0].message == "'Unanswered' has no reply to learn from."
    new = _chat(store, "Later", ("user", "3+3?"), ("assistant", "6"))
    build_from_dialogues(store, store.training_dialogue_ids(SearchFilters()), built)
    assert len(built.examples) == 4 and built.examples[-1]["messages"][-1]["content"] == "6"
    assert built.sources == ["History"] and {*ids, empty, new} <= built.read


def test_dpo_dialogues_without_a_pair_are_each_named(store: Store) -> None:
    _chat(store, "No ratings", ("user", "Hi"), ("assistant", "Hello"))
    _chat(store, "Also none", ("user", "Bye"), ("assistant", "Ciao"))
    built = build_from_dialogues(store, store.training_dialogue_ids(SearchFilters()), Built(DPO))
    assert built.left_out == 2
    named = sorted(p.message for p in built.problems if p.code == "dialogue_left_out")
    assert named == [
        "'Also none' has no prompt with both a 👍 and a 👎 reply.",
        "'No ratings' has no prompt with both a 👍 and a 👎 reply.",
    ]


@pytest.mark.parametrize(
    ("count", "fraction", "held", "said"),
    [
        (100, 0.2, 20, ""),
        (30, 0.2, 10, "10 examples were held out for validation rather than 6 (20 %)"),
        (20, 0.1, 10, "rather than 2 (10 %)"),
        (20, 0.5, 10, ""),
        (500, 0.0, 0, ""),
        (5, 0.0, 0, ""),
    ],
)
def test_a_split_holds_out_at_least_the_minimum(
    count: int, fraction: float, held: int, said: str
) -> None:
    assert held_out(count, fraction)[0] == held
    assert said in held_out(count, fraction)[1] and bool(said) == bool(held_out(count, fraction)[1])
    train, valid = split([chat_example(i) for i in range(count)], fraction)
    assert len(valid) == held and len(train) == count - held


@pytest.mark.parametrize("count", [2, 12, 19])
def test_a_split_too_small_for_two_files_is_refused_with_the_reason(count: int) -> None:
    with pytest.raises(SplitRefused, match=f"at least 20 examples .*this dataset has {count}"):
        held_out(count, 0.2)


def test_a_split_dataset_passes_validation_file_by_file(tmp_path: Path) -> None:
    examples = [chat_example(i) for i in range(16)]
    with pytest.raises(SplitRefused):
        save_dataset(examples, tmp_path / "small.jsonl", fraction=0.2)
    assert not list(tmp_path.iterdir())  # nothing written
    written = save_dataset(examples + [chat_example(i) for i in range(16, 30)],
                           tmp_path / "qa.jsonl", fraction=0.2)  # fmt: skip
    assert [p.name for p in written] == ["qa.jsonl", "qa.validation.jsonl"]
    report = validate_files(
        written[0], written[1], "gpt-4o-mini", None, lambda *_: None, lambda: False
    )
    assert report.passed and report.examples == 20 and report.validation is not None
    assert report.validation.examples == 10
