"""Hostile JSON everywhere a file comes in: nesting 100,000 deep and lone surrogates.

Before: "maximum recursion depth exceeded" reached the user from History import, the dataset
reader and the assistants import, one such line failed a whole JSONL file, and a `\\ud800`
made History import, saving an assistant and saving a dataset fail with a codec error.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from desktop_app.core.assistant_json import AssistantImportError, import_json
from desktop_app.core.assistants import AssistantProfile
from desktop_app.core.importers import ImportFailed, read_dialogues
from desktop_app.core.json_guard import MAX_DEPTH, JsonTooDeep, parse_json
from desktop_app.core.text_guard import clean_text
from desktop_app.core.token_count import TokenCounter
from desktop_app.core.training_build import SFT, Built, ColumnMapping
from desktop_app.core.training_report import parse_jsonl, validate
from desktop_app.services.dataset_reader import build_from_files
from desktop_app.services.history_store import HistoryStore
from desktop_app.services.history_transfer import import_file
from desktop_app.services.settings import Settings, load_settings
from desktop_app.services.store import Store
from desktop_app.services.training_writer import save_dataset
from tests.support.training_data import chat_example

DEEP = "[" * 100_000 + "]" * 100_000
LONE = "\\ud800"  # as JSON spells it: a high surrogate with no low one after it


def seed_log(text: str) -> str:
    """A one-message dialogue log; "@" in `text` becomes a lone surrogate escape."""
    return json.dumps({"messages": [{"role": "user", "content": text}]}).replace("@", LONE)


# --- the parse itself ------------------------------------------------------------------------


def test_depth_is_bounded_and_surrogates_replaced() -> None:
    with pytest.raises(JsonTooDeep, match="nested more than 100 levels deep"):
        parse_json(DEEP)
    with pytest.raises(JsonTooDeep):  # shallow enough for json, too deep for later walks
        parse_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert parse_json("[" * MAX_DEPTH + "]" * MAX_DEPTH)[1] == 0
    value, replaced = parse_json(f'{{"a{LONE}": ["x{LONE}y", "\\ud83d\\ude00", "\\udc00"]}}')
    assert value == {"a\ufffd": ["x\ufffdy", "😀", "\ufffd"]} and replaced == 3
    assert clean_text("ok \ud800") == ("ok \ufffd", 1)


# --- History import --------------------------------------------------------------------------


def test_history_import_names_the_deep_entry_and_keeps_the_rest() -> None:
    good = json.loads(seed_log("hello"))
    text = f"[{json.dumps(good)}, {DEEP}, {json.dumps(good)}]"
    report = read_dialogues(io.BytesIO(text.encode()))
    assert len(report.dialogues) == 2
    assert report.skipped == ["entry 2 cannot be read: it is nested more than 100 levels deep"]
    assert "Skipped 1: entry 2 cannot be read" in report.summary()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (DEEP, "Nothing could be imported: entry 1 cannot be read: it is nested more than"),
        ('{"messages": ' + DEEP + "}", "The file cannot be read: it is nested more than"),
    ],
    ids=["deep-list", "deep-document"],
)
def test_history_import_of_a_deep_file_says_why(text: str, says: str) -> None:
    with pytest.raises(ImportFailed) as caught:
        read_dialogues(io.BytesIO(text.encode()))
    assert says in str(caught.value) and "recursion" not in str(caught.value)


def test_history_import_replaces_lone_surrogates_and_says_how_many(tmp_path: Path) -> None:
    path = tmp_path / "log.json"
    path.write_text(seed_log("caf@é and @"), "utf-8")
    store = HistoryStore.open(tmp_path / "parley.db", tmp_path / "attachments")
    try:
        report, ids = import_file(store, path)
        stored = store.get_dialogue(ids[0])
    finally:
        store.close()
    assert stored is not None and stored.messages[0].content == "caf\ufffdé and \ufffd"
    assert "Replaced 2 broken characters" in report.summary()


# --- the Training tab's dataset reader and validator -----------------------------------------


def test_a_deep_jsonl_line_is_left_out_and_counted(tmp_path: Path) -> None:
    lines = [json.dumps(chat_example(i)) for i in range(5)]
    lines[2] = DEEP
    path = tmp_path / "chat.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    built = build_from_files([path], ColumnMapping("q", "a"), Built(SFT))
    assert (len(built.examples), built.left_out) == (4, 1)
    assert [(p.row, p.code) for p in built.problems] == [(3, "unreadable_line")]
    assert built.problems[0].message == (
        "Line 3 cannot be read (it is nested more than 100 levels deep); it is left out."
    )
    parsed = list(parse_jsonl(lines))
    assert [p.row for p in parsed if p.error] == [3]
    assert "nested more than 100 levels deep" in parsed[2].error


def test_a_deep_first_line_does_not_refuse_the_file(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    path.write_text(DEEP + "\n" + json.dumps(chat_example(1)) + "\n", "utf-8")
    built = build_from_files([path], ColumnMapping("q", "a"), Built(SFT))
    assert (len(built.examples), built.left_out) == (1, 1)


def test_a_dataset_with_lone_surrogates_is_built_and_saved(tmp_path: Path) -> None:
    example = json.dumps(chat_example(1)).replace("plus", f"plus{LONE}")
    path = tmp_path / "chat.jsonl"
    path.write_text(example + "\n", "utf-8")
    built = build_from_files([path], ColumnMapping("q", "a"), Built(SFT))
    assert len(built.examples) == 1 and built.replaced == 2
    assert "Replaced 2 broken characters" in built.summary()
    [saved] = save_dataset(built.examples, tmp_path / "out.jsonl")
    assert "plus\ufffd" in saved.read_text("utf-8")


# --- assistants ------------------------------------------------------------------------------


def test_assistants_import_of_deep_json_says_why() -> None:
    with pytest.raises(AssistantImportError, match="cannot be read: it is nested more than"):
        import_json(DEEP, "gpt-4o")


def test_assistants_with_lone_surrogates_import_and_save(tmp_path: Path) -> None:
    text = json.dumps([{"name": "Tutor", "instructions": "x"}]).replace("Tutor", f"Tut{LONE}or")
    result = import_json(text, "gpt-4o")
    assert result.replaced == 1 and result.profiles[0].name == "Tut\ufffdor"
    store = Store.open(tmp_path / "parley.db", tmp_path / "attachments")
    try:
        typed = AssistantProfile(name="Pasted \ud800", model="gpt-4o", instructions="a \udfff b")
        saved = store.save_assistant(typed)
        assert saved.id is not None
        again = store.get_assistant(saved.id)
    finally:
        store.close()
    assert again is not None
    assert (again.name, again.instructions) == ("Pasted \ufffd", "a \ufffd b")


def test_tool_call_arguments_nested_deep_are_invalid_not_a_crash() -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": DEEP}}
    example = {
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
        ]
    }
    report = validate(parse_jsonl([json.dumps(example)]), "gpt-4o-mini", TokenCounter())
    assert "invalid_tool_call" in {p.code for p in report.problems if p.row == 1}


@pytest.mark.parametrize(
    ("text", "says"),
    [("{", "not valid JSON: line 1, column 2"), (DEEP, "a value in it has the wrong form")],
)
def test_a_broken_settings_file_says_where_not_what_json_said(
    tmp_path: Path, text: str, says: str
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(text, "utf-8")
    settings, problem = load_settings(path)
    assert settings == Settings() and says in problem
    assert "Expecting" not in problem and "recursion" not in problem
