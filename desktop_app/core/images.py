"""Turn whatever the user dropped into an image the API accepts, or say clearly why not.

Pillow is imported inside the functions, never at module level: start-up does not pay for it,
and the Images tab only pays the first time it opens an image. Everything here is blocking and
CPU-bound; callers run it in a worker thread (`asyncio.to_thread`).

What "accepts" means (OpenAI's vision guide): PNG, JPEG, WEBP or non-animated GIF, at most
20 MB. With detail "low" the model sees a 512-pixel version; with "high" (and "auto") the
server fits the image in 2048×2048 and then shrinks it until its short side is at most 768
pixels. Sending more than that costs upload time and buys nothing, so we shrink to the same
size first.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.core.image_formats import OPEN_FORMATS, describe_non_image

MB = 1024 * 1024
# Pillow's default MAX_IMAGE_PIXELS (about 9459×9459): beyond it Pillow warns of a possible
# decompression bomb, beyond twice it refuses. We refuse from the first threshold, with a reason.
MAX_SOURCE_PIXELS = 89_478_485
MAX_FILE_BYTES = 256 * MB
# Formats kept lossless (PNG) when re-encoded; photographs (JPEG and the like) stay JPEG.
_PHOTO_FORMATS = {"JPEG", "MPO", "WEBP", "HEIF", "AVIF", "JPEG2000"}
_MIME = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
_EXT = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
_ORIENTATION_TAG = 0x0112
_DAMAGED = "The image data is damaged: its pixels cannot be decoded."
_SWAPPING_ORIENTATIONS = (5, 6, 7, 8)


@dataclass(frozen=True)
class ImageLimits:
    """What one image sent to the API may be: sides in pixels, encoded size in bytes."""

    max_side: int
    max_short_side: int
    max_bytes: int = 20 * MB


LIMITS = {
    "low": ImageLimits(512, 512),
    "high": ImageLimits(2048, 768),
    "auto": ImageLimits(2048, 768),
}


class ImageError(ValueError):
    """The input cannot be sent as an image; the message says why, for the user."""


@dataclass(frozen=True)
class PreparedImage:
    """An image ready to send: encoded bytes plus what was done to get there."""

    data: bytes
    mime: str
    ext: str
    width: int
    height: int
    source_width: int
    source_height: int
    source_format: str
    notes: tuple[str, ...] = ()
    name: str = ""  # what the user calls it (the file's name), kept with a stored attachment


@dataclass(frozen=True)
class ImageFacts:
    """What a quick look at an image found, with a small PNG preview."""

    width: int
    height: int
    format: str
    thumbnail: bytes
    thumbnail_size: tuple[int, int]


Source = Path | bytes


def fit_size(width: int, height: int, limits: ImageLimits) -> tuple[int, int]:
    """The largest size within `limits` with the same aspect ratio (never larger than now)."""
    long_side, short_side = max(width, height), min(width, height)
    scale = min(1.0, limits.max_side / long_side, limits.max_short_side / short_side)
    if scale >= 1.0:
        return width, height
    return max(1, math.floor(width * scale)), max(1, math.floor(height * scale))


# --- opening -------------------------------------------------------------------------------


def _read_head(source: Source, size: int = 512) -> bytes:
    if isinstance(source, bytes):
        return source[:size]
    with source.open("rb") as handle:
        return handle.read(size)


def _check_size(source: Source) -> None:
    if isinstance(source, bytes):
        size = len(source)
    else:
        try:
            size = source.stat().st_size
        except FileNotFoundError:
            raise ImageError("The file no longer exists.") from None
        except OSError as exc:
            raise ImageError(
                f"The file could not be read ({exc.strerror or 'system error'})."
            ) from None
        if source.is_dir():
            raise ImageError("This is a folder, not an image.")
    if size == 0:
        raise ImageError("The file is empty (0 bytes).")
    if size > MAX_FILE_BYTES:
        raise ImageError(
            f"The file is {size / MB:.0f} MB; Parley opens images up to {MAX_FILE_BYTES // MB} MB."
        )


def _bomb_message(width: int | None = None, height: int | None = None) -> str:
    size = (
        f" It is {width}×{height} ({width * height / 1e6:.0f} megapixels)."
        if width and height
        else ""
    )
    return (
        f"The image is too large to open safely.{size} Parley decodes images up to "
        f"{MAX_SOURCE_PIXELS / 1e6:.0f} megapixels (larger ones can be decompression bombs); "
        "scale it down first."
    )


def _open(source: Source) -> Any:
    """Open lazily (header only) and check the pixel count before anything is decoded."""
    from PIL import Image, UnidentifiedImageError

    _check_size(source)
    try:
        # Only the formats Parley accepts: never EPS/PS/PDF (Ghostscript) or any other plugin.
        image = Image.open(
            io.BytesIO(source) if isinstance(source, bytes) else source, formats=OPEN_FORMATS
        )
    except UnidentifiedImageError:
        raise ImageError(describe_non_image(_read_head(source))) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # The warning is raised rather than printed when warnings are errors (as in tests).
        raise ImageError(_bomb_message()) from None
    except (OSError, SyntaxError, ValueError):
        raise ImageError(
            "The image could not be opened: its header is damaged or in a variant Parley "
            "cannot read."
        ) from None
    width, height = image.size
    if width * height > MAX_SOURCE_PIXELS:
        image.close()
        raise ImageError(_bomb_message(width, height))
    if width < 1 or height < 1:
        image.close()
        raise ImageError("The image has no pixels.")
    return image


def _load(image: Any) -> None:
    """Decode the pixels; a damaged file fails here, with a sentence saying so."""
    try:
        image.load()
    except MemoryError:
        raise ImageError("There is not enough memory to open this image.") from None
    except OSError as exc:
        text = str(exc)
        if "truncated" in text or "broken data stream" in text:
            raise ImageError(
                "The image file is damaged or incomplete (truncated); it may not have finished "
                "downloading or copying."
            ) from None
        raise ImageError(_DAMAGED) from None
    except Exception:  # decoders raise SyntaxError, ValueError, struct.error, EOFError…
        raise ImageError(_DAMAGED) from None


def _orientation(image: Any) -> int:
    try:
        return int(image.getexif().get(_ORIENTATION_TAG, 1))
    except Exception:  # a broken EXIF block must not make a good image unusable
        return 1


def _draft(image: Any, limits: ImageLimits) -> None:
    """Let the JPEG decoder skip detail we would throw away (decodes at 1/2, 1/4 or 1/8)."""
    if image.format in ("JPEG", "MPO"):
        image.draft(image.mode, fit_size(image.size[0], image.size[1], limits))


# --- converting ----------------------------------------------------------------------------


def _to_srgb(image: Any, notes: list[str]) -> Any:
    """Apply an embedded colour profile, so the colours survive dropping it with the metadata."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        from PIL import ImageCms

        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "srgb" in ImageCms.getProfileDescription(profile).lower():
            return image
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(
            image, profile, ImageCms.createProfile("sRGB"), outputMode=mode
        )
    except Exception:  # no littlecms, or a profile it cannot use: plain conversion follows
        return image
    notes.append("colour profile applied")
    return converted


def _alpha_used(image: Any) -> bool:
    low, _high = image.getchannel("A").getextrema()
    return bool(low < 255)


def _normalise_mode(image: Any, notes: list[str]) -> Any:
    """RGB, RGBA (only when some pixel is see-through) or L: what every API format takes."""
    mode = image.mode
    if mode in ("RGB", "L"):
        return image
    if mode.startswith("I;16") or mode in ("I", "F"):
        if mode.startswith("I;16"):
            scale, offset = 1 / 256, 0.0
        else:
            low, high = image.getextrema()
            scale = 255 / (high - low) if high > low else 1.0
            offset = -low * scale
        source = image.convert("I") if mode.startswith("I;16") else image
        notes.append(f"converted from {mode} (more than 8 bits per pixel)")
        return source.point(lambda value: value * scale + offset).convert("L")
    if mode == "1":
        return image.convert("L")
    if mode == "CMYK":
        notes.append("converted from CMYK")
        return image.convert("RGB")
    if mode in ("YCbCr", "LAB", "HSV"):
        notes.append(f"converted from {mode}")
        return image.convert("RGB")
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
        mode = image.mode
    if mode in ("LA", "La"):
        return image.convert("RGBA") if _alpha_used(image) else image.convert("L")
    if mode != "RGBA":
        image = image.convert("RGBA" if "A" in mode or "a" in mode else "RGB")
    if image.mode == "RGBA" and not _alpha_used(image):
        return image.convert("RGB")
    return image


def _resize(image: Any, limits: ImageLimits, notes: list[str], before: tuple[int, int]) -> Any:
    from PIL import Image

    target = fit_size(image.size[0], image.size[1], limits)
    if target != image.size:
        image = image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if image.size != before:
        notes.append(f"downscaled from {before[0]}×{before[1]}")
    return image


# --- encoding ------------------------------------------------------------------------------


def _encode(image: Any, fmt: str, quality: int) -> bytes:
    buffer = io.BytesIO()
    if fmt == "PNG":
        image.save(buffer, "PNG", compress_level=6)
    elif fmt == "JPEG":
        image.save(buffer, "JPEG", quality=quality)
    else:
        image.save(buffer, "WEBP", quality=quality, method=4)
    return buffer.getvalue()


def _encodings(image: Any, photo: bool) -> list[tuple[str, int]]:
    """Formats and qualities to try, best first."""
    lossy = "WEBP" if image.mode == "RGBA" else "JPEG"
    steps = [(lossy, q) for q in (85, 70, 55)]
    return [(lossy, 90), *steps] if photo and lossy == "JPEG" else [("PNG", 0), *steps]


def _encode_within(image: Any, limits: ImageLimits, photo: bool, notes: list[str]) -> tuple:
    """Encode small enough for `limits.max_bytes`, lowering quality, then size, as needed."""
    from PIL import Image

    for _attempt in range(8):
        for fmt, quality in _encodings(image, photo):
            data = _encode(image, fmt, quality)
            if len(data) <= limits.max_bytes:
                return image, fmt, data
        width, height = image.size
        if width <= 16 and height <= 16:
            break
        image = image.resize(
            (max(1, width * 3 // 4), max(1, height * 3 // 4)), Image.Resampling.LANCZOS
        )
        notes.append(f"shrunk to {image.width}×{image.height} to fit {limits.max_bytes} bytes")
    raise ImageError(f"The image cannot be made smaller than {limits.max_bytes} bytes.")


# --- the public steps ----------------------------------------------------------------------


def prepare_image(
    source: Source, detail: str = "auto", limits: ImageLimits | None = None
) -> PreparedImage:
    """Verify, orient, convert, downscale and re-encode `source` (a path or the file's bytes).

    The result carries no metadata (no EXIF, GPS, comments or colour profile). Raises
    ImageError with a sentence for the user when the input cannot become an image.
    """
    from PIL import ImageOps

    limits = limits or LIMITS[detail]
    image = opened = _open(source)
    try:
        notes: list[str] = []
        source_format = image.format or "unknown"
        source_size = image.size
        if source_format == "GIF" and getattr(image, "is_animated", False):
            notes.append("animated GIF: only the first frame is described")
        orientation = _orientation(image)
        _draft(image, limits)
        _load(image)
        image = _to_srgb(image, notes)
        if orientation != 1:
            image = ImageOps.exif_transpose(image)
            notes.append("rotated as its EXIF orientation says")
        before = (
            (source_size[1], source_size[0])
            if orientation in _SWAPPING_ORIENTATIONS
            else source_size
        )
        image = _normalise_mode(image, notes)
        image = _resize(image, limits, notes, before)
        image.info = {}  # nothing of the source's metadata goes out
        photo = source_format in _PHOTO_FORMATS
        image, fmt, data = _encode_within(image, limits, photo, notes)
        return PreparedImage(
            data=data,
            mime=_MIME[fmt],
            ext=_EXT[fmt],
            width=image.width,
            height=image.height,
            source_width=before[0],
            source_height=before[1],
            source_format=source_format,
            notes=tuple(notes),
        )
    finally:
        opened.close()  # multi-frame files keep it open after load()


def inspect_image(source: Source, thumbnail_side: int = 128) -> ImageFacts:
    """Open and decode `source` (so a broken file is found early) and make a PNG preview."""
    from PIL import ImageOps

    limits = ImageLimits(thumbnail_side, thumbnail_side)
    image = opened = _open(source)
    try:
        fmt = image.format or "unknown"
        width, height = image.size
        orientation = _orientation(image)
        _draft(image, limits)
        _load(image)
        if orientation != 1:
            image = ImageOps.exif_transpose(image)
            if orientation in _SWAPPING_ORIENTATIONS:
                width, height = height, width
        image = _normalise_mode(image, [])
        image = image.resize(fit_size(image.size[0], image.size[1], limits))
        buffer = io.BytesIO()
        image.save(buffer, "PNG", compress_level=1)
        return ImageFacts(width, height, fmt, buffer.getvalue(), image.size)
    finally:
        opened.close()
