"""The deterministic assistant: what the server answers, so tests can assert exact text.

The reply is derived from the request (model, last user message, system instruction, number of
messages and images) so a test can tell that the right conversation reached the server, and
it is Markdown with bold text, a list and a fenced code block so rendering gets exercised.
Each image in the last user message adds a line describing it (size, format, main colour).
"""

from __future__ import annotations

import re
from typing import Any

from .images import describe_part

_PIECE = re.compile(r"\S+\s*|\s+")


def content_text(content: Any) -> tuple[str, int]:
    """The text of a message's ``content`` and how many images it carries.

    Content is either a string or a list of parts (``{"type": "text", "text": ...}``,
    ``{"type": "image_url", ...}``); text parts are joined with a space.
    """
    if isinstance(content, str):
        return content, 0
    if not isinstance(content, list):
        return "", 0
    texts: list[str] = []
    images = 0
    for part in content:
        if not isinstance(part, dict):
            continue
        if part.get("type") == "text" and isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif part.get("type") == "image_url":
            images += 1
    return " ".join(texts), images


def last_user(messages: list[dict[str, Any]]) -> tuple[str, int]:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return content_text(message.get("content"))
    return "", 0


def _last_user_images(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if not isinstance(content, list):
                return []
            return [p for p in content if isinstance(p, dict) and p.get("type") == "image_url"]
    return []


def _instruction(messages: list[dict[str, Any]]) -> str:
    for message in messages:
        if isinstance(message, dict) and message.get("role") in ("system", "developer"):
            text = " ".join(content_text(message.get("content"))[0].split())
            return text[:40] or "none"
    return "none"


_WORDS = (
    "the",
    "reply",
    "streams",
    "word",
    "by",
    "word",
    "while",
    "the",
    "window",
    "stays",
    "smooth",
    "and",
    "every",
    "block",
    "is",
    "laid",
    "out",
    "once",
    "so",
    "long",
    "answers",
    "cost",
    "no",
    "more",
    "per",
    "token",
    "than",
    "short",
    "ones",
    "do",
)
LONG_PROMPT = re.compile(r"^LONG (paragraphs|unbroken) (\d{1,7})$")


def long_reply(shape: str, tokens: int) -> str:
    """A reply of about `tokens` word pieces (one streamed chunk each), for benchmarks:
    "paragraphs" of 60 words, or one "unbroken" paragraph; a few words are bold or code."""
    words = []
    for n in range(tokens):
        word = _WORDS[(n * 7 + n // 13) % len(_WORDS)]
        if n % 97 == 5:
            word = f"**{word}**"
        elif n % 89 == 11:
            word = f"`{word}`"
        words.append(word)
    if shape == "unbroken":
        return " ".join(words) + "\n"
    paragraphs = [" ".join(words[i : i + 60]) for i in range(0, len(words), 60)]
    return "\n\n".join(paragraphs) + "\n"


def expected_reply(messages: list[dict[str, Any]], model: str) -> str:
    """The exact reply the server gives to ``messages`` sent to ``model``.

    A last message "LONG paragraphs 10000" (or "LONG unbroken N") asks for `long_reply`."""
    text, images = last_user(messages)
    asked = LONG_PROMPT.match(text.strip())
    if asked:
        return long_reply(asked.group(1), int(asked.group(2)))
    flat = " ".join(text.split())
    lines = [
        f"**{model}** heard {len(text.split())} word(s): “{flat}”",
        "",
        f"- messages in the conversation: {len(messages)}",
        f"- system instruction: {_instruction(messages)}",
        f"- images attached: {images}",
        *(
            f"- image {number}: {describe_part(part)}"
            for number, part in enumerate(_last_user_images(messages), start=1)
        ),
        "",
        "```python",
        f"print({text!r})",
        "```",
    ]
    return "\n".join(lines) + "\n"


def split_into_chunks(text: str) -> list[str]:
    """Word-sized pieces that keep their whitespace: ``"".join(pieces) == text``."""
    return _PIECE.findall(text)
