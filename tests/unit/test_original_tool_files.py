"""The original tool's files (shared/seed): its dialogue logs, and the assistants.json its
`list_assistants` reads.

What the original writes, from its `ask()`: before each question an entry
{"role": "system", "content": <its instruction, or null without one>}, then the question (each
`"` in it escaped as `\\"`), then the reply with its sentiment — no times — dumped as an
indented list. Its `list_assistants` loads assistants.json, turns a list's items into
namespaces and takes `.name` of each; on anything else it logs an error and lists nothing.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from desktop_app.core.assistant_json import export_json, export_original_json, import_json
from desktop_app.core.assistants import AssistantProfile
from desktop_app.core.importers import read_dialogues
from desktop_app.services.history_store import HistoryStore
from desktop_app.services.history_transfer import import_file


def original_log(system: str | None, turns: list[tuple[str, str, str]]) -> str:
    """The log as the original's ask() builds it over several questions."""
    dialogue: list[dict[str, Any]] = []
    for question, reply, sentiment in turns:
        dialogue.append({"role": "system", "content": system})
        dialogue.append({"role": "user", "content": question.replace('"', r"\"")})
        dialogue.append({"role": "assistant", "content": reply, "sentiment": sentiment})
    return json.dumps(dialogue, ensure_ascii=False, indent=4)


TURNS = [
    ("Hello, how are you?", "I'm great, thanks!", "positive"),
    ('What does "idempotent" mean?', "Doing it twice changes nothing more.", "neutral"),
]


def read(text: str):  # type: ignore[no-untyped-def]
    raw = text.encode()
    return read_dialogues(io.BytesIO(raw), len(raw))


def test_a_log_written_without_a_system_instruction_imports() -> None:
    """The original's default: every system entry is null. It used to be refused whole."""
    (imported,) = read(original_log(None, TURNS)).dialogues
    dialogue = imported.dialogue
    assert dialogue.system == ""
    assert [(m.role, m.content, m.sentiment_label) for m in dialogue.messages] == [
        ("user", "Hello, how are you?", ""),
        ("assistant", "I'm great, thanks!", "positive"),
        ("user", 'What does "idempotent" mean?', ""),  # its quotes back, unescaped
        ("assistant", "Doing it twice changes nothing more.", "neutral"),
    ]


def test_the_instruction_repeated_every_turn_is_the_dialogues_once() -> None:
    (imported,) = read(original_log("You are a helpful assistant.", TURNS)).dialogues
    dialogue = imported.dialogue
    assert dialogue.system == "You are a helpful assistant."
    assert [m.role for m in dialogue.messages] == ["user", "assistant"] * 2  # none mid-way


def test_an_instruction_that_changes_stays_where_it_changed() -> None:
    log = json.loads(original_log("Be brief.", TURNS[:1]))
    log += json.loads(original_log("Answer in French.", TURNS[1:]))
    (imported,) = read(json.dumps(log)).dialogues
    assert imported.dialogue.system == "Be brief."
    assert [(m.role, m.content) for m in imported.dialogue.messages][2] == (
        "system",
        "Answer in French.",
    )


def test_parleys_own_logs_keep_their_backslashes() -> None:
    """Only the original's logs (no times, a system entry before each question) are
    unescaped; a log with times keeps `\\"` as written."""
    log = [
        {"role": "user", "content": r"Print \"hi\"", "timestamp": "2024-10-27T10:00:00"},
        {"role": "assistant", "content": "Done", "timestamp": "2024-10-27T10:00:01"},
    ]
    (imported,) = read(json.dumps(log)).dialogues
    assert imported.dialogue.messages[0].content == r"Print \"hi\""


def test_an_original_log_through_the_store(tmp_path: Path) -> None:
    path = tmp_path / "gpt-4o-mini_2024-10-27.json"
    path.write_text(original_log(None, TURNS), encoding="utf-8")
    store = HistoryStore.open(tmp_path / "parley.db", tmp_path / "att")
    try:
        report, (dialogue_id,) = import_file(store, path)
        assert report.summary().startswith("Imported 1 dialogue (4 messages) from a dialogue log.")
        shown = store.get_dialogue(dialogue_id)
        assert shown is not None and shown.title == "Hello, how are you?"
        assert [m.role for m in shown.messages] == ["user", "assistant", "user", "assistant"]
    finally:
        store.close()


# --- assistants.json --------------------------------------------------------------------


def names_as_the_original_lists_them(text: str) -> list[str]:
    """What the original's list_assistants returns for a file's text."""
    try:
        data = json.loads(text)
        loaded = (
            [SimpleNamespace(**item) for item in data]
            if isinstance(data, list)
            else SimpleNamespace(**data)
        )
        return [assistant.name for assistant in loaded]  # type: ignore[union-attr]
    except Exception:  # it logs the error and lists nothing
        return []


PROFILES = [
    AssistantProfile("Code reviewer", "gpt-4o", instructions="Review code.", source_id="asst_1"),
    AssistantProfile("Translator", "gpt-4o-mini", instructions="Translate.", tags=("lang",)),
]


def test_parleys_own_file_lists_nothing_in_the_original() -> None:
    assert names_as_the_original_lists_them(export_json(PROFILES)) == []


def test_the_export_in_the_originals_shape_lists_every_name() -> None:
    text = export_original_json(PROFILES)
    assert names_as_the_original_lists_them(text) == ["Code reviewer", "Translator"]
    items = json.loads(text)
    assert items[0]["id"] == "asst_1" and "id" not in items[1]


@pytest.mark.parametrize("exporter", [export_json, export_original_json])
def test_both_exports_read_back_whole_in_parley(exporter) -> None:  # type: ignore[no-untyped-def]
    back = import_json(exporter(PROFILES), "gpt-4o").profiles
    assert [(p.name, p.model, p.instructions, p.tags, p.source_id) for p in back] == [
        (p.name, p.model, p.instructions, p.tags, p.source_id) for p in PROFILES
    ]
