"""Image content parts: checked as the API checks them, and described deterministically.

A ``data:`` URL must decode to a PNG, JPEG, WEBP or GIF within the server's limits
(``image_max_bytes``, ``image_max_side``), or the request gets a 400 saying which image is
wrong and why. The description names the image's size, format and dominant colour
("a 640×480 PNG image, mostly red (#ff0000)"), so a test can tell which image a reply is about.

This is the one module of the server that needs more than the standard library: Pillow, to
decode. It is imported on first use, so text-only tests never load it.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

ACCEPTED = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
DETAILS = ("auto", "low", "high")
_DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<b64>;base64)?,(?P<data>.*)$", re.S)
COLOURS = {
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "grey": (128, 128, 128),
    "red": (255, 0, 0),
    "green": (0, 160, 0),
    "blue": (0, 0, 255),
    "yellow": (255, 255, 0),
    "cyan": (0, 255, 255),
    "magenta": (255, 0, 255),
    "orange": (255, 140, 0),
    "purple": (128, 0, 128),
    "brown": (140, 80, 20),
}


class ImageRejected(ValueError):
    """An image part the API would refuse; the message is the API's ``error.message``."""


@dataclass(frozen=True)
class SeenImage:
    width: int
    height: int
    format: str
    colour: tuple[int, int, int]

    @property
    def colour_name(self) -> str:
        def distance(name: str) -> int:
            return sum((a - b) ** 2 for a, b in zip(COLOURS[name], self.colour, strict=True))

        return min(COLOURS, key=distance)

    def describe(self) -> str:
        hex_colour = "#{:02x}{:02x}{:02x}".format(*self.colour)
        return (
            f"a {self.width}×{self.height} {self.format} image, "
            f"mostly {self.colour_name} ({hex_colour})"
        )


def image_parts(messages: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """Every ``image_url`` part in the conversation, with its message index."""
    if not isinstance(messages, list):
        return
    for index, message in enumerate(messages):
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and part.get("type") == "image_url":
                    yield index, part


def _decode_data_url(url: str, max_bytes: int) -> bytes:
    found = _DATA_URL.match(url)
    if found is None or not found["b64"]:
        raise ImageRejected("Invalid image URL: a data URL must look like data:image/png;base64,…")
    if found["mime"] not in ACCEPTED.values():
        raise ImageRejected(
            f"Invalid MIME type {found['mime']!r}. Only image types are supported: "
            + ", ".join(ACCEPTED.values())
            + "."
        )
    try:
        data = base64.b64decode(found["data"], validate=True)
    except (binascii.Error, ValueError):
        raise ImageRejected("Invalid base64 image data in the data URL.") from None
    if len(data) > max_bytes:
        raise ImageRejected(
            f"Image too large: {len(data)} bytes; the limit is {max_bytes} bytes per image."
        )
    return data


def inspect(data: bytes, max_side: int) -> SeenImage:
    """Decode the bytes and look at them; raises ImageRejected when they are no usable image."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            fmt = image.format or "unknown"
            size = image.size
            rgb = image.convert("RGB")
    except Exception:
        raise ImageRejected(
            "The image data in the data URL could not be decoded: it is not a valid image."
        ) from None
    if fmt not in ACCEPTED:
        raise ImageRejected(
            f"You uploaded an unsupported image ({fmt}). Please make sure your image is one of "
            "the following formats: png, jpeg, gif, webp."
        )
    if max(size) > max_side:
        raise ImageRejected(
            f"Image too large: {size[0]}×{size[1]} pixels; the longest side may be at most "
            f"{max_side} pixels."
        )
    rgb.thumbnail((64, 64))
    colours = rgb.getcolors(64 * 64) or [(1, (0, 0, 0))]
    _count, colour = max(colours)
    return SeenImage(size[0], size[1], fmt, colour)


def check_part(part: dict[str, Any], max_side: int, max_bytes: int) -> SeenImage | None:
    """Validate one image part; the image it holds, or None for a remote (unfetched) URL."""
    spec = part.get("image_url")
    if isinstance(spec, str):  # an older, still accepted shape
        spec = {"url": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("url"), str):
        raise ImageRejected("Invalid image part: 'image_url' must have a 'url' string.")
    if "detail" in spec and spec["detail"] not in DETAILS:
        raise ImageRejected(
            f"Invalid value for 'detail': {spec['detail']!r}. Supported values are: "
            "'low', 'high' and 'auto'."
        )
    url = spec["url"]
    if url.startswith(("http://", "https://")):
        return None
    return inspect(_decode_data_url(url, max_bytes), max_side)


def describe_part(part: dict[str, Any], max_side: int = 1 << 30, max_bytes: int = 1 << 40) -> str:
    """One line about an image part, for the deterministic reply (never raises)."""
    try:
        seen = check_part(part, max_side, max_bytes)
    except ImageRejected:
        return "an image that could not be read"
    if seen is None:
        return "an image at a remote URL (not fetched)"
    return seen.describe()
