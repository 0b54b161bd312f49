"""PDF and Word files → `Section`s (pypdf and python-docx, imported on first use).

A PDF gives one section per page that has text, numbered from 1 as a viewer numbers them. A
PDF whose pages give no text at all is a scan (it needs OCR, which Parley does not do); an
encrypted one that opens with no password is read, one that needs a password is skipped.
A .docx gives a section per heading (the built-in "Heading N" and "Title" styles).
"""

from __future__ import annotations

from pathlib import Path

from desktop_app.core.knowledge_chunks import Section


class Unreadable(Exception):
    """A file that cannot be indexed; the message says why, for the per-file status."""


def pdf_sections(path: Path) -> tuple[list[Section], int]:
    """(the pages with text, how many pages the file has)."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise Unreadable("encrypted: it needs a password")
        sections = []
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text() or ""
            if text.strip():
                sections.append(Section(text, page=number))
        pages = len(reader.pages)
    except FileNotDecryptedError:
        raise Unreadable("encrypted: it needs a password") from None
    except Unreadable:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise Unreadable(f"not a readable PDF ({type(exc).__name__})") from None
    if pages and not sections:
        raise Unreadable("no text in it: a scanned PDF needs OCR first")
    return sections, pages


def _heading_level(style_name: str) -> int | None:
    if style_name == "Title":
        return 0
    if style_name.startswith("Heading "):
        tail = style_name.removeprefix("Heading ").strip()
        return int(tail) if tail.isdigit() else None
    return None


def docx_sections(path: Path) -> list[Section]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
        paragraphs = [
            (p.style.name if p.style is not None else "", p.text) for p in document.paragraphs
        ]
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise Unreadable(f"not a readable Word document ({type(exc).__name__})") from None
    except Exception as exc:  # a zip that is no docx raises from deep inside lxml or zipfile
        raise Unreadable(f"not a readable Word document ({type(exc).__name__})") from None
    sections: list[Section] = []
    path_: list[tuple[int, str]] = []
    body: list[str] = []

    def close() -> None:
        if "".join(body).strip():
            sections.append(Section("\n".join(body), heading=tuple(t for _, t in path_)))
        body.clear()

    for style, text in paragraphs:
        level = _heading_level(style or "")
        if level is None or not text.strip():
            body.append(text)
            continue
        close()
        while path_ and path_[-1][0] >= level:
            path_.pop()
        path_.append((level, text.strip()))
    close()
    return sections
