"""Dataset files: CSV/TSV/JSON/JSONL and folders through pandas, with row-numbered problems."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from desktop_app.core.training_build import DPO, SFT, Built, ColumnMapping
from desktop_app.services.dataset_files import Cancelled, DatasetError, check_encoding, sniff
from desktop_app.services.dataset_reader import build_from_files, preview
from tests.support.training_data import chat_file, labelled_csv

MAPPING = ColumnMapping("question", "answer", label="label")


def build(paths: list[Path], kind: str = SFT, mapping: ColumnMapping = MAPPING) -> Built:
    return build_from_files(paths, mapping, Built(kind))


def test_sft_and_dpo_from_a_labelled_csv(tmp_path: Path) -> None:
    path = labelled_csv(tmp_path / "qa.csv", 12)
    sft = build([path])
    assert len(sft.examples) == 12 and sft.left_out == 12  # the negative answers
    assert sft.examples[0]["messages"][-1] == {"role": "assistant", "content": "0 plus 0 is 0."}
    dpo = build([path], DPO)
    assert len(dpo.examples) == 12 and dpo.problems == []
    assert dpo.examples[3]["non_preferred_output"][0]["content"] == "No idea."


def test_preview_shows_columns_and_first_rows(tmp_path: Path) -> None:
    shown = preview(labelled_csv(tmp_path / "qa.csv", 30))
    assert shown.columns == ["question", "answer", "label"]
    assert len(shown.rows) == 20 and shown.rows[1] == ["What is 0 plus 0?", "No idea.", "negative"]


def test_semicolons_in_a_csv_are_found_and_said(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("question;answer;label\nHi?;Hello.;1\n" * 1, "utf-8")
    fmt = sniff(path)
    assert fmt.delimiter == ";" and "semicolon-separated" in fmt.notes[0]
    built = build([path])
    assert len(built.examples) == 1
    assert [p.code for p in built.problems] == ["file_format"]


def test_tsv_and_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "data.tsv"
    path.write_text("prompt\treply\nHi\tHello\n", "utf-8")
    with pytest.raises(DatasetError, match=r"no column 'question', 'answer', 'label'.*'prompt'"):
        build([path])
    assert len(build([path], mapping=ColumnMapping("prompt", "reply")).examples) == 1


def test_a_wrong_delimiter_gives_one_column_and_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("question answer label\nhi hello 1\n", "utf-8")
    with pytest.raises(DatasetError, match="Only one column was found: is the delimiter right"):
        build([path])


def test_latin1_is_read_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_bytes("question,answer,label\nCafé?,Très bon.,1\n".encode("cp1252"))
    assert check_encoding(path)[0] == "cp1252"
    built = build([path])
    assert built.examples[0]["messages"][0]["content"] == "Café?"
    note = next(p for p in built.problems if p.code == "file_format")
    assert "not UTF-8 (byte 0xE9 at position 25)" in note.message


def test_bad_rows_are_named_by_number(tmp_path: Path) -> None:
    path = tmp_path / "messy.csv"
    path.write_text(
        "question,answer,label\n"
        "Q1,A1,positive\n"  # row 2
        ",A2,positive\n"  # 3: empty prompt
        "Q3,A3,Pos\n"  # 4
        "Q4,A4,maybe\n"  # 5: unknown label
        "Q5,A5,1,extra,fields\n"  # 6: too many fields
        "Q6,,👍\n"  # 7: empty reply
        "Q7,A7,👍\n",  # 8
        "utf-8",
    )
    built = build([path])
    assert len(built.examples) == 3
    found = {(p.row, p.code) for p in built.problems}
    assert found == {
        (3, "empty_prompt"), (5, "unknown_label"), (6, "bad_line"), (7, "empty_reply"),
        (0, "mixed_labels"),
    }  # fmt: skip
    bad = next(p for p in built.problems if p.code == "bad_line")
    assert bad.message.startswith("Row 6 has 5 fields where the header has 3")


def test_jsonl_with_a_broken_line_in_the_middle(tmp_path: Path) -> None:
    path = chat_file(tmp_path / "chat.jsonl", 20)
    lines = path.read_text("utf-8").splitlines()
    lines[9] = lines[9][:-5]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    built = build([path])
    assert len(built.examples) == 19
    assert [(p.row, p.code) for p in built.problems] == [(10, "unreadable_line")]
    assert "Line 10 is not valid JSON" in built.problems[0].message


def test_a_folder_of_records_and_examples(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    (folder / "sub").mkdir(parents=True)
    labelled_csv(folder / "a.csv", 2)
    (folder / "b.json").write_text(
        json.dumps([{"question": "Q", "answer": "A", "label": "yes"}]), "utf-8"
    )
    (folder / "sub" / "c.jsonl").write_text(
        json.dumps({"question": "Q2", "answer": "A2", "label": 1}) + "\n", "utf-8"
    )
    chat_file(folder / "sub" / "d.jsonl", 3)
    (folder / "notes.md").write_text("ignored", "utf-8")
    built = build([folder])
    assert len(built.examples) == 2 + 1 + 1 + 3
    assert built.sources == ["a.csv", "b.json", "c.jsonl", "d.jsonl"]


@pytest.mark.slow
def test_a_200_mb_csv_streams_with_progress_and_cancels(tmp_path: Path) -> None:
    """Written in a second from a repeated block; read a chunk at a time, not all at once."""
    path = tmp_path / "big.csv"
    block = "".join(
        f'"Question number {i} about something rather long",'
        f'"An answer of a reasonable length for row {i}",positive\n'
        for i in range(10_000)
    ).encode()
    with path.open("wb") as f:
        f.write(b"question,answer,label\n")
        while f.tell() < 200 * 1024 * 1024:
            f.write(block)
    size = path.stat().st_size
    seen: list[tuple[str, int, int]] = []
    stop = threading.Event()

    def progress(phase: str, done: int, total: int) -> None:
        seen.append((phase, done, total))
        if phase.startswith("Reading") and done > total * 0.05:
            stop.set()

    started = time.monotonic()
    with pytest.raises(Cancelled):
        build_from_files([path], MAPPING, Built(SFT), progress, stop.is_set)
    assert time.monotonic() - started < 15
    reading = [s for s in seen if s[0].startswith("Reading")]
    assert seen[0][0] == "Checking encoding" and seen[-1][0].startswith("Reading")
    assert reading and reading[-1][1] < size * 0.2  # stopped early: it was streaming
    assert all(total == size for _, _, total in seen)
