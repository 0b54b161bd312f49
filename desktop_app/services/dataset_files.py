"""Dataset files on disk: which ones a folder holds, their encoding, delimiter and shape.

Sniffing reads the first 64 KB only; the encoding check reads the whole file (a megabyte at a
time: about a second for 200 MB), since a CSV that turns out not to be UTF-8 at row 900,000
must say so before any row is used, not halfway through.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.json_guard import loads
from desktop_app.core.training_checks import example_kind
from desktop_app.core.training_report import Cancelled

__all__ = ["Cancelled", "DatasetError", "FileFormat", "Progress", "check_encoding", "sniff"]

TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": ""}
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
SUFFIXES = (*TABLE_SUFFIXES, *JSON_SUFFIXES)
HEAD_BYTES = 64 * 1024
CHUNK_BYTES = 1 << 20
DELIMITERS = ",;\t|"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}
FALLBACK_ENCODING = "cp1252"
# (phase, done, total)
Progress = Callable[[str, int, int], None]


class DatasetError(ValueError):
    """A file that cannot be read at all; the message is for the user."""


@dataclass
class FileFormat:
    path: Path
    shape: str  # "table" (CSV/TSV), "records" (JSON of flat objects), "examples" (chat/DPO)
    delimiter: str = ","
    encoding: str = "utf-8"
    jsonl: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    def describe(self) -> str:
        if self.shape == "table":
            what = f"{DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))}-separated"
        else:
            what = ("JSONL" if self.jsonl else "JSON") + (
                " examples" if self.shape == "examples" else " records"
            )
        return f"{self.name}: {what}, {self.encoding.upper()}"


def dataset_files(path: Path) -> list[Path]:
    """The file itself, or the dataset files of a folder (and its sub-folders), sorted."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise DatasetError(f"{path} does not exist.")
    found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    if not found:
        raise DatasetError(f"The folder {path.name} holds no CSV, TSV, JSON or JSONL files.")
    return found


def _bom_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return ""


def check_encoding(
    path: Path, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None
) -> tuple[str, str]:
    """(encoding, note): UTF-8 (with or without a BOM), UTF-16 by its BOM, else Windows-1252
    with a note saying where the first non-UTF-8 byte is."""
    size = path.stat().st_size
    with path.open("rb") as f:
        bom = _bom_encoding(f.read(4))
        if bom:
            return bom, ""
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        offset = 0
        while chunk := f.read(CHUNK_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                at = offset + exc.start
                return FALLBACK_ENCODING, (
                    f"{path.name} is not UTF-8 (byte 0x{chunk[exc.start]:02X} at position "
                    f"{at:,}); it was read as Windows-1252. If letters look wrong, save it as "
                    "UTF-8 and add it again."
                )
            offset += len(chunk)
            if progress is not None:
                progress("Checking encoding", offset, size)
            if cancelled is not None and cancelled():
                raise Cancelled
    return "utf-8", ""


def _head_text(path: Path, encoding: str) -> str:
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    return codecs.getincrementaldecoder(encoding)("replace").decode(head)


def _first_json(text: str, jsonl: bool) -> Any:
    """The first entry that can be read: in JSONL a broken line is passed over here (the
    reader leaves it out and counts it), so one bad first line does not refuse the file."""
    if jsonl:
        for line in text.splitlines():
            if line.strip():
                try:
                    return loads(line)
                except ValueError:
                    continue
        return None
    stripped = text.lstrip()
    if not stripped.startswith("["):
        return None
    decoder = json.JSONDecoder()
    try:
        first, _ = decoder.raw_decode(stripped[1:].lstrip())
    except (ValueError, RecursionError):
        return None
    return first


def _first_readable_line(path: Path, encoding: str, lines: int = 1000) -> Any:
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        for _number, line in zip(range(lines), handle, strict=False):
            if line.strip():
                try:
                    return loads(line)
                except ValueError:
                    continue
    return None


def sniff(path: Path, encoding: str = "") -> FileFormat:
    """The shape of a dataset file from its first 64 KB."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DatasetError(
            f"{path.name}: Parley reads CSV, TSV, JSON and JSONL files (save spreadsheets as CSV)."
        )
    if not encoding:
        with path.open("rb") as f:
            encoding = _bom_encoding(f.read(4)) or "utf-8"
    text = _head_text(path, encoding)
    if not text.strip():
        raise DatasetError(f"{path.name} is empty.")
    if suffix in JSON_SUFFIXES:
        jsonl = suffix != ".json" or not text.lstrip().startswith("[")
        first = _first_json(text, jsonl)
        if first is None and jsonl:  # the head held no whole readable line: look further
            first = _first_readable_line(path, encoding)
        if not isinstance(first, dict):
            raise DatasetError(
                f"{path.name}: the first entry is not a JSON object. JSON datasets are a list "
                "of objects, or one object per line (JSONL)."
            )
        shape = "examples" if example_kind(first) else "records"
        return FileFormat(path, shape, encoding=encoding, jsonl=jsonl)
    delimiter = TABLE_SUFFIXES[suffix]
    notes: list[str] = []
    if not delimiter:
        try:
            sample = "\n".join(text.splitlines()[:50])
            delimiter = csv.Sniffer().sniff(sample, DELIMITERS).delimiter
        except csv.Error:
            delimiter = ","
    elif delimiter == ",":
        header = text.splitlines()[0] if text.splitlines() else ""
        others = {d: header.count(d) for d in ";\t|"}
        best = max(others, key=lambda d: others[d])
        if others[best] > header.count(","):
            notes.append(
                f"{path.name} looks {DELIMITER_NAMES[best]}-separated, not comma-separated; "
                f"it was read that way."
            )
            delimiter = best
    return FileFormat(path, "table", delimiter, encoding, notes=notes)
