"""An SDK tool result, tool or prompt made into Parley's plain values (mcp_types), with caps.

Read by attribute (duck typing), so this module imports nothing of the SDK.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Any

from desktop_app.services.mcp_types import (
    MAX_IMAGE_BYTES,
    MAX_RESULT_CHARS,
    ImagePart,
    PromptInfo,
    ResourceInfo,
    ToolInfo,
    ToolResult,
)


def tool_result(result: Any, duration: float) -> ToolResult:
    """The parts of a CallToolResult: texts (cut at MAX_RESULT_CHARS in all), images (each
    up to MAX_IMAGE_BYTES; a bigger or undecodable one is a line of text instead)."""
    texts: list[str] = []
    images: list[ImagePart] = []
    budget = MAX_RESULT_CHARS
    truncated = False

    def add_text(text: str) -> None:
        nonlocal budget, truncated
        if budget <= 0:
            truncated = True
            return
        if len(text) > budget:
            text = text[:budget] + (
                f"\n[… cut: the tool answered with more than {MAX_RESULT_CHARS:,} characters]"
            )
            truncated = True
        budget -= len(text)
        texts.append(text)

    for block in getattr(result, "content", None) or ():
        kind = getattr(block, "type", "")
        if kind == "text":
            add_text(str(getattr(block, "text", "")))
        elif kind == "image":
            image = _image(getattr(block, "data", ""), getattr(block, "mime_type", ""))
            if isinstance(image, ImagePart):
                images.append(image)
            else:
                truncated = truncated or image.startswith("[image too large")
                add_text(image)
        elif kind == "resource":
            resource = getattr(block, "resource", None)
            text = getattr(resource, "text", None)
            if isinstance(text, str):
                add_text(text)
            else:
                add_text(f"[a resource: {getattr(resource, 'uri', '')}]")
        elif kind == "resource_link":
            add_text(f"[a link to {getattr(block, 'uri', '')}]")
        elif kind == "audio":
            add_text("[audio, which Parley does not play]")
    structured = getattr(result, "structured_content", None)
    if structured is not None and not isinstance(structured, dict):
        structured = {"value": structured}
    return ToolResult(
        tuple(texts),
        tuple(images),
        structured,
        bool(getattr(result, "is_error", False)),
        duration,
        truncated,
    )


def _image(data: str, mime_type: str) -> ImagePart | str:
    if len(data) * 3 // 4 > MAX_IMAGE_BYTES:
        return f"[image too large to show: over {MAX_IMAGE_BYTES // (1024 * 1024)} MB]"
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return "[an image that could not be decoded]"
    return ImagePart(raw, mime_type or "application/octet-stream")


def tool_infos(server: str, tools: Iterable[Any]) -> tuple[ToolInfo, ...]:
    return tuple(
        ToolInfo(
            server,
            str(tool.name),
            str(getattr(tool, "description", None) or ""),
            dict(getattr(tool, "input_schema", None) or {"type": "object"}),
            getattr(tool, "output_schema", None),
            str(getattr(tool, "title", None) or ""),
        )
        for tool in tools
    )


def prompt_infos(server: str, prompts: Iterable[Any]) -> tuple[PromptInfo, ...]:
    return tuple(
        PromptInfo(
            server,
            str(p.name),
            str(getattr(p, "description", None) or ""),
            tuple(str(a.name) for a in getattr(p, "arguments", None) or ()),
        )
        for p in prompts
    )


def resource_infos(server: str, resources: Iterable[Any]) -> tuple[ResourceInfo, ...]:
    return tuple(
        ResourceInfo(
            server,
            str(r.uri),
            str(getattr(r, "name", None) or ""),
            str(getattr(r, "description", None) or ""),
            str(getattr(r, "mime_type", None) or ""),
        )
        for r in resources
    )
