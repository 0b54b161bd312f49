"""Dialogues read from a file, kept on disk until the store writes them.

An export of hundreds of megabytes holds more text than memory should: each dialogue is
written here (one JSON line) as soon as it is read and rated, and read back one at a time
while the store writes them in one transaction. So memory holds one conversation at a time,
and the database is locked only for the writing, not for the reading and rating before it.

The file sits beside the database (private, named as a temporary file of this process, so a
kill's leftover goes at the next start) and is removed when the import ends either way.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from desktop_app.core.dialogue import Dialogue, Message, Status
from desktop_app.core.import_report import ImportedDialogue, ImportedFile, ImportNotes
from desktop_app.services.private_files import open_private
from desktop_app.services.temp_files import temp_path


def _message(m: Message) -> list[Any]:
    return [
        m.role,
        m.content,
        m.model,
        m.sentiment_label,
        m.sentiment_score,
        m.created_at,
        m.status.value,
        m.error,
        m.ending,
        m.reasoning,
    ]


def _notes(notes: ImportNotes) -> dict[str, Any]:
    return {
        "left_out": dict(notes.left_out),
        "missing": dict(notes.missing),
        "kept_turns": notes.kept_turns,
        "citations_linked": notes.citations_linked,
        "citations_removed": notes.citations_removed,
    }


def _to_line(imported: ImportedDialogue) -> str:
    d = imported.dialogue
    record = {
        "title": d.title,
        "model": d.model,
        "system": d.system,
        "created_at": d.created_at,
        "updated_at": d.updated_at,
        "assistant": imported.assistant,
        "source_id": imported.source_id,
        "messages": [_message(m) for m in d.messages],
        "files": [[f.message_index, f.member, f.name, f.ext, f.mime] for f in imported.files],
        "notes": _notes(imported.notes),
    }
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def _from_line(line: str) -> ImportedDialogue:
    record = json.loads(line)
    messages = [
        Message(
            role,
            content,
            model=model,
            sentiment_label=label,
            sentiment_score=score,
            created_at=created,
            status=Status(status),
            error=error,
            ending=ending,
            reasoning=reasoning,
        )
        for role, content, model, label, score, created, status, error, ending, reasoning in (
            record["messages"]
        )
    ]
    dialogue = Dialogue(
        record["title"],
        model=record["model"],
        system=record["system"],
        created_at=record["created_at"],
        updated_at=record["updated_at"],
        messages=messages,
    )
    files = [ImportedFile(*f) for f in record["files"]]
    notes = record["notes"]
    notes["left_out"], notes["missing"] = Counter(notes["left_out"]), Counter(notes["missing"])
    return ImportedDialogue(
        dialogue, record["assistant"], record["source_id"], files, ImportNotes(**notes)
    )


class ImportSpool:
    """Append dialogues, then iterate them back in the same order. Use as a context manager."""

    def __init__(self, beside: Path) -> None:
        self.path = temp_path(beside.with_name(beside.name + "-import"))
        self._file = open_private(self.path, "w+", encoding="utf-8", newline="\n")
        self.count = 0

    def add(self, imported: ImportedDialogue) -> None:
        self._file.write(_to_line(imported))
        self.count += 1

    def __iter__(self) -> Iterator[ImportedDialogue]:
        self._file.flush()
        self._file.seek(0)
        for line in self._file:
            yield _from_line(line)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> ImportSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
