"""Import and export formats: the streaming JSON reader, seed logs, ChatGPT's export, JSONL."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest

from desktop_app.core.dialogue import Dialogue, Message, Status
from desktop_app.core.exporters import training_example, write_export
from desktop_app.core.importers import Cancelled, ImportFailed, read_dialogues
from desktop_app.core.json_stream import EntryTooLarge, JsonEntries, JsonStreamError
from desktop_app.services.history_store import HistoryStore
from desktop_app.services.history_transfer import export_file, import_file

SEED_LOG = [
    {"role": "user", "content": "Hello, how are you?", "sentiment": "neutral",
     "timestamp": "2024-10-27T10:00:00"},
    {"role": "assistant", "content": "Great, thanks!", "sentiment": "positive",
     "timestamp": "2024-10-27T10:00:05"},
]  # fmt: skip


def node(id_, parent, role, text, children=(), **extra):  # type: ignore[no-untyped-def]
    message = None
    if role:
        message = {
            "author": {"role": role},
            "content": {"content_type": "text", "parts": [text]},
            "create_time": 1_700_000_000.0,
            "metadata": extra.pop("metadata", {}),
            **extra,
        }
    return id_, {"id": id_, "parent": parent, "children": list(children), "message": message}


def chatgpt_conversation(title: str = "Trip ideas") -> dict:
    nodes = dict(
        [
            node("root", None, None, "", ["sys"]),
            node("sys", "root", "system", "", ["u1"]),
            node("u1", "sys", "user", "Where should I go in May?", ["a1", "a1b"]),
            node("a1", "u1", "assistant", "An old answer", [], metadata={"model_slug": "gpt-4"}),
            node("a1b", "u1", "assistant", "Lisbon is lovely", ["t1"],
                 metadata={"model_slug": "gpt-4o"}),
            node("t1", "a1b", "tool", "search results", ["u2"]),
            node("u2", "t1", "user", "And a photo?", []),
        ]
    )  # fmt: skip
    nodes["u2"]["message"]["content"] = {
        "content_type": "multimodal_text",
        "parts": [{"content_type": "image_asset_pointer", "asset_pointer": "file-1"}, "Here"],
    }
    return {
        "title": title,
        "create_time": 1_699_000_000.0,
        "update_time": 1_700_000_100.0,
        "mapping": nodes,
        "current_node": "u2",
        "gizmo_id": "g-travel",
    }


def read(data: bytes | str, **kwargs) -> object:  # type: ignore[no-untyped-def]
    raw = data.encode() if isinstance(data, str) else data
    return read_dialogues(io.BytesIO(raw), len(raw), **kwargs)


# --- the streaming reader -----------------------------------------------------------------


def test_stream_reader_agrees_with_json_whatever_the_chunking() -> None:
    rng = random.Random(4)
    values = [1, 'a"b\\c', "é\n[]{},", "x\\", None, {"k": [1, {"z": "}"}]}, [], {}]
    for _ in range(300):
        top = [rng.choice(values) for _ in range(rng.randint(0, 6))]
        text = json.dumps(top, indent=rng.choice([None, 2]), ensure_ascii=False)
        size = rng.randint(1, 7)
        chunks = [text[i : i + size] for i in range(0, len(text), size)]
        assert [v for _, v in JsonEntries(chunks, 10_000)] == top


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2", "looks truncated"),
        ('[{"a": 1}, {"b": ', "after 1 complete entry"),
        ("[1,,2]", "entry 2 is not valid JSON"),
        ('{"a": 1} x', "unexpected text after the end"),
        ("hello", "is not JSON"),
        ("", "is empty"),
        ("[1}", "closed by '}'"),
        ('[\n{"role": "user",\n "content": oops}]', "Line 3"),
    ],
)
def test_stream_reader_says_where_and_why(text: str, message: str) -> None:
    with pytest.raises(JsonStreamError, match=message):
        list(JsonEntries([text], 10_000))


def test_stream_reader_refuses_an_entry_over_the_limit() -> None:
    text = '[{"content": "' + "a" * 5_000 + '"}]'
    with pytest.raises(EntryTooLarge, match="Entry 1, starting on line 1, is larger than"):
        list(JsonEntries([text[i : i + 100] for i in range(0, len(text), 100)], 1_000))


# --- importing ----------------------------------------------------------------------------


def test_seed_log_list_is_one_dialogue() -> None:
    report = read(json.dumps(SEED_LOG))
    (imported,) = report.dialogues
    dialogue = imported.dialogue
    assert dialogue.title == "Hello, how are you?"  # generated from the first message
    assert [(m.role, m.content, m.sentiment_label) for m in dialogue.messages] == [
        ("user", "Hello, how are you?", "neutral"),
        ("assistant", "Great, thanks!", "positive"),
    ]
    assert dialogue.created_at < dialogue.updated_at
    assert report.source == "a dialogue log"


def test_seed_object_with_messages_keeps_title_model_and_system() -> None:
    data = {
        "title": "Named",
        "model": "gpt-4o-mini",
        "messages": [{"role": "system", "content": "Be brief"}, *SEED_LOG],
    }
    (imported,) = read(json.dumps(data)).dialogues
    assert (imported.dialogue.title, imported.dialogue.model) == ("Named", "gpt-4o-mini")
    assert imported.dialogue.system == "Be brief"
    assert len(imported.dialogue.messages) == 2


def test_chatgpt_export_follows_the_branch_last_shown() -> None:
    report = read(json.dumps([chatgpt_conversation(), chatgpt_conversation("Second")]))
    assert report.source == "a ChatGPT export"
    first = report.dialogues[0]
    assert first.assistant == "g-travel"
    assert first.dialogue.title == "Trip ideas"
    assert [(m.role, m.content) for m in first.dialogue.messages] == [
        ("user", "Where should I go in May?"),
        ("assistant", "Lisbon is lovely"),  # the regenerated reply, not the old one
        ("user", "Here\n\n[Image not included in the export: file-1]"),
    ]
    assert first.dialogue.messages[1].model == "gpt-4o"
    assert first.dialogue.created_at == 1_699_000_000.0
    assert first.dialogue.updated_at == 1_700_000_100.0
    assert report.left_out == {"tool steps": 2}
    assert report.missing == {"image": 2}
    assert "(2 images)" in report.summary()
    assert "Import the export's .zip to bring its images along." in report.summary()


@pytest.mark.timeout(10)
def test_children_links_that_loop_end_the_walk_instead_of_hanging() -> None:
    looped = chatgpt_conversation("Looped")
    del looped["current_node"]  # so the importer walks the children down from the root
    looped["mapping"]["u2"]["children"] = ["u1"]  # back up: u1 → a1b → t1 → u2 → u1 …
    everything_loops = chatgpt_conversation("No root")
    del everything_loops["current_node"]
    everything_loops["mapping"]["root"]["parent"] = "u2"
    everything_loops["mapping"]["u2"]["children"] = ["root"]
    report = read(json.dumps([looped, everything_loops, chatgpt_conversation()]))
    titles = [d.dialogue.title for d in report.dialogues]
    assert "Looped" in titles and "Trip ideas" in titles
    looped_dialogue = report.dialogues[titles.index("Looped")].dialogue
    assert [m.content for m in looped_dialogue.messages][:2] == [
        "Where should I go in May?",
        "Lisbon is lovely",
    ]


def test_bad_dialogues_are_skipped_whole_with_reasons() -> None:
    broken = chatgpt_conversation("Broken")
    broken["mapping"] = "not a tree"
    data = [
        chatgpt_conversation(),
        broken,
        {"title": "Bad roles", "messages": [{"role": "robot", "content": "beep"}]},
        42,
    ]
    report = read(json.dumps(data))
    assert [d.dialogue.title for d in report.dialogues] == ["Trip ideas"]
    assert report.skipped_count == 3
    text = report.summary()
    assert "conversation 2 ('Broken'): it has no message tree" in text
    assert "dialogue 3 ('Bad roles'): entry 1 has an unknown role: 'robot'" in text
    assert "entry 4 is neither a message" in text


def test_one_bad_message_skips_the_whole_seed_log() -> None:
    bad = [*SEED_LOG, {"role": "user", "content": None}]
    with pytest.raises(ImportFailed, match="entry 3 has no text content"):
        read(json.dumps(bad))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (json.dumps(SEED_LOG)[:-40], "truncated"),
        ("[]", "holds no dialogue"),
        ('{"hello": 1}', "neither a message"),
        ("<html>", "is not JSON"),
        (json.dumps(SEED_LOG).encode("utf-8").replace(b"how", b"h\xe9w"), "not UTF-8 text"),
    ],
    ids=["truncated", "empty", "wrong-object", "not-json", "latin-1"],
)
def test_files_that_cannot_be_imported_say_why(data: str | bytes, message: str) -> None:
    with pytest.raises(ImportFailed, match=message):
        read(data)


def test_latin_1_error_points_at_the_byte() -> None:
    raw = json.dumps(SEED_LOG).encode().replace(b"how", b"h\xe9w")
    with pytest.raises(ImportFailed) as caught:
        read(raw)
    assert f"0xE9 at position {raw.index(bytes([0xE9]))}" in str(caught.value)
    assert "Save the file as UTF-8" in str(caught.value)


def test_utf16_with_a_byte_order_mark_is_read() -> None:
    raw = json.dumps(SEED_LOG, ensure_ascii=False).encode("utf-16")
    assert len(read(raw).dialogues) == 1


def test_messages_without_a_tone_are_rated(tmp_path: Path) -> None:
    from desktop_app.core.sentiment import SentimentAnalyzer

    data = [{"role": "user", "content": "I love this, wonderful!"}]
    (imported,) = read(json.dumps(data), sentiment=SentimentAnalyzer()).dialogues
    assert imported.dialogue.messages[0].sentiment_label == "positive"


def test_reading_can_be_cancelled() -> None:
    with pytest.raises(Cancelled):
        read(json.dumps(SEED_LOG), cancelled=lambda: True)


# --- exporting ----------------------------------------------------------------------------


def sample(title: str = "Sample", system: str = "") -> Dialogue:
    return Dialogue(
        title=title,
        model="gpt-4o",
        system=system,
        messages=[
            Message("user", "Hi there", sentiment_label="neutral", created_at=1_700_000_000),
            Message("assistant", "Hello!", sentiment_label="positive", created_at=1_700_000_001),
            Message("user", "Another question", created_at=1_700_000_002),
            Message("assistant", "Half an ans", status=Status.INTERRUPTED),
        ],
    )


def export(fmt: str, dialogues: list[Dialogue]) -> str:
    out = io.StringIO()
    write_export(fmt, dialogues, len(dialogues), out)
    return out.getvalue()


def test_one_dialogue_as_json_is_the_seed_log_shape() -> None:
    log = json.loads(export("json", [sample()]))
    assert log[0] == {
        "role": "user",
        "content": "Hi there",
        "sentiment": "neutral",
        "timestamp": "2023-11-14T22:13:20+00:00",
    }
    seed_keys = ("role", "content", "sentiment", "timestamp")
    # Complete messages keep the seed's exact keys; one that did not complete says so.
    assert {tuple(e) for e in log if "status" not in e} == {seed_keys}
    assert all(e["status"] in ("interrupted", "error") for e in log if "status" in e)


def test_several_dialogues_as_json_import_back() -> None:
    text = export("json", [sample("One", system="Be brief"), sample("Two")])
    report = read(text)
    assert [d.dialogue.title for d in report.dialogues] == ["One", "Two"]
    assert report.dialogues[0].dialogue.system == "Be brief"
    assert [m.content for m in report.dialogues[1].dialogue.messages] == [
        m.content for m in sample().messages
    ]


def test_markdown_export_separates_dialogues() -> None:
    text = export("markdown", [sample("One"), sample("Two")])
    assert text.startswith("# One\n") and "\n---\n\n# Two\n" in text


def test_fine_tuning_examples_keep_only_finished_turns() -> None:
    example, _ = training_example(sample(system="Be kind"))
    assert example == {
        "messages": [
            {"role": "system", "content": "Be kind"},
            {"role": "user", "content": "Hi there"},
            {"role": "assistant", "content": "Hello!"},
        ]
    }
    lonely = Dialogue("Lonely", messages=[Message("user", "anyone?")])
    lines = export("jsonl", [sample(), lonely]).splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["messages"][-1]["role"] == "assistant"
    assert training_example(lonely)[1] == "'Lonely' has no user message answered by the assistant"


# --- through the store --------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    store = HistoryStore.open(tmp_path / "parley.db", tmp_path / "attachments")
    yield store
    store.close()


def test_import_then_export_round_trip(store: HistoryStore, tmp_path: Path) -> None:
    source = tmp_path / "conversations.json"
    source.write_text(json.dumps([chatgpt_conversation()]), encoding="utf-8")
    _, ids = import_file(store, source)
    assert len(ids) == 1 and store.dialogue_row(ids[0]).assistant == "g-travel"
    target = tmp_path / "out.json"
    export_file(store, ids, target, "json")
    assert [e["content"] for e in json.loads(target.read_text())] == [
        "Where should I go in May?",
        "Lisbon is lovely",
        "Here\n\n[Image not included in the export: file-1]",
    ]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_a_cancelled_import_leaves_nothing(store: HistoryStore, tmp_path: Path) -> None:
    source = tmp_path / "many.json"
    source.write_text(json.dumps([chatgpt_conversation(f"c{i}") for i in range(5)]))
    calls = []

    def cancel_while_saving() -> bool:
        calls.append(1)
        return len(calls) > 4  # reading asks once per megabyte; saving once per dialogue

    with pytest.raises(Cancelled):
        import_file(store, source, cancelled=cancel_while_saving)
    assert store.count_dialogues() == 0


def test_a_cancelled_export_leaves_no_file(store: HistoryStore, tmp_path: Path) -> None:
    ids = [store.create_dialogue(f"d{i}") for i in range(3)]
    target = tmp_path / "out.md"
    with pytest.raises(Cancelled):
        export_file(store, ids, target, "markdown", cancelled=lambda: True)
    assert list(tmp_path.glob("*.md*")) == [] and list(tmp_path.glob(".out*")) == []


def test_a_missing_file_is_a_clear_error(store: HistoryStore, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match=r"Opening nothing\.json failed: the file or"):
        import_file(store, tmp_path / "nothing.json")
