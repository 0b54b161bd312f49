"""How a reply ended → its status, the card's word and the banner; the chat chunk reader that
finds the ending; the `ending` column, added to databases of every earlier schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import SimpleNamespace as Obj

import pytest

from desktop_app.core.dialogue import Dialogue, Message, Status, from_log, to_log
from desktop_app.core.reply_endings import (
    CUT_TEXT,
    EMPTY_TEXT,
    FILTERED_TEXT,
    LENGTH_TEXT,
    TOOLS_TEXT,
    Ending,
    card_note,
    ending_notice,
    settle,
)
from desktop_app.core.tool_notes import Citation, ToolNote, notes_from_json, notes_to_json
from desktop_app.core.transcript_cards import make_card
from desktop_app.services.chat_chunks import ChatChunkReader
from desktop_app.services.chat_events import ReasoningDelta, StreamEnd, TextDelta
from desktop_app.services.migrations import MIGRATIONS
from desktop_app.services.store import Store
from tests.support.old_databases import link_like_parley

ENDINGS_VERSION = 1 + next(i for i, m in enumerate(MIGRATIONS) if "COLUMN ending " in m)


@pytest.mark.parametrize(
    ("reason", "text", "refused", "expected"),
    [
        ("stop", True, False, (Status.COMPLETE, Ending.NONE, "")),
        ("completed", True, False, (Status.COMPLETE, Ending.NONE, "")),
        (None, True, False, (Status.INTERRUPTED, Ending.CUT, CUT_TEXT)),
        (None, False, False, (Status.INTERRUPTED, Ending.CUT, CUT_TEXT)),
        ("incomplete", True, False, (Status.INTERRUPTED, Ending.CUT, CUT_TEXT)),
        ("length", True, False, (Status.INTERRUPTED, Ending.LENGTH, LENGTH_TEXT)),
        ("max_output_tokens", True, False, (Status.INTERRUPTED, Ending.LENGTH, LENGTH_TEXT)),
        ("content_filter", True, False, (Status.INTERRUPTED, Ending.FILTERED, FILTERED_TEXT)),
        ("stop", True, True, (Status.COMPLETE, Ending.REFUSED, "")),
        ("stop", False, False, (Status.ERROR, Ending.EMPTY, EMPTY_TEXT)),
        ("tool_calls", False, False, (Status.ERROR, Ending.EMPTY, TOOLS_TEXT)),
        ("tool_calls", True, False, (Status.COMPLETE, Ending.NONE, "")),
        ("something_new", True, False, (Status.COMPLETE, Ending.NONE, "")),
    ],
)
def test_settle(reason, text, refused, expected) -> None:  # type: ignore[no-untyped-def]
    outcome = settle(reason, text, refused)
    assert (outcome.status, outcome.ending, outcome.message) == expected


def test_the_card_says_how_a_reply_ended() -> None:
    cut = Message("assistant", "half", status=Status.INTERRUPTED, ending="length", error="x")
    assert make_card(cut).details[-1] == "cut at the token limit"
    refused = Message("assistant", "No.", ending="refused")
    assert make_card(refused).details[-1] == "refused" and make_card(refused).error == ""
    stopped = Message("assistant", "half", status=Status.INTERRUPTED, error="Stopped.")
    assert make_card(stopped).details[-1] == "interrupted"
    assert card_note("from-a-newer-parley") == "" and card_note("") == ""


def test_the_banner_for_each_ending() -> None:
    assert ending_notice(Status.COMPLETE, "", "") is None
    length = ending_notice(Status.INTERRUPTED, "length", LENGTH_TEXT)
    assert length is not None and length.offers_continue and length.text.startswith(LENGTH_TEXT)
    refused = ending_notice(Status.COMPLETE, "refused", "")
    assert refused is not None and refused.level == "info" and not refused.offers_continue
    empty = ending_notice(Status.ERROR, "empty", EMPTY_TEXT)
    assert empty is not None and empty.text == EMPTY_TEXT and empty.level == "warning"


def chunk(*choices, usage=None):  # type: ignore[no-untyped-def]
    return Obj(choices=list(choices), usage=usage)


def choice(index, finish=None, **delta):  # type: ignore[no-untyped-def]
    return Obj(index=index, delta=Obj(**delta), finish_reason=finish)


def test_the_chunk_reader_shows_choice_0_and_its_finish() -> None:
    reader = ChatChunkReader()
    events = []
    for c in [
        chunk(choice(0, content="Hel"), choice(1, content="Other")),
        chunk(choice(1, content=" words")),
        chunk(choice(0, reasoning_content="hmm", content="lo")),
        chunk(choice(1, finish="stop")),
    ]:
        events += reader.feed(c)
    assert reader.end() == []  # choice 1 finished, choice 0 did not: cut
    events += reader.feed(chunk(choice(0, finish="length")))
    assert events == [TextDelta("Hel"), ReasoningDelta("hmm"), TextDelta("lo")]
    assert reader.end() == [StreamEnd("length")]


def test_the_chunk_reader_reads_a_refusal_and_a_choice_without_index() -> None:
    reader = ChatChunkReader()
    events = reader.feed(
        chunk(Obj(delta=Obj(content=None, refusal="I can't."), finish_reason=None))
    )
    events += reader.feed(chunk(Obj(delta=Obj(), finish_reason="stop")))
    assert events == [TextDelta("I can't.")]
    assert reader.end() == [StreamEnd("stop", refused=True)]


def test_a_made_file_survives_the_notes_json() -> None:
    made = Citation("squares.csv", file="squares.csv", container="cntr_1", file_id="cfile_2")
    note = ToolNote("code_interpreter", "import csv", (made, Citation("web", url="https://x")))
    [back] = notes_from_json(notes_to_json([note]))
    assert back == note and back.citations[0].made and not back.citations[1].made
    assert make_card(Message("assistant", "x", tool_notes=[back])).made_files == [made]
    assert back.tally == "1 source, 1 file"  # a file it made is not a source
    assert ToolNote("web_search", "q").tally == ""


def test_the_cards_note_is_a_warning_only_when_text_was_kept() -> None:
    def tone(content: str, status: Status, ending: str) -> str:
        return make_card(
            Message("assistant", content, status=status, ending=ending, error="x")
        ).error_tone

    assert tone("half a reply", Status.INTERRUPTED, "length") == "warning"
    assert tone("half a reply", Status.INTERRUPTED, "cut") == "warning"
    assert tone("", Status.INTERRUPTED, "cut") == "error"  # a web page: nothing arrived
    assert tone("", Status.ERROR, "empty") == "error"
    assert tone("half a reply", Status.INTERRUPTED, "") == "error"  # a quota error mid-stream


@pytest.mark.parametrize("version", range(1, ENDINGS_VERSION))
def test_upgrading_from_every_earlier_schema_reads_old_replies_as_plainly_ended(
    tmp_path: Path, version: int
) -> None:
    database = tmp_path / "old.db"
    with sqlite3.connect(database) as conn:
        conn.executescript("\n".join(MIGRATIONS[:version]) + f"\nPRAGMA user_version = {version};")
        conn.execute(
            "INSERT INTO dialogues (id, title, created_at, updated_at) VALUES (1, 'Old', 1, 1)"
        )
        conn.execute(
            "INSERT INTO messages (dialogue_id, role, content, created_at, updated_at) "
            "VALUES (1, 'assistant', 'an old reply', 1, 1)"
        )
        link_like_parley(conn)
    store = Store.open(database, tmp_path / "att")
    try:
        [old] = store.messages(1)
        assert (old.content, old.ending) == ("an old reply", "")
        store.finish_message(old.id, content="cut", status=Status.INTERRUPTED, ending="length")  # type: ignore[arg-type]
        assert store.get_message(old.id).ending == "length"  # type: ignore[arg-type, union-attr]
    finally:
        store.close()


def test_the_ending_goes_out_with_an_export_and_comes_back_with_an_import() -> None:
    dialogue = Dialogue(
        "Cut",
        messages=[
            Message("user", "Tell me all"),
            Message("assistant", "Half of it", status=Status.INTERRUPTED, ending="length"),
            Message("assistant", "No.", ending="refused"),
            Message("assistant", "Done."),
        ],
    )
    log = to_log(dialogue)
    assert [entry.get("ending") for entry in log] == [None, "length", "refused", None]
    log[3]["ending"] = ["not", "a", "value"]  # a damaged file: ignored, not a crash
    back = from_log(log)
    assert [m.ending for m in back] == ["", "length", "refused", ""]
    assert back[1].status is Status.INTERRUPTED
