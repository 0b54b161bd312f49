"""Import and export of dialogues between files and the store, for worker threads.

Both are all-or-nothing. An import is read completely first, then written in one transaction
on a connection of its own (so History keeps paging and searching meanwhile); a failure or a
cancel leaves the database as it was. An export is written to a temporary file next to the
target and moved into place only when complete.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

from desktop_app.core.exporters import ExportReport, write_export
from desktop_app.core.importers import (
    Cancelled,
    ImportFailed,
    ImportReport,
    Progress,
    read_dialogues,
)
from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.services.failure_text import failure_message, report_failure
from desktop_app.services.history_store import HistoryStore
from desktop_app.services.private_files import atomic_private
from desktop_app.services.store import StoreError


def import_file(
    store: HistoryStore,
    path: Path,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    sentiment: SentimentAnalyzer | None = None,
) -> tuple[ImportReport, list[int]]:
    """Read `path` and store every dialogue in it. Raises ImportFailed or Cancelled."""
    try:
        size = path.stat().st_size
        stream = path.open("rb")
    except OSError as exc:
        raise ImportFailed(failure_message(f"Opening {path.name}", exc)) from exc
    with stream:
        try:
            report = read_dialogues(stream, size, progress, cancelled, sentiment)
        except OSError as exc:
            raise ImportFailed(failure_message(f"Reading {path.name}", exc)) from exc
    try:
        writer = HistoryStore.open(store.database, store.attachments_dir)
    except StoreError as exc:
        raise ImportFailed(report_failure("Opening the database", exc)) from exc
    try:
        ids = writer.insert_dialogues(report.dialogues, progress, cancelled)
    except (sqlite3.Error, StoreError) as exc:
        raise ImportFailed(report_failure("Saving the dialogues", exc)) from exc
    finally:
        writer.close()
    return report, ids


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
