"""One file of a knowledge base → its sections, or the reason it is skipped.

Kinds go by extension: text and code as text (line numbers), Markdown (heading paths), HTML
(heading paths, standard library), PDF (page numbers, pypdf) and Word .docx (headings,
python-docx). Every file gets a status, indexed or skipped with a reason a person can act on:
too large, unsupported, encrypted, a scan without text, unreadable or corrupt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.core.knowledge_chunks import Section
from desktop_app.core.knowledge_sections import markdown_sections, text_sections
from desktop_app.services.knowledge_documents import Unreadable, docx_sections, pdf_sections

INDEXED, SKIPPED = "indexed", "skipped"
MAX_BYTES = 200 * 1024 * 1024
TEXT_SUFFIXES = frozenset(
    [
        ".txt",
        ".text",
        ".log",
        ".csv",
        ".tsv",
        ".json",
        ".jsonl",
        ".yaml",
        ".yml",
        ".toml",
        ".ini",
        ".cfg",
        ".rst",
        ".tex",
        ".xml",
        ".py",
        ".pyi",
        ".js",
        ".ts",
        ".tsx",
        ".jsx",
        ".java",
        ".kt",
        ".c",
        ".h",
        ".cpp",
        ".hpp",
        ".cc",
        ".cs",
        ".go",
        ".rs",
        ".rb",
        ".php",
        ".swift",
        ".sh",
        ".bash",
        ".zsh",
        ".ps1",
        ".sql",
        ".r",
        ".m",
        ".scala",
        ".lua",
        ".pl",
        ".css",
        ".scss",
        ".vue",
    ]
)
MARKDOWN_SUFFIXES = frozenset((".md", ".markdown", ".mdx"))
HTML_SUFFIXES = frozenset((".html", ".htm", ".xhtml"))
SUPPORTED = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | {".pdf", ".docx"}


@dataclass
class ReadResult:
    status: str  # INDEXED or SKIPPED
    reason: str = ""
    sections: list[Section] = field(default_factory=list)
    pages: int = 0  # PDF pages, or 1 for any other document


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED


def _decoded(data: bytes) -> str:
    if b"\0" in data[:8192]:
        raise Unreadable("binary content, not text")
    for encoding in (
        ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",)
    ):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # never fails; old Windows text files are mostly this


def read_document(path: Path, max_bytes: int = MAX_BYTES) -> ReadResult:
    """Never raises for a bad file: the result says why it was skipped."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        return ReadResult(SKIPPED, f"unsupported file type ({suffix or 'no extension'})")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return ReadResult(
                SKIPPED, f"too large ({size / 1e6:.0f} MB; the limit is {max_bytes / 1e6:.0f} MB)"
            )
        if suffix == ".pdf":
            sections, pages = pdf_sections(path)
            return ReadResult(INDEXED, sections=sections, pages=pages)
        if suffix == ".docx":
            return ReadResult(INDEXED, sections=docx_sections(path), pages=1)
        text = _decoded(path.read_bytes())
    except Unreadable as exc:
        return ReadResult(SKIPPED, str(exc))
    except OSError as exc:
        return ReadResult(SKIPPED, f"unreadable ({exc.strerror or type(exc).__name__})")
    if suffix in MARKDOWN_SUFFIXES:
        sections = markdown_sections(text)
    elif suffix in HTML_SUFFIXES:
        from desktop_app.services.knowledge_html import html_sections

        sections = html_sections(text)
    else:
        sections = text_sections(text)
    if not sections:
        return ReadResult(SKIPPED, "empty: no text in it")
    return ReadResult(INDEXED, sections=sections, pages=max(1, text.count("\f") + 1))
