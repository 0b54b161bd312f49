"""Code to inline-styled HTML with Pygments, imported on first use (it is not needed to start)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=4)
def _formatter(style: str) -> Any:
    from pygments.formatters import HtmlFormatter

    # Inline styles: Qt's rich text understands `style="color: …"` but not CSS classes.
    return HtmlFormatter(noclasses=True, nowrap=True, style=style)


def highlight_html(code: str, language: str, dark: bool = False) -> str:
    """HTML spans for `code`; unknown languages are guessed, and plain text is escaped."""
    from pygments import highlight
    from pygments.lexers import TextLexer, get_lexer_by_name, guess_lexer
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language) if language else guess_lexer(code)
    except ClassNotFound:
        lexer = TextLexer()
    style = "monokai" if dark else "default"
    return highlight(code, lexer, _formatter(style)).rstrip("\n")
