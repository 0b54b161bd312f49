"""Documents → passages for a knowledge base, each with where it came from.

A reader (services) turns a file into `Section`s: a PDF page, a run of text under one heading
path, or a whole text file, each knowing its page or heading path and first line. Here a
section is cut into `Chunk`s of at most `budget` tokens (counted by the function given, the
approximate count by default: chunking must be fast, and its budget is a target, not a limit
a server enforces), on line boundaries where possible, each overlapping the one before by
about `overlap` tokens so that a sentence cut at a boundary is whole in one of them. A line
longer than the budget is cut between words. A chunk's id hashes its file, position and text:
the same passage keeps its id across re-indexing, a changed one gets a new id.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from desktop_app.core.token_count import approximate_tokens

DEFAULT_BUDGET = 256
DEFAULT_OVERLAP = 32
_WORDS = re.compile(r"\S+\s*")
Count = Callable[[str], int]


@dataclass(frozen=True)
class Section:
    """A run of a document's text with one position: `page` (1-based, PDF), `heading` (the
    path of headings above it), `first_line` (1-based line in the file, for text and code)."""

    text: str
    page: int | None = None
    heading: tuple[str, ...] = ()
    first_line: int | None = None


@dataclass(frozen=True)
class Chunk:
    """One passage: its text and source position. `lines` is (first, last), 1-based."""

    id: str
    file: str
    ordinal: int  # its place in the file, from 0
    text: str
    tokens: int
    page: int | None = None
    heading: tuple[str, ...] = ()
    lines: tuple[int, int] | None = None

    @property
    def source(self) -> str:
        """Where it is, for a person: "report.pdf, page 3", "notes.md › Setup › Install"."""
        return source_label(self.file, self.page, self.heading, self.lines)


def source_label(
    file: str,
    page: int | None = None,
    heading: Sequence[str] = (),
    lines: tuple[int, int] | None = None,
) -> str:
    name = file.replace("\\", "/").rsplit("/", 1)[-1]
    label = name
    if page is not None:
        label += f", page {page}"
    if heading:
        label += " › " + " › ".join(heading)
    if lines is not None and page is None:
        first, last = lines
        label += f", line {first}" if first == last else f", lines {first}–{last}"
    return label


def chunk_id(file: str, position: str, text: str) -> str:
    digest = hashlib.sha256(f"{file}\0{position}\0{text}".encode()).hexdigest()
    return digest[:24]


@dataclass(frozen=True)
class _Unit:
    text: str
    line: int | None
    tokens: int


def _units(section: Section, budget: int, count: Count) -> Iterator[_Unit]:
    """The section's lines (with their numbers), lines over budget cut between words."""
    for offset, line in enumerate(section.text.splitlines()):
        number = None if section.first_line is None else section.first_line + offset
        tokens = count(line)
        if tokens <= budget:
            yield _Unit(line, number, tokens)
            continue
        piece: list[str] = []
        piece_tokens = 0
        for word in _WORDS.findall(line):
            word_tokens = count(word)
            if piece and piece_tokens + word_tokens > budget:
                yield _Unit("".join(piece).rstrip(), number, piece_tokens)
                piece, piece_tokens = [], 0
            piece.append(word)
            piece_tokens += word_tokens
        if piece:
            yield _Unit("".join(piece).rstrip(), number, piece_tokens)


def _packed(units: list[_Unit], budget: int, overlap: int) -> Iterator[list[_Unit]]:
    """Greedy runs of units within `budget`, each starting with the tail of the one before
    (at most `overlap` tokens of it, and never all of it, so every run moves on)."""
    current: list[_Unit] = []
    tokens = 0
    for unit in units:
        if current and tokens + unit.tokens > budget:
            yield current
            tail: list[_Unit] = []
            tail_tokens = 0
            for kept in reversed(current[1:]):
                grown = tail_tokens + kept.tokens
                if grown > overlap or grown + unit.tokens > budget:
                    break
                tail.insert(0, kept)
                tail_tokens += kept.tokens
            current, tokens = tail, tail_tokens
        current.append(unit)
        tokens += unit.tokens
    if current:
        yield current


def chunk_sections(
    file: str,
    sections: Sequence[Section],
    budget: int = DEFAULT_BUDGET,
    overlap: int = DEFAULT_OVERLAP,
    count: Count = approximate_tokens,
) -> list[Chunk]:
    """Every chunk of a document, in reading order. Blank sections give none."""
    if budget < 1 or not 0 <= overlap < budget:
        raise ValueError("the budget must be positive and the overlap smaller than it")
    chunks: list[Chunk] = []
    for section in sections:
        units = [u for u in _units(section, budget, count) if u.text.strip()]
        for index, run in enumerate(_packed(units, budget, overlap)):
            text = "\n".join(u.text for u in run).strip()
            numbers = [u.line for u in run if u.line is not None]
            lines = (numbers[0], numbers[-1]) if numbers else None
            position = f"{section.page}|{'/'.join(section.heading)}|{lines}|{index}"
            chunks.append(
                Chunk(
                    chunk_id(file, position, text),
                    file,
                    len(chunks),
                    text,
                    sum(u.tokens for u in run),
                    section.page,
                    section.heading,
                    lines,
                )
            )
    return chunks
