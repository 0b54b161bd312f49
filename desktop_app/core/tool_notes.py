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
    "mcp": "MCP tool",
    "knowledge": "knowledge",
}


@dataclass(frozen=True)
class Citation:
    """A source the reply cites: a web page (`url`) or one of the user's files (`file`) — or
    a file code interpreter made (`container` and `file_id` fetch its bytes)."""

    title: str
    url: str = ""
    file: str = ""
    container: str = ""
    file_id: str = ""

    @property
    def made(self) -> bool:
        """A file the tool made (in its container), which the user can save."""
        return bool(self.container and self.file_id)

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

    @property
    def tally(self) -> str:
        """What it cites, counted: "2 sources", "1 file" (a file code interpreter made is
        not a source), or "" for nothing."""
        if self.kind == "knowledge":  # its summary counts the passages already
            return ""
        made = sum(1 for c in self.citations if c.made)
        counts = ((len(self.citations) - made, "source"), (made, "file"))
        return ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts if n)

    def with_citation(self, citation: Citation) -> ToolNote:
        if citation in self.citations:
            return self
        return ToolNote(self.kind, self.summary, (*self.citations, citation), self.id)


def made_files(notes: list[ToolNote]) -> list[Citation]:
    """The files the reply's tools made, each once, in the order they were cited."""
    return list(dict.fromkeys(c for n in notes for c in n.citations if c.made))


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
                "citations": [_citation_json(c) for c in n.citations],
            }
            for n in notes
        ],
        ensure_ascii=False,
    )


def _citation_json(c: Citation) -> dict[str, str]:
    data = {"title": c.title, "url": c.url, "file": c.file}
    if c.made:
        data.update(container=c.container, file_id=c.file_id)
    return data


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
            Citation(
                _text(c.get("title")),
                _text(c.get("url")),
                _text(c.get("file")),
                _text(c.get("container")),
                _text(c.get("file_id")),
            )
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
