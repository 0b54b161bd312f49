"""Tool notes as transcript HTML: a clickable "▸ used web search: …" line per tool call that
opens to list the citations ("▾"). The link carries the message's and the note's place, so the
transcript knows which one to open or close."""

from __future__ import annotations

import html
from collections.abc import Sequence

from desktop_app.core.tool_notes import ToolNote

NOTE_SCHEME = "parley-note"
_NOTE_STYLE = "text-decoration:none"  # the colour: the transcript's muted link style


def note_link(message_index: int, note_index: int) -> str:
    return f"{NOTE_SCHEME}:{message_index}:{note_index}"


def parse_note_link(path: str) -> tuple[int, int] | None:
    """(message index, note index) from a link's path, or None if it is not ours."""
    parts = path.split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def _citation_html(note: ToolNote) -> str:
    if not note.citations:
        return "<li><i>no sources were cited</i></li>"
    items = []
    for citation in note.citations:
        text = html.escape(citation.text)
        if citation.url:
            items.append(f'<li><a href="{html.escape(citation.url, quote=True)}">{text}</a></li>')
        else:
            items.append(f"<li>{text}</li>")
    return "".join(items)


def note_html(note: ToolNote, message_index: int, note_index: int, expanded: bool) -> str:
    arrow = "▾" if expanded else "▸"
    suffix = f" ({note.tally})" if note.tally else ""
    line = (
        f'<p style="margin:2px 0"><a class="muted" style="{_NOTE_STYLE}" '
        f'href="{note_link(message_index, note_index)}">{arrow} '
        f"{html.escape(note.label)}{suffix}</a></p>"
    )
    if not expanded:
        return line
    return line + f'<ul style="margin-top:0; font-size:small">{_citation_html(note)}</ul>'


def notes_html(
    notes: Sequence[ToolNote], message_index: int, expanded: set[tuple[int, int]]
) -> list[str]:
    """One HTML fragment per note (each is inserted as its own block)."""
    return [
        note_html(note, message_index, index, (message_index, index) in expanded)
        for index, note in enumerate(notes)
    ]
