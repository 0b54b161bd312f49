"""Read dataset files (pandas for tables) and build fine-tuning examples from them.

Everything here is blocking and meant for a worker thread: the caller passes a progress
callback and a `cancelled()` check, both polled between chunks, so a 200 MB CSV is read a
chunk at a time with memory bounded by the examples kept, and Cancel stops it within a chunk.
Row numbers are spreadsheet rows (the header is row 1) for tables, line numbers for JSONL.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.json_guard import JsonTooDeep, parse_json
from desktop_app.core.training_build import SFT, Built, ColumnMapping, RowBuilder
from desktop_app.core.training_checks import ERROR, WARNING, example_kind
from desktop_app.services.dataset_files import (
    Cancelled,
    DatasetError,
    FileFormat,
    Progress,
    check_encoding,
    dataset_files,
    sniff,
)

log = logging.getLogger(__name__)
CHUNK_ROWS = 20_000
_SKIPPED_LINE = re.compile(r"Skipping line (\d+)")
_BAD_LINE = re.compile(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)")
PREVIEW_ROWS = 20
Rows = list[tuple[int, dict[str, Any]]]


@dataclass
class Preview:
    format: FileFormat
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _where(exc: ValueError) -> str:
    line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    return f" (line {line}, column {column})" if line and column else ""


def _not_a_table(name: str, exc: BaseException) -> str:
    log.info("%s is no table", name, exc_info=exc)
    if isinstance(exc, UnicodeDecodeError):
        return f"{name} is not UTF-8 text; save it as UTF-8 (Save As → Encoding) and add it again."
    return (
        f"{name} could not be read as a table: check its delimiter and that its quotes are "
        "closed (the details are in Parley's log)."
    )


def preview(path: Path) -> Preview:
    """The columns and first rows of a file (or of the first file of a folder)."""
    first = dataset_files(path)[0]
    fmt = sniff(first)
    if fmt.shape == "table":
        import pandas as pd

        try:
            frame = pd.read_csv(
                first, sep=fmt.delimiter, encoding=fmt.encoding, encoding_errors="replace",
                dtype=str, nrows=PREVIEW_ROWS, on_bad_lines="skip",
            )  # fmt: skip
        except (ValueError, pd.errors.ParserError) as exc:
            raise DatasetError(_not_a_table(first.name, exc)) from exc
        columns = [str(c) for c in frame.columns]
        rows = [[_text(v) for v in row] for row in frame.itertuples(index=False)]
        return Preview(fmt, columns, rows)
    records = []
    for item in _json_items(fmt, None, None):
        if isinstance(item[1], dict):
            records.append(item[1])
        if len(records) >= PREVIEW_ROWS:
            break
    columns = list(dict.fromkeys(k for r in records for k in r))
    return Preview(fmt, columns, [[_text(r.get(c)) for c in columns] for r in records])


# --- reading -------------------------------------------------------------------------------


def _json_items(
    fmt: FileFormat,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
    built: Built | None = None,
) -> Iterator[tuple[int, Any, str]]:
    """(row, value, error) for each entry: JSONL line by line (a broken line is an error with
    its number, not the end), a JSON array as a whole. Lone surrogates are replaced, and
    counted in `built`."""
    size = max(fmt.path.stat().st_size, 1)
    if not fmt.jsonl:
        try:
            data, replaced = parse_json(fmt.path.read_text(fmt.encoding))
        except JsonTooDeep as exc:
            raise DatasetError(f"{fmt.name} cannot be read: {exc.msg}.") from None
        except ValueError as exc:
            raise DatasetError(f"{fmt.name} is not valid JSON{_where(exc)}.") from exc
        if built is not None:
            built.replaced += replaced
        if not isinstance(data, list):
            raise DatasetError(f"{fmt.name} is not a list of objects.")
        for index, item in enumerate(data, start=1):
            yield index, item, ""
        return
    done = 0
    with fmt.path.open(encoding=fmt.encoding, errors="replace", newline="") as lines:
        for row, line in enumerate(lines, start=1):
            done += len(line)
            if row % 5000 == 0:
                if progress is not None:
                    progress(f"Reading {fmt.name}", min(done, size), size)
                if cancelled is not None and cancelled():
                    raise Cancelled
            if not line.strip():
                continue
            try:
                value, replaced = parse_json(line)
            except JsonTooDeep as exc:
                yield row, None, f"Line {row} cannot be read ({exc.msg}); it is left out."
                continue
            except ValueError as exc:
                reason = getattr(exc, "msg", str(exc))
                yield row, None, f"Line {row} is not valid JSON ({reason}); it is left out."
                continue
            if built is not None:
                built.replaced += replaced
            yield row, value, ""


def table_chunks(
    fmt: FileFormat,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[tuple[list[str], Rows, list[str]]]:
    """(columns, rows, skipped-line messages) a chunk at a time, with pandas' C parser."""
    import pandas as pd

    size = max(fmt.path.stat().st_size, 1)
    with fmt.path.open("rb") as handle:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pd.errors.ParserWarning)
                reader = pd.read_csv(
                    handle, sep=fmt.delimiter, encoding=fmt.encoding, dtype=str,
                    chunksize=chunk_rows, on_bad_lines="warn", engine="c",
                )  # fmt: skip
                next_row = 2
                for frame in reader:
                    columns = [str(c) for c in frame.columns]
                    skipped = [str(w.message).strip() for w in caught]
                    caught.clear()
                    bad = {int(n) for m in skipped for n in _SKIPPED_LINE.findall(m)}
                    rows: Rows = []
                    for record in frame.to_dict("records"):
                        while next_row in bad:  # pandas dropped that line: rows move down
                            next_row += 1
                        rows.append((next_row, record))
                        next_row += 1
                    yield columns, rows, skipped
                    if progress is not None:
                        progress(f"Reading {fmt.name}", min(handle.tell(), size), size)
                    if cancelled is not None and cancelled():
                        raise Cancelled
        except pd.errors.EmptyDataError as exc:
            raise DatasetError(f"{fmt.name} has no rows.") from exc
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise DatasetError(_not_a_table(fmt.name, exc)) from exc


def _check_columns(fmt: FileFormat, columns: list[str], mapping: ColumnMapping) -> None:
    missing = mapping.missing(columns)
    if not missing:
        return
    text = f"{fmt.name} has no column {', '.join(repr(c) for c in missing)}; its columns are "
    text += ", ".join(repr(c) for c in columns[:12]) + "."
    if len(columns) == 1 and fmt.shape == "table":
        text += " Only one column was found: is the delimiter right (comma, semicolon, tab)?"
    raise DatasetError(text)


def _add_file(
    built: Built,
    fmt: FileFormat,
    mapping: ColumnMapping,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
) -> None:
    for note in fmt.notes:
        built.problem(fmt.name, 0, WARNING, "file_format", note)
    if fmt.shape == "examples":
        wanted = "chat" if built.kind == SFT else "dpo"
        for row, value, error in _json_items(fmt, progress, cancelled, built):
            built.rows_read += 1
            if error or example_kind(value) != wanted:
                built.left_out += 1
                reason = error or (
                    f"Line {row} is not a {'chat' if wanted == 'chat' else 'preference (DPO)'} "
                    "example; it is left out."
                )
                built.problem(fmt.name, row, ERROR, "unreadable_line", reason)
            else:
                built.examples.append(value)
        built.sources.append(fmt.name)
        return
    builder = RowBuilder(built, mapping, fmt.name)
    if fmt.shape == "records":
        rows: Rows = []
        for row, value, error in _json_items(fmt, progress, cancelled, built):
            if error or not isinstance(value, dict):
                built.left_out += 1
                built.problem(
                    fmt.name, row, ERROR, "unreadable_line", error or f"Entry {row} is no object."
                )
                continue
            if not rows:
                _check_columns(fmt, list(value), mapping)
            rows.append((row, value))
        builder.add(rows)
    else:
        checked = False
        for columns, chunk, skipped in table_chunks(fmt, progress, cancelled):
            if not checked:
                _check_columns(fmt, columns, mapping)
                checked = True
            for message in skipped:
                for line, expected, saw in _BAD_LINE.findall(message):
                    built.left_out += 1
                    built.problem(
                        fmt.name, int(line), ERROR, "bad_line",
                        f"Row {line} has {saw} fields where the header has {expected} (a "
                        "stray delimiter or quote?); it is left out.",
                    )  # fmt: skip
            builder.add(chunk)
    builder.finish()


def build_from_files(
    paths: list[Path],
    mapping: ColumnMapping,
    built: Built,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Built:
    """Add the examples of files (folders expanded) to `built`. A file already read into it
    is not read again (its name goes to `built.again`): its rows would be duplicates."""
    files = [f for p in paths for f in dataset_files(p)]
    for path in files:
        key = str(path.resolve())
        if key in built.read:
            built.again.append(path.name)
            continue
        before = built.rows_read
        try:
            encoding, note = check_encoding(path, progress, cancelled)
            fmt = sniff(path, encoding)
            if note:
                fmt.notes.append(note)
            _add_file(built, fmt, mapping, progress, cancelled)
        finally:
            if built.rows_read > before:  # read, whole or in part (then cancelled)
                built.read.add(key)
    return built
