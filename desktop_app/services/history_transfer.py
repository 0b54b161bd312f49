"""Import and export of dialogues between files and the store, for worker threads.

Both are all-or-nothing. An import is read completely first (one dialogue at a time, into a
working file: an export of hundreds of megabytes never sits in memory), then written in one
transaction on a connection of its own (so History keeps paging and searching meanwhile); a
failure or a cancel leaves the database as it was. ChatGPT's export is read straight from its
.zip, with the images it holds. An export is written to a temporary file next to the
target and moved into place only when complete.
"""

from __future__ import annotations

import contextlib
import sqlite3
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from desktop_app.core.chatgpt_archive import ExportArchive, archive_damage, is_zip
from desktop_app.core.exporters import ExportReport, write_export
from desktop_app.core.importers import (
    Cancelled,
    ImportFailed,
    ImportReport,
    Progress,
    iter_dialogues,
)
from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.services.failure_text import failure_message, report_failure
from desktop_app.services.history_store import HistoryStore
from desktop_app.services.import_spool import ImportSpool
from desktop_app.services.private_files import atomic_private
from desktop_app.services.store import StoreError

# What zipfile raises when a member's data is damaged as it is read (a bad checksum, a
# truncated file, a compression it does not know).
ARCHIVE_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError)
UNREADABLE_FILES = "files the archive could not give (damaged, or over 64 MB)"


def import_file(
    store: HistoryStore,
    path: Path,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    sentiment: SentimentAnalyzer | None = None,
) -> tuple[ImportReport, list[int]]:
    """Read `path` — a dialogue log, a conversations.json, or ChatGPT's export .zip — and
    store every dialogue in it; those imported before are updated when they have grown.
    Returns the report and the ids written (new ones first). Raises ImportFailed or
    Cancelled."""
    try:
        size = path.stat().st_size
        stream = path.open("rb")
    except OSError as exc:
        raise ImportFailed(failure_message(f"Opening {path.name}", exc)) from exc
    with contextlib.ExitStack() as stack:
        stack.enter_context(stream)
        archive: ExportArchive | None = None
        source: IO[bytes] = stream
        member = path.name
        try:
            if is_zip(stream.read(4)):
                stream.seek(0)
                archive = ExportArchive(stream, path.name)
                stack.callback(archive.close)
                source = stack.enter_context(archive.open_conversations())
                size, member = archive.size, archive.conversations.filename
            else:
                stream.seek(0)
            report = ImportReport(from_archive=archive is not None)
            spool = stack.enter_context(ImportSpool(store.database))
            for imported in iter_dialogues(
                source, report, size, progress, cancelled, sentiment, assets=archive
            ):
                spool.add(imported)
        except OSError as exc:
            raise ImportFailed(failure_message(f"Reading {path.name}", exc)) from exc
        except ARCHIVE_ERRORS as exc:
            raise ImportFailed(archive_damage(member, exc)) from exc
        try:
            writer = HistoryStore.open(store.database, store.attachments_dir)
        except StoreError as exc:
            raise ImportFailed(report_failure("Opening the database", exc)) from exc
        try:
            ids = writer.write_imported(
                spool,
                report,
                report.found_messages,
                progress,
                cancelled,
                None if archive is None else _reader(archive, report),
            )
        except (sqlite3.Error, StoreError) as exc:
            raise ImportFailed(report_failure("Saving the dialogues", exc)) from exc
        except OSError as exc:  # reading the working file back
            raise ImportFailed(failure_message("Reading the dialogues back", exc)) from exc
        except ARCHIVE_ERRORS as exc:
            raise ImportFailed(archive_damage(path.name, exc)) from exc
        finally:
            writer.close()
    return report, ids


def _reader(archive: ExportArchive, report: ImportReport) -> Callable[[str], bytes | None]:
    """An archive member's bytes; None (and counted) for one that cannot be had — too big,
    damaged — which is left out rather than failing the whole import."""

    def read(member: str) -> bytes | None:
        try:
            return archive.read(member)
        except ImportFailed:
            report.left_out[UNREADABLE_FILES] += 1
            return None

    return read


def export_file(
    store: HistoryStore,
    ids: Sequence[int],
    path: Path,
    fmt: str,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    all_branches: bool = False,
    include_reasoning: bool = False,
) -> ExportReport:
    """Write the dialogues `ids` to `path` in `fmt` (the branch each shows; every branch with
    `all_branches`, in JSON; the replies' reasoning if asked). Raises OSError or Cancelled."""

    def step(done: int) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled
        if progress is not None:
            progress("Exporting", done, len(ids))

    with atomic_private(path, "w", encoding="utf-8", newline="\n") as out:
        dialogues = store.dialogues(ids, all_branches and fmt == "json")
        report = write_export(fmt, dialogues, len(ids), out, step, all_branches, include_reasoning)
        if cancelled is not None and cancelled():  # cancelled after the last step: no file
            raise Cancelled
    return report
