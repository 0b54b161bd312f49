"""Files made to hurt: PostScript that writes a file when run, and a spy on Pillow's EPS path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


def postscript(target: Path, eps: bool = True) -> bytes:
    """An EPS (or plain PS) file that creates `target` if any interpreter runs it."""
    header = b"%!PS-Adobe-3.0 EPSF-3.0\n" if eps else b"%!PS-Adobe-3.0\n"
    body = f"({target}) (w) file dup (ran) writestring closefile\nshowpage\n".encode()
    return header + b"%%BoundingBox: 0 0 10 10\n%%EndComments\n" + body + b"%%EOF\n"


def spy_on_eps(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every use of Pillow's EPS plugin (opening the header, or running Ghostscript) is
    recorded here and refused."""
    from PIL import EpsImagePlugin

    calls: list[str] = []

    def refuse(name: str) -> Any:
        def spy(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            raise AssertionError(f"EpsImagePlugin.{name} was used")

        return spy

    monkeypatch.setattr(EpsImagePlugin.EpsImageFile, "_open", refuse("EpsImageFile._open"))
    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", refuse("Ghostscript"))
    return calls
