"""ChatGPT's export as users download it: the .zip, its images, voice conversations, search
citations, turns that held only a file, and importing the next (cumulative) export."""

from __future__ import annotations

import hashlib
import itertools
import json
import sqlite3
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from desktop_app.core import chatgpt_archive
from desktop_app.core.chatgpt_citations import resolve_citations
from desktop_app.core.history import SearchFilters
from desktop_app.core.importers import Cancelled, ImportFailed
from desktop_app.services.history_store import HistoryStore
from desktop_app.services.history_transfer import import_file
from desktop_app.services.migrations import LATEST, MIGRATIONS
from tests.support.chatgpt_export import (
    DALLE_ID,
    PHOTO_ID,
    assistant,
    conversation,
    jpeg,
    part_image,
    photo_conversation,
    realistic_export,
    search_conversation,
    user,
    voice_conversation,
    write_zip,
)
from tests.support.old_databases import link_like_parley


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    store = HistoryStore.open(tmp_path / "parley.db", tmp_path / "attachments")
    yield store
    store.close()


def by_title(store: HistoryStore) -> dict[str, list[tuple[str, str, list[str]]]]:
    """Each dialogue's branch as (role, text, attachment names)."""
    found = {}
    for row in store.dialogue_rows():
        dialogue = store.get_dialogue(row.id)
        assert dialogue is not None
        found[dialogue.title] = [
            (m.role, m.content, [a.name for a in m.attachments]) for m in dialogue.messages
        ]
    return found


# --- the zip ------------------------------------------------------------------------------


def test_a_zip_export_imports_with_its_images_as_attachments(
    store: HistoryStore, tmp_path: Path
) -> None:
    path = realistic_export(tmp_path / "export.zip")
    report, ids = import_file(store, path)
    assert len(ids) == 4
    dialogues = by_title(store)
    assert dialogues["What is this plant"] == [
        ("user", "", ["IMG_2031.jpeg"]),  # the image-only turn, with its image
        ("assistant", "That is a Monstera deliciosa.", []),
        ("user", "[PDF not included in the export: care-report.pdf]", []),
        ("assistant", "The report says to water it every ten days.", []),
        ("user", "Thanks!", []),
    ]
    photo_row = next(r for r in store.dialogue_rows() if r.title == "What is this plant")
    photo = store.get_dialogue(photo_row.id).messages[0].attachments[0]  # type: ignore[union-attr]
    assert (photo.mime, photo.ext) == ("image/jpeg", "jpg")
    stored = store.attachment_path(photo).read_bytes()
    with zipfile.ZipFile(path) as archive:
        assert stored == archive.read(f"{PHOTO_ID}-IMG_2031.jpeg")
    assert photo.sha256 == hashlib.sha256(stored).hexdigest()
    # The picture DALL·E made goes with the reply that shows it.
    (reply,) = [m for m in dialogues["Lighthouse picture"] if m[0] == "assistant"]
    assert reply[1] == "Here is your lighthouse at dusk." and len(reply[2]) == 1
    text = report.summary()
    assert text.startswith("Imported 4 dialogues (11 messages) from a ChatGPT export.")
    assert "Attached 2 files from the archive." in text
    assert "Kept 2 turns that held only an image or a file." in text
    assert "1 file the export did not include is named in its message (1 PDF)." in text
    assert "2 voice recordings (their transcripts are imported)" in text
    assert "Import the export's .zip" not in text  # it was the zip


def test_no_two_replies_follow_each_other_when_a_turn_held_only_a_file(
    store: HistoryStore, tmp_path: Path
) -> None:
    """What the user saw: a PDF-only turn between two replies used to vanish unmentioned."""
    import_file(store, write_zip(tmp_path / "export.zip", [photo_conversation()]))
    (messages,) = by_title(store).values()
    roles = [role for role, _, _ in messages]
    assert all(a != b for a, b in itertools.pairwise(roles))


def test_the_conversations_json_alone_names_the_images_it_cannot_bring(
    store: HistoryStore, tmp_path: Path
) -> None:
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps([photo_conversation()]), encoding="utf-8")
    report, _ = import_file(store, path)
    (messages,) = by_title(store).values()
    assert messages[0] == ("user", "[Image not included in the export: IMG_2031.jpeg]", [])
    assert "(1 PDF, 1 image)" in report.summary()
    assert "Import the export's .zip to bring its images along." in report.summary()


def test_voice_conversations_come_in_as_their_transcripts(
    store: HistoryStore, tmp_path: Path
) -> None:
    report, ids = import_file(store, write_zip(tmp_path / "voice.zip", [voice_conversation()]))
    assert len(ids) == 1
    assert by_title(store)["Weather chat"] == [
        ("user", "What's the weather like in Lisbon in May?", []),
        ("assistant", "Mostly sunny and warm, about 22 degrees.", []),
    ]
    assert report.left_out == {"voice recordings (their transcripts are imported)": 2}


def test_search_citations_become_links_or_go(store: HistoryStore, tmp_path: Path) -> None:
    report, _ = import_file(store, write_zip(tmp_path / "s.zip", [search_conversation()]))
    reply = by_title(store)["Lisbon trip"][-1][1]
    assert reply == (
        "Lisbon in May is usually sunny, around 22 °C by day. "
        "([Lisbon weather in May](https://www.weather-lisbon.example/may)) "
        "The jacaranda trees bloom from late May. "
        "([Jacarandas in bloom](https://visitlisboa.example/jacarandas), "
        "[Lisbon \\[spring\\] guide](https://guide.example/lisbon)) "
        "Book a tram 28 ride early. Try the pastéis in Belém."
    )
    assert "【" not in reply and not any("\ue000" <= c <= "\uf8ff" for c in reply)
    assert store.search_messages("jacaranda", SearchFilters())
    assert store.search_messages("source", SearchFilters()) == []  # the marker's word is gone
    assert "Search citations: 2 made links to their source, 1 removed" in report.summary()


@pytest.mark.parametrize(
    ("text", "metadata", "expected"),
    [
        ("Sunny.【3†source】 Warm.", {}, "Sunny. Warm."),
        ("See this 【11†L23-L30】.", {}, "See this."),
        ("Hot \ue200cite\ue202turn2search5\ue201 today.", {}, "Hot today."),
        (
            "Hot \ue200cite\ue202turn2search5\ue201.",
            {"search_result_groups": [{"entries": [{"url": "https://a.example/x",
             "title": "A", "ref_id": {"turn_index": 2, "ref_type": "search", "ref_index": 5}}]}]},
            "Hot ([A](https://a.example/x)).",
        ),
        ("Per \ue200filecite\ue202turn0file1\ue201 the notes.", {}, "Per the notes."),
        ("Go to \ue200entity\ue202[\"city\",\"Porto\"]\ue201 next.", {}, "Go to Porto next."),
        ("A \ue200image_group\ue202{\"query\":[\"x\"]}\ue201 view.", {}, "A  view."),
        ("Keep \ue203this\ue204 part.", {}, "Keep this part."),
        (
            "Odd url【0†source】.",
            {"citations": [{"start_ix": 7, "end_ix": 17,
                            "metadata": {"url": "javascript:alert(1)", "title": "x"}}]},
            "Odd url.",
        ),
    ],
    ids=["old", "line-range", "new-unknown", "new-known", "file", "entity", "image-group",
         "highlight", "not-a-web-link"],
)  # fmt: skip
def test_citation_markers_of_every_kind(text: str, metadata: dict, expected: str) -> None:
    assert resolve_citations(text, metadata)[0] == expected


# --- importing the next export -------------------------------------------------------------


def grown_export(tmp_path: Path, name: str, extra_turns: int, with_new: bool) -> Path:
    base = [
        user("Plan a day in Lisbon"),
        assistant("Start at the castle."),
    ]
    more = [
        user("And the evening?"),
        assistant("Fado in Alfama."),
        user("Somewhere with a view, please", part_image("file-V1ewPic2")),
        assistant("The Miradouro da Senhora do Monte."),
    ][:extra_turns]
    conversations = [
        conversation("c-lisbon", "Lisbon", base + more),
        conversation("c-porto", "Porto", [user("Best port cellar?"), assistant("Graham's.")]),
    ]
    if with_new:
        conversations.append(
            conversation("c-new", "Braga", [user("Is Braga worth it?"), assistant("Yes.")])
        )
    files = {"file-V1ewPic2-view.jpg": jpeg((10, 120, 30))} if extra_turns >= 5 else {}
    return write_zip(tmp_path / name, conversations, files)


def test_the_next_export_adds_what_is_new_and_skips_the_rest(
    store: HistoryStore, tmp_path: Path
) -> None:
    first = grown_export(tmp_path, "first.zip", 0, with_new=False)
    _, ids = import_file(store, first)
    assert len(ids) == 2

    report, again = import_file(store, first)  # the same export twice: nothing doubles
    assert again == [] and store.count_dialogues() == 2
    assert report.summary() == (
        "Nothing new in a ChatGPT export: 2 dialogues in it were imported before and have "
        "not changed."
    )

    later = grown_export(tmp_path, "later.zip", 5, with_new=True)
    report, changed = import_file(store, later)
    assert store.count_dialogues() == 3
    assert report.summary().startswith(
        "Imported 1 dialogue (2 messages) from a ChatGPT export. Updated 1 dialogue imported "
        "before that had grown (4 new messages). Skipped 1 already imported and unchanged."
    )
    assert "Attached 1 file from the archive." in report.summary()
    lisbon = by_title(store)["Lisbon"]
    assert [text for _, text, _ in lisbon][-2:] == [
        "Somewhere with a view, please",
        "The Miradouro da Senhora do Monte.",
    ]
    assert lisbon[-2][2] == ["view.jpg"]  # a file of the grown part comes along too
    assert len(lisbon) == 6 and len(changed) == 2


def test_a_conversation_continued_in_parley_keeps_its_continuation(
    store: HistoryStore, tmp_path: Path
) -> None:
    """Grown in ChatGPT and continued in Parley: ChatGPT's continuation becomes a branch
    beside the one written here, which stays."""
    from desktop_app.core.dialogue import Message

    import_file(store, grown_export(tmp_path, "a.zip", 0, False))
    (dialogue_id,) = [r.id for r in store.dialogue_rows() if r.title == "Lisbon"]
    store.add_message(dialogue_id, Message("user", "What about Sintra?"))
    import_file(store, grown_export(tmp_path, "b.zip", 2, False))
    shown = store.get_dialogue(dialogue_id)
    assert shown is not None
    assert [m.content for m in shown.messages][-2:] == ["And the evening?", "Fado in Alfama."]
    every = [m.content for m in store.all_messages(dialogue_id)]
    assert "What about Sintra?" in every and every.count("Start at the castle.") == 1


# --- files that are not what they claim ------------------------------------------------------


def test_a_damaged_or_foreign_zip_is_refused_with_a_sentence(
    store: HistoryStore, tmp_path: Path
) -> None:
    good = realistic_export(tmp_path / "export.zip").read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(good[: len(good) // 2])
    with pytest.raises(ImportFailed, match=r"cut\.zip is a damaged or incomplete zip archive"):
        import_file(store, cut)

    foreign = tmp_path / "photos.zip"
    with zipfile.ZipFile(foreign, "w") as archive:
        archive.writestr("IMG_0001.jpg", jpeg())
    with pytest.raises(ImportFailed, match=r"photos\.zip holds no conversations\.json"):
        import_file(store, foreign)
    assert store.count_dialogues() == 0


def test_a_member_whose_data_is_damaged_fails_cleanly(store: HistoryStore, tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    text = json.dumps([photo_conversation()] * 40)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("conversations.json", text)
    data = bytearray(path.read_bytes())
    at = data.index(b"Monstera")
    data[at : at + 8] = b"Mxnstera"  # the checksum no longer matches
    path.write_bytes(bytes(data))
    with pytest.raises(ImportFailed, match=r"conversations\.json in the archive cannot be read"):
        import_file(store, path)
    assert store.count_dialogues() == 0


def test_a_zip_bomb_is_refused_before_it_is_inflated(
    store: HistoryStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chatgpt_archive, "MAX_CONVERSATIONS_BYTES", 1 << 20)
    path = tmp_path / "bomb.zip"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("conversations.json", "w") as member,
    ):
        for _ in range(8):
            member.write(b" " * (1 << 20))
    assert path.stat().st_size < 64 << 10  # 8 MB of spaces in a few kilobytes
    with pytest.raises(ImportFailed, match="claims 8 MB, more than the 1 MB Parley reads"):
        import_file(store, path)


def test_a_member_packed_too_tightly_is_not_unpacked(store: HistoryStore, tmp_path: Path) -> None:
    path = tmp_path / "padded.zip"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("conversations.json", "w") as member,
    ):
        member.write(b"[")
        for _ in range(70):
            member.write(b" " * (1 << 20))
        member.write(b"]")
    with pytest.raises(ImportFailed, match=r"claims 70 MB packed into \d+ kB: no export packs"):
        import_file(store, path)


def test_a_file_over_the_limit_is_left_out_and_counted(
    store: HistoryStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chatgpt_archive, "MAX_FILE_BYTES", 20)
    report, ids = import_file(store, realistic_export(tmp_path / "export.zip"))
    assert len(ids) == 4
    assert "2 files the archive could not give (damaged, or over 64 MB)" in report.summary()
    assert list((tmp_path / "attachments").glob("*")) == []


def test_a_cancelled_zip_import_keeps_no_dialogue_no_file_and_no_working_file(
    store: HistoryStore, tmp_path: Path
) -> None:
    calls: list[int] = []

    def cancel_while_saving() -> bool:
        calls.append(1)
        return len(calls) > 8

    path = realistic_export(tmp_path / "export.zip")
    with pytest.raises(Cancelled):
        import_file(store, path, cancelled=cancel_while_saving)
    assert store.count_dialogues() == 0
    assert list((tmp_path / "attachments").glob("*")) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_the_zip_is_read_as_a_stream(store: HistoryStore, tmp_path: Path) -> None:
    """Peak memory stays a fraction of what conversations.json holds (Python's own
    allocations, which is what reading it costs): a few megabytes of buffers (decompressing,
    decoding, one entry), whatever the size; held whole it would be several times the file."""
    conversations = []
    for i in range(1000):
        words = [f"Paragraph {k} of conversation {i} about the Tagus river." for k in range(160)]
        conversations.append(
            conversation(f"c-{i}", f"Talk {i}", [user(" ".join(words)), assistant(" ".join(words))])
        )
    path = write_zip(tmp_path / "big.zip", conversations)
    with zipfile.ZipFile(path) as archive:
        size = archive.getinfo("conversations.json").file_size
    assert size > 20_000_000
    del conversations
    tracemalloc.start()
    try:
        report, ids = import_file(store, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(ids) == 1000 and report.found_messages == 2000
    assert peak < size / 2.5, f"peak {peak / 1e6:.1f} MB for {size / 1e6:.1f} MB"


# --- the schema -----------------------------------------------------------------------------


@pytest.mark.parametrize("version", range(1, LATEST))
def test_databases_of_every_earlier_version_take_imports_and_reimports(
    tmp_path: Path, version: int
) -> None:
    database = tmp_path / f"v{version}.db"
    with sqlite3.connect(database) as conn:
        conn.executescript("\n".join(MIGRATIONS[:version]) + f"\nPRAGMA user_version = {version};")
        conn.execute(
            "INSERT INTO dialogues (id, title, model, created_at, updated_at) "
            "VALUES (3, 'Lisbon', 'gpt-4o', 1.0, 2.0)"
        )
        conn.execute(
            "INSERT INTO messages (dialogue_id, role, content, created_at, updated_at) "
            "VALUES (3, 'user', 'Plan a day in Lisbon', 1.0, 1.0)"
        )
        link_like_parley(conn)
    store = HistoryStore.open(database, tmp_path / "att")
    try:
        row = store._query("SELECT source_id FROM dialogues WHERE id = 3")[0]
        assert row[0] == ""  # dialogues from before came from no export
        export = grown_export(tmp_path, "e.zip", 0, False)
        _, ids = import_file(store, export)
        assert len(ids) == 2 and 3 not in ids  # not taken for the conversation of that title
        assert import_file(store, export)[1] == []
        assert store.count_dialogues() == 3
    finally:
        store.close()


def test_image_pointers_of_both_schemes_find_their_files() -> None:
    assert chatgpt_archive.file_id("file-service://file-Q1w2E3r4T5y6U7i8") == PHOTO_ID
    assert chatgpt_archive.file_id(f"sediment://{DALLE_ID}") == DALLE_ID
    assert chatgpt_archive.file_id("https://example.com/x.png") == ""
