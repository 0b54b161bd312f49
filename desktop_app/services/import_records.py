"""Writing imported dialogues: new ones, ones imported before that have grown, and their files.

A mixin of `HistoryStore` (one connection, one lock). Everything an import writes goes in one
transaction: all of it, or (an error, a cancel) none — and the attachment files written for it
are removed again when nothing refers to them.

Exports are cumulative: each ChatGPT export holds every conversation again. A dialogue that
came from one keeps the conversation's id (`source_id`); importing it again finds it, follows
its messages from the first one as long as the export agrees with them, and adds what the
export has beyond that (a conversation continued in ChatGPT) as the continuation of that
point — a new branch if it was continued differently in Parley, which keeps what was written
here. A conversation that has not grown is left as it is, and counted.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.core.chatgpt_archive import sniff_image
from desktop_app.core.dialogue import Attachment, Message
from desktop_app.core.import_report import (
    Cancelled,
    ImportedDialogue,
    ImportedFile,
    ImportNotes,
    ImportReport,
    Progress,
)
from desktop_app.services.branch_store import link_in_order

ReadFile = Callable[[str], bytes | None]  # None: that file cannot be had


@dataclass
class _Written:
    """The attachments an import made, and the files it wrote (to remove after a rollback)."""

    count: int = 0
    files: list[Path] = field(default_factory=list)


_INSERT_MESSAGE = (
    "INSERT INTO messages (dialogue_id, role, content, reasoning, model, sentiment_label, "
    "sentiment_score, status, error, ending, created_at, updated_at, parent_id, tool_calls, "
    "tool_call_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _row(dialogue_id: int, m: Message, now: float, parent: int | None = None) -> tuple[Any, ...]:
    when = m.created_at or now
    return (
        dialogue_id,
        m.role,
        m.content,
        m.reasoning,
        m.model,
        m.sentiment_label,
        m.sentiment_score,
        m.status.value,
        m.error,
        m.ending,
        when,
        when,
        parent,
        json.dumps(m.tool_calls) if m.tool_calls else "",
        m.tool_call_id,
    )


class ImportRecords:
    attachments_dir: Path

    if TYPE_CHECKING:  # provided by Store

        def _transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def add_attachment(
            self, message_id: int, data: bytes, ext: str, mime: str, name: str = ""
        ) -> Attachment: ...

    def insert_dialogues(
        self,
        dialogues: Sequence[ImportedDialogue],
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> list[int]:
        """Write dialogues as new ones in one transaction: all of them, or none."""
        total = sum(len(d.dialogue.messages) for d in dialogues)
        return self.write_imported(dialogues, ImportReport(), total, progress, cancelled)

    def write_imported(
        self,
        dialogues: Iterable[ImportedDialogue],
        report: ImportReport,
        total: int = 0,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
        read_file: ReadFile | None = None,
    ) -> list[int]:
        """Write what an import read, in one transaction; `report` learns what was new, what
        had grown and what was unchanged. `read_file` gives the bytes of an archive member.
        Returns the ids of the new dialogues, then of those that grew."""
        new: list[int] = []
        grown: list[int] = []
        written = _Written()
        done = 0
        read_notes, report.notes = report.notes, ImportNotes()  # now: of what is written
        try:
            with self._transaction() as conn:
                for imported in dialogues:
                    if cancelled is not None and cancelled():
                        raise Cancelled
                    if progress is not None:
                        progress("Saving", done, total)
                    done += len(imported.dialogue.messages)
                    existing = _imported_before(conn, imported.source_id)
                    if existing is None:
                        new.append(self._insert(conn, imported, read_file, written))
                        report.notes.add(imported.notes)
                        report.new += 1
                        report.new_messages += len(imported.dialogue.messages)
                        continue
                    added = self._grow(conn, existing, imported, read_file, written)
                    if added:
                        report.notes.add(imported.notes)
                        grown.append(existing)
                        report.grown += 1
                        report.grown_messages += added
                    else:
                        report.unchanged += 1
                link_in_order(conn, new)
                report.attached += written.count
                if cancelled is not None and cancelled():  # the last look before COMMIT
                    raise Cancelled
        except BaseException:
            report.new = report.new_messages = report.grown = report.grown_messages = 0
            report.unchanged = report.attached = 0
            report.notes = read_notes
            self._forget_files(written)
            raise
        report.written = True
        return new + grown

    def _insert(
        self,
        conn: sqlite3.Connection,
        imported: ImportedDialogue,
        read_file: ReadFile | None,
        written: _Written,
    ) -> int:
        dialogue, now = imported.dialogue, time.time()
        cur = conn.execute(
            "INSERT INTO dialogues (title, model, system, assistant_name, source_id, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                dialogue.title,
                dialogue.model,
                dialogue.system,
                imported.assistant,
                imported.source_id,
                dialogue.created_at or now,
                dialogue.updated_at or dialogue.created_at or now,
            ),
        )
        dialogue_id = int(cur.lastrowid or 0)
        conn.executemany(_INSERT_MESSAGE, [_row(dialogue_id, m, now) for m in dialogue.messages])
        if imported.files:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM messages WHERE dialogue_id = ? ORDER BY id", (dialogue_id,)
                )
            ]
            self._attach(imported.files, ids, read_file, written)
        return dialogue_id

    def _grow(
        self,
        conn: sqlite3.Connection,
        dialogue_id: int,
        imported: ImportedDialogue,
        read_file: ReadFile | None,
        written: _Written,
    ) -> int:
        """Add what the export has beyond the messages already here; how many were added."""
        children: dict[int | None, list[tuple[int, str, str]]] = {}
        for row in conn.execute(
            "SELECT id, parent_id, role, content FROM messages "
            "WHERE dialogue_id = ? AND deleted_at IS NULL ORDER BY id",
            (dialogue_id,),
        ):
            children.setdefault(row[1], []).append((row[0], row[2], row[3]))
        messages = imported.dialogue.messages
        parent: int | None = None
        matched = 0
        for m in messages:
            same = next(
                (
                    i
                    for i, role, text in children.get(parent, ())
                    if (role, text) == (m.role, m.content)
                ),
                None,
            )
            if same is None:
                break
            parent, matched = same, matched + 1
        if matched == len(messages):
            return 0
        now = time.time()
        ids = [-1] * matched
        for m in messages[matched:]:
            parent = int(
                conn.execute(_INSERT_MESSAGE, _row(dialogue_id, m, now, parent)).lastrowid or 0
            )
            ids.append(parent)
        conn.execute(
            "UPDATE dialogues SET current_leaf_id = ?, updated_at = MAX(updated_at, ?) "
            "WHERE id = ?",
            (parent, imported.dialogue.updated_at or now, dialogue_id),
        )
        later = [f for f in imported.files if f.message_index >= matched]
        self._attach(later, ids, read_file, written)
        return len(messages) - matched

    def _attach(
        self,
        files: Sequence[ImportedFile],
        message_ids: Sequence[int],
        read_file: ReadFile | None,
        written: _Written,
    ) -> None:
        if read_file is None:
            return
        for f in files:
            data = read_file(f.member)
            if data is None:
                continue
            ext, mime = sniff_image(data[:16]) or (f.ext or "bin", _not_image(f.mime))
            target = self.attachments_dir / f"{hashlib.sha256(data).hexdigest()}.{ext}"
            fresh = not target.exists()
            self.add_attachment(message_ids[f.message_index], data, ext, mime, f.name)
            written.count += 1
            if fresh:
                written.files.append(target)

    def _forget_files(self, written: _Written) -> None:
        """After a rollback: remove the files this import wrote that nothing refers to."""
        for path in written.files:
            sha = path.name.split(".")[0]
            try:
                with self._transaction() as conn:
                    used = conn.execute(
                        "SELECT 1 FROM attachments WHERE sha256 = ? LIMIT 1", (sha,)
                    ).fetchone()
            except Exception:
                continue
            if not used:
                path.unlink(missing_ok=True)


def _not_image(mime: str) -> str:
    """A file that is not a picture is never given an image type, whatever the export says."""
    return "application/octet-stream" if mime.startswith("image/") or not mime else mime


def _imported_before(conn: sqlite3.Connection, source_id: str) -> int | None:
    if not source_id:
        return None
    row = conn.execute(
        "SELECT id FROM dialogues WHERE source_id = ? ORDER BY id LIMIT 1", (source_id,)
    ).fetchone()
    return int(row[0]) if row is not None else None
