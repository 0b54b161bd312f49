"""Descriptions as a table to take elsewhere: CSV for spreadsheets, JSONL for scripts."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import asdict, astuple, dataclass, fields

from desktop_app.core.dialogue import iso_time


@dataclass(frozen=True)
class DescriptionRecord:
    file_name: str
    prompt: str
    description: str
    model: str
    time: str  # ISO 8601, UTC

    @classmethod
    def of(
        cls, file_name: str, prompt: str, description: str, model: str, when: float
    ) -> DescriptionRecord:
        return cls(file_name, prompt, description, model, iso_time(when))


COLUMNS = tuple(f.name for f in fields(DescriptionRecord))


def to_csv(records: Iterable[DescriptionRecord]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for record in records:
        writer.writerow(astuple(record))
    return buffer.getvalue()


def to_jsonl(records: Iterable[DescriptionRecord]) -> str:
    return "".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in records)


def export_text(records: Iterable[DescriptionRecord], file_name: str) -> str:
    """CSV or JSONL, chosen by the file name's extension (CSV unless .jsonl / .ndjson)."""
    if file_name.lower().endswith((".jsonl", ".ndjson", ".json")):
        return to_jsonl(records)
    return to_csv(records)
