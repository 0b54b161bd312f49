"""Render Parley's SVG icons into the PNG (and ICO, ICNS) files committed beside them.

    .venv/bin/python resources/render_icons.py

- resources/icons/parley.svg, the app icon → parley-<size>.png, parley.ico, parley.icns;
- resources/icons/ui/<name>.svg, the 24 px line icons of the controls → <name>-<size>.png at
  16, 24, 32 and 48 px (1x and 2x of the two sizes buttons use), drawn in black on
  transparent: the app tints them with the palette's text colour (desktop_app/ui/icons.py).

Run it after changing an SVG, and commit what it writes. The app itself only ever loads the
PNGs (so the bundle needs neither QtSvg nor its image plugin); Linux desktops get the PNGs and
the SVG, Windows the ICO, macOS the ICNS. Both containers simply hold PNG images, which every
Windows since Vista and every macOS since 10.7 read, so no imaging library is needed here.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent / "icons"
SVG = ICONS / "parley.svg"
UI_ICONS = ICONS / "ui"
UI_SIZES = (16, 24, 32, 48)
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types that hold a PNG of the given size.
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09"}


def png_name(size: int) -> str:
    return f"parley-{size}.png"


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO file: a directory of entries, each pointing at a whole PNG image."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, images = b"", b""
    for size, data in sorted(pngs.items()):
        side = 0 if size >= 256 else size  # 0 means 256 in an ICO directory
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        images += data
        offset += len(data)
    return header + entries + images


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICNS file: 'icns' + total length, then (type, length, PNG) elements."""
    body = b"".join(
        ICNS_TYPES[size] + struct.pack(">I", 8 + len(data)) + data
        for size, data in sorted(pngs.items())
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def render(size: int, svg: Path = SVG) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG for Qt")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    pngs = {size: render(size) for size in PNG_SIZES}
    for size, data in pngs.items():
        (ICONS / png_name(size)).write_bytes(data)
    (ICONS / "parley.ico").write_bytes(ico_bytes({s: pngs[s] for s in ICO_SIZES}))
    (ICONS / "parley.icns").write_bytes(icns_bytes({s: pngs[s] for s in ICNS_TYPES}))
    print(f"wrote {len(pngs)} PNGs, parley.ico and parley.icns into {ICONS}")
    svgs = sorted(UI_ICONS.glob("*.svg"))
    for svg in svgs:
        for size in UI_SIZES:
            (UI_ICONS / f"{svg.stem}-{size}.png").write_bytes(render(size, svg))
    print(f"wrote {len(svgs)} control icons in {len(UI_SIZES)} sizes into {UI_ICONS}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
