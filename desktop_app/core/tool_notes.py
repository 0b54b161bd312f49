"""What a server-side tool did while a reply was written: "used web search: …" and its sources.

Kept with the reply (as JSON in the store), so a re-opened dialogue shows the same notes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

KIND_LABELS = {
    "web_search": "web search",
    "file_search": "file search",
    "code_interpreter": "code interpreter",
}


@dataclass(frozen=True)
class Citation:
    """A source the reply cites: a web page (`url`) or one of the user's files (`file`)."""

    title: str
    url: str = ""
    file: str = ""

    @property
    def text(self) -> str:
        return self.title or self.url or self.file


@dataclass(frozen=True)
class ToolNote:
    """One tool call. `id` ties together updates of the same call (citations found later)."""

    kind: str
    summary: str
    citations: tuple[Citation, ...] = ()
    id: str = ""

    @property
    def label(self) -> str:
        what = KIND_LABELS.get(self.kind, self.kind.replace("_", " "))
        return f"used {what}: {self.summary}" if self.summary else f"used {what}"

    def with_citation(self, citation: Citation) -> ToolNote:
        if citation in self.citations:
            return self
        return ToolNote(self.kind, self.summary, (*self.citations, citation), self.id)


@dataclass
class NoteList:
    """The notes of one reply in the order the tools ran; an update replaces its earlier self."""

    notes: list[ToolNote] = field(default_factory=list)

    def upsert(self, note: ToolNote) -> bool:
        """Add or replace (by id); True when the note is new."""
        for index, old in enumerate(self.notes):
            if note.id and old.id == note.id:
                self.notes[index] = note
                return False
        self.notes.append(note)
        return True


def notes_to_json(notes: list[ToolNote]) -> str:
    if not notes:
        return ""
    return json.dumps(
        [
            {
                "kind": n.kind,
                "summary": n.summary,
                "id": n.id,
                "citations": [
                    {"title": c.title, "url": c.url, "file": c.file} for c in n.citations
                ],
            }
            for n in notes
        ],
        ensure_ascii=False,
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def notes_from_json(text: str) -> list[ToolNote]:
    """Lenient: a damaged value gives no notes rather than a reply that cannot be opened."""
    if not text:
        return []
    try:
        data = json.loads(text)
    except ValueError:
        return []
    notes = []
    for item in data if isinstance(data, list) else []:
        if not isinstance(item, dict):
            continue
        citations = tuple(
            Citation(_text(c.get("title")), _text(c.get("url")), _text(c.get("file")))
            for c in item.get("citations") or []
            if isinstance(c, dict)
        )
        notes.append(
            ToolNote(
                _text(item.get("kind")),
                _text(item.get("summary")),
                citations,
                _text(item.get("id")),
            )
        )
    return notes
