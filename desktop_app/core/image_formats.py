"""Which image formats Parley opens, and what to say about a file that is none of them.

Pillow can read some fifty formats, and some of them are programs rather than pictures: EPS
and PS are PostScript, which Pillow renders by handing the file to Ghostscript (and a
PostScript file can read and write files even under `-dSAFER`); PDF, WMF and others are
similar. Parley opens only the formats below, always by naming them to `Image.open`, so no
other decoder and no interpreter ever sees a file the user dropped.
"""

from __future__ import annotations

# Pillow's format names, as `Image.open(..., formats=...)` takes them. The API takes PNG,
# JPEG, WEBP and GIF; BMP and TIFF are common enough (scans, screenshots) to convert.
OPEN_FORMATS: tuple[str, ...] = ("PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF")
# The JPEG decoder answers MPO for multi-picture JPEGs from cameras (its files end ".mpo").
_EXTENSION_FORMATS = frozenset({*OPEN_FORMATS, "MPO"})
FORMAT_NAMES = "PNG, JPEG, GIF, WEBP, BMP and TIFF"

_POSTSCRIPT_HEADS = (b"%!", b"\xc5\xd0\xd3\xc6")  # PostScript/EPS text, DOS EPS binary


def image_extensions() -> frozenset[str]:
    """File extensions (".png", ...) of the formats Parley opens, for picking images out of a
    folder; an ".eps" or ".pdf" inside a dropped folder is never picked up."""
    from PIL import Image

    return frozenset(
        ext.lower()
        for ext, fmt in Image.registered_extensions().items()
        if fmt in _EXTENSION_FORMATS
    )


def describe_non_image(head: bytes) -> str:
    """A sentence for a file that opened as none of OPEN_FORMATS, from its first bytes."""
    if head.startswith(_POSTSCRIPT_HEADS):
        return (
            "This is not a supported image: it is PostScript (EPS or PS), a program rather "
            f"than a picture, which Parley never runs. Parley opens {FORMAT_NAMES} images."
        )
    return f"This is not an image: {_guess(head)}."


def _guess(head: bytes) -> str:
    if head.startswith(b"%PDF"):
        return "it is a PDF document"
    if head.startswith(b"PK\x03\x04"):
        return "it is a ZIP archive (or an Office document)"
    if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
        return "it is a web page (HTML)"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return _NO_FORMAT
    if text and sum(ch.isprintable() or ch.isspace() for ch in text) >= 0.95 * len(text):
        return "it contains text"
    return _NO_FORMAT


_NO_FORMAT = f"its contents are not in any image format Parley can read ({FORMAT_NAMES})"
