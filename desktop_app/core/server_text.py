"""What a server said when it refused a request, in a form a person can read.

Servers put the reason in different places: OpenAI in ``{"error": {"message": …}}``, others in
``{"error": "text"}``, FastAPI-based ones (llama-cpp-python, mockllm, …) in ``{"detail": "text"}``
or ``{"detail": [{"msg": …}, …]}``, some in ``{"message": …}``; a streaming server may answer
an error status with its body still an SSE event (LiteLLM 1.80: ``data: {"error": …}``, which
the SDK hands over as text), read as the JSON it carries; a crashed server may answer with its
traceback as plain text, a proxy with an HTML page. `reason` finds the text in any of
them and cleans it: a traceback becomes its last line (the exception itself), a page its
title, and nothing runs past a few lines — a banner shows what went wrong, not twenty lines of
someone else's stack. `first_sentence` shortens it further where one line is all there is room
for (a tooltip, a probe's note).
"""

from __future__ import annotations

import re
from typing import Any

from desktop_app.core.json_guard import loads

LIMIT = 500  # characters: a few lines of a banner
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")
_MAX_DEPTH = 4  # bodies nest {"error": {"error": …}} at most a few levels in practice


def reason(body: Any) -> str:
    """The server's reason as one readable sentence, or "" when there is none."""
    return _trim(_find(body, 0))


def _find(body: Any, depth: int) -> str:
    if depth > _MAX_DEPTH:
        return ""
    if isinstance(body, str):
        carried = _carried_json(body)
        return body if carried is None else _find(carried, depth + 1)
    if isinstance(body, list):  # FastAPI's validation errors: [{"loc": …, "msg": …}, …]
        found = (_find(item, depth + 1) for item in body[:5])
        return "; ".join(text for text in found if text)
    if not isinstance(body, dict):
        return ""
    for key in ("message", "error", "detail", "msg"):
        text = _find(body.get(key), depth + 1)
        if text:
            return text
    return ""


def _carried_json(text: str) -> Any:
    """The JSON object in a text that is one (or an SSE event's `data:` line), else None."""
    text = text.lstrip()
    if text.startswith("data:"):
        text = text[len("data:") :].split("\n", 1)[0]
    text = text.strip()
    if not text.startswith("{"):
        return None
    try:
        value = loads(text)
    except ValueError:  # JSONDecodeError and JsonTooDeep are ValueErrors
        return None
    return value if isinstance(value, dict) else None


def _trim(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    if "Traceback (most recent call last)" in text:  # the exception line says what happened
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        text = lines[-1] if lines else ""
    elif text.startswith("<"):  # an HTML page: its title or first words, without markup
        title = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        text = title.group(1) if title else _TAGS.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    return _cap(text, LIMIT)


def first_sentence(text: str, limit: int = 160) -> str:
    """The first sentence of a reason (at most `limit` characters)."""
    return _cap(_SENTENCE_END.split(text.strip(), maxsplit=1)[0], limit)


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
