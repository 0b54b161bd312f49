"""HTML → `Section`s under their heading paths, with the standard library's parser.

Text inside `script`, `style`, `template` and `head` is dropped; block elements end a line;
`h1`–`h6` start a section whose heading path is the headings above it.
"""

from __future__ import annotations

from html.parser import HTMLParser

from desktop_app.core.knowledge_chunks import Section

_SKIPPED = frozenset(("script", "style", "template", "head", "noscript"))
_BLOCKS = frozenset(
    ("p", "div", "br", "li", "tr", "section", "article", "pre", "blockquote", "table", "ul", "ol")
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}


class _SectionParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[Section] = []
        self._path: list[tuple[int, str]] = []
        self._body: list[str] = []
        self._title: list[str] | None = None
        self._level = 0
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        elif tag in _HEADINGS:
            self._flush()
            self._title, self._level = [], _HEADINGS[tag]
        elif tag in _BLOCKS:
            self._body.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _HEADINGS and self._title is not None:
            title = " ".join("".join(self._title).split())
            while self._path and self._path[-1][0] >= self._level:
                self._path.pop()
            if title:
                self._path.append((self._level, title))
            self._title = None
        elif tag in _BLOCKS:
            self._body.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        (self._title if self._title is not None else self._body).append(data)

    def _flush(self) -> None:
        lines = [" ".join(line.split()) for line in "".join(self._body).splitlines()]
        text = "\n".join(line for line in lines if line)
        if text:
            self.sections.append(Section(text, heading=tuple(t for _, t in self._path)))
        self._body = []

    def close(self) -> None:
        super().close()
        self._flush()


def html_sections(markup: str) -> list[Section]:
    parser = _SectionParser()
    parser.feed(markup)
    parser.close()
    return parser.sections
