"""The deterministic Responses reply: text, tool calls and citations derived from the request.

Like ``expected_reply`` for chat completions, the text says what reached the server (model,
instructions, temperature, tools, the last user message), so a test can assert what was sent
by reading what came back. A web search "finds" one page named after the query and the reply
cites it; a file search finds the uploaded files that share a word with the query.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from .replies import content_text

SEARCH_HOST = "https://search.example"


@dataclass
class Reply:
    """What the server answers: output items for tools, then the message and its citations."""

    text: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    annotations: list[dict[str, Any]] = field(default_factory=list)


def item_text(item: Any) -> tuple[str, int]:
    """Text and image count of one input item (Responses parts or chat-style parts)."""
    content = item.get("content") if isinstance(item, dict) else None
    if isinstance(content, list):
        texts = [
            p.get("text", "")
            for p in content
            if isinstance(p, dict) and p.get("type") in ("input_text", "output_text", "text")
        ]
        images = sum(
            1 for p in content if isinstance(p, dict) and p.get("type") in ("input_image",)
        )
        return " ".join(t for t in texts if isinstance(t, str)), images
    return content_text(content)


def input_items(body: dict[str, Any]) -> list[Any]:
    value = body.get("input")
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    return value if isinstance(value, list) else []


def last_user_text(body: dict[str, Any]) -> tuple[str, int]:
    for item in reversed(input_items(body)):
        if not isinstance(item, dict) or item.get("type", "message") != "message":
            continue  # a function call or its output
        if item.get("role", "user") == "user":
            return item_text(item)
    return "", 0


def search_page(query: str) -> tuple[str, str]:
    """(title, url) of the one page a web search for ``query`` finds."""
    slug = re.sub(r"[^a-z0-9]+", "-", query.lower()).strip("-")[:40] or "nothing"
    return f"About {query[:40]}", f"{SEARCH_HOST}/{slug}"


def _tool_types(body: dict[str, Any]) -> list[str]:
    tools = body.get("tools") or []
    return [t.get("type", "?") for t in tools if isinstance(t, dict)]


def build_reply(body: dict[str, Any], search_files: Any) -> Reply:
    """``search_files(store_ids, query)`` is the vector stores' search (server state)."""
    text, images = last_user_text(body)
    flat = " ".join(text.split())
    instructions = body.get("instructions")
    instructions = " ".join(instructions.split())[:40] if isinstance(instructions, str) else ""
    temperature = body.get("temperature")
    types = _tool_types(body)
    lines = [
        f"**{body['model']}** answered through Responses: “{flat}”",
        "",
        f"- input items: {len(input_items(body))}",
        f"- instructions: {instructions or 'none'}",
        f"- temperature: {'default' if temperature is None else temperature}",
        f"- tools: {', '.join(types) or 'none'}",
        f"- images attached: {images}",
    ]
    reply = Reply("\n".join(lines) + "\n")
    if any(t.startswith("web_search") for t in types):
        title, url = search_page(flat)
        reply.tool_calls.append(
            {
                "id": f"ws_{uuid.uuid4().hex[:16]}",
                "type": "web_search_call",
                "status": "completed",
                "action": {
                    "type": "search",
                    "query": flat,
                    "sources": [{"type": "url", "url": url}],
                },
            }
        )
        sentence = f"\nThe web has a page on it: [{title}]({url}).\n"
        start = len(reply.text) + sentence.index("[")
        reply.text += sentence
        reply.annotations.append(
            {
                "type": "url_citation",
                "start_index": start,
                "end_index": start + len(title) + len(url) + 4,
                "title": title,
                "url": url,
            }
        )
    for tool in body.get("tools") or []:
        if not (isinstance(tool, dict) and tool.get("type") == "file_search"):
            continue
        results = search_files(tool.get("vector_store_ids") or [], flat)
        include = body.get("include") or []
        reply.tool_calls.append(
            {
                "id": f"fs_{uuid.uuid4().hex[:16]}",
                "type": "file_search_call",
                "status": "completed",
                "queries": [flat],
                "results": results if "file_search_call.results" in include else None,
            }
        )
        for result in results[:3]:
            sentence = f"\nYour file {result['filename']} mentions it.\n"
            reply.annotations.append(
                {
                    "type": "file_citation",
                    "index": len(reply.text) + len(sentence) - 1,
                    "file_id": result["file_id"],
                    "filename": result["filename"],
                }
            )
            reply.text += sentence
    return reply
