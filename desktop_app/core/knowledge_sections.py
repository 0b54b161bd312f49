"""Plain text and Markdown → `Section`s with their heading paths and line numbers.

Markdown headings are the ATX kind (`#` to `######`) and the setext kind (a line of `===` or
`---` under a paragraph line); lines inside fenced code blocks are never headings. The text
before the first heading is a section without a heading path.
"""

from __future__ import annotations

import re

from desktop_app.core.knowledge_chunks import Section

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")


def text_sections(text: str) -> list[Section]:
    """A text or code file: one section, its lines numbered from 1."""
    return [Section(text, first_line=1)] if text.strip() else []


def markdown_sections(text: str) -> list[Section]:
    sections: list[Section] = []
    path: list[tuple[int, str]] = []  # (level, title) of the headings above
    body: list[str] = []
    first = 1
    fence = ""

    def close(next_first: int) -> None:
        nonlocal body, first
        if "".join(body).strip():
            sections.append(
                Section("\n".join(body), heading=tuple(t for _, t in path), first_line=first)
            )
        body, first = [], next_first

    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        opened = _FENCE.match(line)
        if fence:
            body.append(line)
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = ""
            continue
        if opened:
            fence = opened.group(1)
            body.append(line)
            continue
        atx = _ATX.match(line)
        setext = _SETEXT.match(line) if body and body[-1].strip() else None
        if atx:
            level, title = len(atx.group(1)), atx.group(2).strip()
        elif setext:
            level, title = (1 if "=" in line else 2), body.pop().strip()
            number -= 1
        else:
            body.append(line)
            continue
        close(number + (2 if setext and not atx else 1))
        while path and path[-1][0] >= level:
            path.pop()
        path.append((level, title))
    close(len(lines) + 1)
    return sections
