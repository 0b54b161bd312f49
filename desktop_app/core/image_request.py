"""Pure builders for requests that carry images, and which models can take them.

Images travel inside a user message as content parts (`{"type": "image_url", ...}`) holding a
base64 `data:` URL, so nothing has to be uploaded or hosted first.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

DEFAULT_PROMPT = "Describe this image in detail."
DETAILS = ("auto", "low", "high")

# Model names that take images, for servers that do not say so in their model list.
_VISION_NAMES = re.compile(
    r"^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-4-turbo|o1(?!-mini|-preview)|o3(?!-mini)|o4)"
    r"|vision|llava|bakllava|moondream|pixtral|qwen.*-?vl|minicpm-v|gemma-?3|llama-?3\.2.*vision"
    r"|llama-?4|claude-3|gemini|internvl|cogvlm|molmo|idefics",
    re.IGNORECASE,
)
_NOT_VISION = re.compile(r"audio|realtime|transcribe|tts|embedding|search|moderation", re.I)


def data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def image_part(url: str, detail: str = "auto") -> dict[str, Any]:
    if detail not in DETAILS:
        raise ValueError(f"detail must be one of {', '.join(DETAILS)}")
    return {"type": "image_url", "image_url": {"url": url, "detail": detail}}


def user_content(text: str, image_urls: Sequence[str], detail: str = "auto") -> Any:
    """A user message's `content`: the plain text, or text and image parts when there are any."""
    if not image_urls:
        return text
    parts: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    parts.extend(image_part(url, detail) for url in image_urls)
    return parts


def describe_messages(
    prompt: str, image_url: str, detail: str = "auto", system: str = ""
) -> list[dict[str, Any]]:
    """The `messages` for describing one image."""
    messages: list[dict[str, Any]] = []
    if system.strip():
        messages.append({"role": "system", "content": system.strip()})
    content = user_content(prompt.strip() or DEFAULT_PROMPT, [image_url], detail)
    messages.append({"role": "user", "content": content})
    return messages


def _as_words(value: Any) -> set[str] | None:
    if isinstance(value, str):
        return {value.lower()}
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return {str(v).lower() for v in value}
    return None


def takes_images(model_id: str, metadata: Mapping[str, Any] | None = None) -> bool:
    """Whether a model accepts image input.

    The server's word wins when its model entry says (`input_modalities` or `modalities`
    listing "image", or `capabilities` naming "vision"/"image" — lists or {name: true}); else
    a guess from the name.
    """
    metadata = metadata or {}
    architecture = metadata.get("architecture")
    if isinstance(architecture, Mapping) and "input_modalities" in architecture:
        metadata = {**metadata, "input_modalities": architecture["input_modalities"]}
    for key in ("input_modalities", "modalities"):
        words = _as_words(metadata.get(key))
        if words is not None:
            return "image" in words or "vision" in words
    capabilities = metadata.get("capabilities")
    if isinstance(capabilities, Mapping):
        for key in ("vision", "image_input", "images", "image"):
            if key in capabilities:
                return bool(capabilities[key])
    else:
        words = _as_words(capabilities)
        if words:  # the server listed what the model does: images are in it or not
            return bool(words & {"vision", "image", "image_input", "images"})
    return bool(_VISION_NAMES.search(model_id)) and not _NOT_VISION.search(model_id)
