"""Markdown prose as the HTML subset Qt's rich text draws, and as plain text.

markdown-it-py renders CommonMark; a few tags are adjusted for Qt: tables get borders and
padding as attributes (Qt reads those, not CSS borders), images become links (the transcript
never fetches anything from the network), and a task-list box becomes a glyph.
"""

from __future__ import annotations

import html
import re
from typing import Any

from desktop_app.core.reply_blocks import markdown_parser

_IMG = re.compile(r'<img src="([^"]*)" alt="([^"]*)"[^>]*>')
_TASK = re.compile(r"<li>(?:<p>)?\[( |x|X)\] ")


def prose_html(markdown: str) -> str:
    """HTML for one prose block (or a run of them)."""
    rendered = markdown_parser().render(markdown)
    rendered = rendered.replace(
        "<table>", '<table border="1" cellspacing="0" cellpadding="6" width="100%">'
    )
    rendered = _IMG.sub(
        lambda m: f'<a href="{m.group(1)}">[image: {m.group(2) or "link"}]</a>', rendered
    )
    rendered = _TASK.sub(lambda m: "<li>" + ("☑ " if m.group(1) != " " else "☐ "), rendered)
    return rendered.strip()


def markdown_to_text(markdown: str) -> str:
    """The words of a Markdown text without its marks: what "Copy as plain text" gives."""
    lines: list[str] = []
    for token in markdown_parser().parse(markdown):
        if token.type == "inline":
            lines.append(_inline_text(token))
        elif token.type in ("fence", "code_block"):
            lines.append(token.content.rstrip("\n"))
        elif token.type == "hr":
            lines.append("—" * 3)
    return "\n\n".join(line for line in lines if line is not None).strip()


def _inline_text(token: Any) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak",):
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content or "image")
    return "".join(parts)


def escape(text: str) -> str:
    return html.escape(text, quote=True)
